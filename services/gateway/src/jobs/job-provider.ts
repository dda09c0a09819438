/**
 * The job-style provider port: submit -> vendor job id -> status -> outcome. A provider only speaks
 * its vendor's wire format; durability, polling, cancellation, pricing and the hand-back to the
 * launching step live in {@link JobRunner}.
 */
import type { BatchItem, JobOutcome, JobState, ProviderConfig } from '@agentflow/contracts';
import type { TokenCounts } from '../providers/chat-provider';

/** What a job is asked to do, as it is kept in the job record (so a restart can still cancel it). */
export interface JobSpec {
  prompt?: string;
  repository?: string;
  ref?: string;
  input?: Record<string, unknown>;
  batch?: BatchItem[];
}

/** One look at a vendor job. */
export interface JobSnapshot {
  state: JobState;
  /** The vendor's own status word. */
  vendorStatus: string;
  outcome?: JobOutcome;
  /** Why it failed or expired, in the vendor's words. */
  reason?: string;
  /** Tokens the vendor billed, when it reports them (Batch APIs). */
  usage?: TokenCounts;
  /** USD the job cost when the provider prices it itself (batch items priced at the batch rate). */
  costUsd?: number;
}

export interface JobProvider {
  /** Provider name from providers.yml. */
  readonly name: string;
  readonly kind: 'cursor' | 'http-job' | 'anthropic-batch' | 'openai-batch';
  /** USD the job is expected to cost at most, reserved from the budgets before it is submitted. */
  estimateUsd(spec: JobSpec, at: number): number;
  /** Starts the vendor job; resolves with the vendor's id for it. */
  submit(spec: JobSpec, signal?: AbortSignal): Promise<{ vendorJobId: string; snapshot: JobSnapshot }>;
  poll(vendorJobId: string, spec: JobSpec, signal?: AbortSignal): Promise<JobSnapshot>;
  /** Asks the vendor to stop; a vendor job already over is not an error. */
  cancel(vendorJobId: string, signal?: AbortSignal): Promise<void>;
}

/**
 * What a job kind's folder (`providers/<kind>/index.ts`) exports: the provider for one enabled
 * providers.yml entry, given its key (read only when asked), or undefined when it cannot run without one.
 */
export type JobProviderFactory = (
  name: string,
  config: ProviderConfig,
  key: () => string | undefined,
) => JobProvider | undefined;
