/**
 * A review some of whose model calls failed. What the other calls and the deterministic rules
 * found is still the step's result: the task runner reports the step failed (so the run names it)
 * and hands these findings on, and the coordinator keeps them in the report (degrade, don't fail).
 */
import { AgentflowError } from '@agentflow/contracts';
import type { AgentOutcome } from './agent';

/** One model call that did not answer usefully: which files it carried and why. */
export interface ChunkFailure {
  files: string[];
  code: string;
  message: string;
}

export class PartialReviewError extends AgentflowError {
  readonly code: string;
  readonly retryable: boolean;

  constructor(
    readonly partial: AgentOutcome,
    readonly failures: ChunkFailure[],
    readonly chunks: number,
  ) {
    super(describe(failures, chunks));
    // The first failure decides: `unparseable_output` is retried by the coordinator, a refusal is not.
    this.code = failures[0].code;
    this.retryable = failures.every((f) => f.code === 'unparseable_output');
  }
}

function describe(failures: ChunkFailure[], chunks: number): string {
  const first = failures[0];
  const files =
    first.files.length > 3
      ? `${first.files.slice(0, 3).join(', ')} and ${first.files.length - 3} more`
      : first.files.join(', ');
  const more = failures.length > 1 ? `; ${failures.length - 1} more call(s) failed too` : '';
  return `${failures.length} of ${chunks} model call(s) failed, the other findings are kept: ${first.message} (files: ${files})${more}`;
}
