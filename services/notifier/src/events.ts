/** What reaches the notifier, as one union the sinks switch on. */
import type { PushFilesCommand, RunFailed, RunProgress, RunReport } from '@agentflow/contracts';

export type NotifierEvent =
  | { kind: 'completed'; report: RunReport }
  | { kind: 'failed'; failure: RunFailed; report: RunReport }
  | { kind: 'progress'; progress: RunProgress }
  | { kind: 'push-files'; command: PushFilesCommand };

export function runIdOf(event: NotifierEvent): string {
  switch (event.kind) {
    case 'completed':
    case 'failed':
      return event.report.runId;
    case 'progress':
      return event.progress.runId;
    case 'push-files':
      return event.command.runId;
  }
}

/** The ledger's `kind` column: one idempotent delivery per run and kind (and step, for files). */
export function ledgerKindOf(event: NotifierEvent): string {
  return event.kind === 'push-files' ? `push-files:${event.command.stepId}` : event.kind;
}
