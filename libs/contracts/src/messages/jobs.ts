import { Type } from 'class-transformer';
import {
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { Attribution } from './run';
import { ChatMessage, ResponseSchema, SentPath, TokenUsage } from './gateway';
import type { StreamSpec, Topology } from '../topology';

/**
 * Job-style vendors (Cursor cloud agents, testing-AI products, the vendors' Batch APIs) answer in
 * minutes, not in one request. An agent step launches a job on `topology.subjects.gatewayJobs`
 * (request/reply), the gateway polls it durably, and the outcome comes back as a {@link JobFinished}
 * on the gateway's job-results stream, subject `<prefix>.jobs.done.<runId>.<stepId>`.
 */
export const JOB_STATES = ['queued', 'running', 'finished', 'failed', 'expired', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];
/** States a job never leaves. */
export const TERMINAL_JOB_STATES: ReadonlySet<JobState> = new Set([
  'finished',
  'failed',
  'expired',
  'cancelled',
]);

/** One request of a batch job; `customId` is how its answer is matched back to the step. */
export class BatchItem {
  /** Unique within the batch; the step's id or `stepId:n` is the usual choice. */
  @IsString() @MinLength(1) customId!: string;
  @IsString() @MinLength(1) model!: string;
  @IsOptional() @IsString() system?: string;
  @IsArray() @ValidateNested({ each: true }) @Type(() => ChatMessage) messages!: ChatMessage[];
  @IsInt() @Min(1) maxTokens!: number;
  @IsOptional() @ValidateNested() @Type(() => ResponseSchema) responseSchema?: ResponseSchema;
}

/** `op: launch` on `gatewayJobs`: start a job on a job-style provider. */
export class JobLaunch {
  @IsIn(['launch']) op!: 'launch';
  /** Caller's id for the launch; launching the same id twice returns the first job (idempotent). */
  @IsString() @MinLength(1) requestId!: string;
  /** Provider name from providers.yml (kind `cursor`, `http-job`, or a batch-capable chat provider). */
  @IsString() @MinLength(1) provider!: string;
  /** What the job is asked to do (Cursor prompt, generic vendor's `{{prompt}}`). */
  @IsOptional() @IsString() prompt?: string;
  /** Repository URL the job works on (Cursor clones it). */
  @IsOptional() @IsString() repository?: string;
  /** Branch, tag or commit for the repository. */
  @IsOptional() @IsString() ref?: string;
  /** Extra template values for a generic vendor (`{{input.name}}`). */
  @IsOptional() @IsObject() input?: Record<string, unknown>;
  /** Requests for a Batch API job; present only for batch jobs. */
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => BatchItem) batch?: BatchItem[];
  /** Files whose text is in the prompt or the batch requests, by path and hash: checked against never-sent paths and audited. */
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => SentPath) paths?: SentPath[];
  @ValidateNested() @Type(() => Attribution) attribution!: Attribution;
  /** Data class of what is sent; only providers allowed this class accept the job. */
  @IsString() dataClass!: string;
  /** Epoch ms after which the gateway stops polling and reports the job `expired`. */
  @IsOptional() @IsNumber() deadline?: number;
}

/** `op: status` / `op: cancel` on `gatewayJobs`. */
export class JobQuery {
  @IsIn(['status', 'cancel']) op!: 'status' | 'cancel';
  @IsString() @MinLength(1) jobId!: string;
}

/** One answer of a batch job, matched by `customId`. */
export class BatchItemResult {
  @IsString() customId!: string;
  @IsIn(['succeeded', 'errored', 'expired', 'cancelled']) status!:
    'succeeded' | 'errored' | 'expired' | 'cancelled';
  @IsOptional() @IsString() text?: string;
  @IsOptional() @IsObject() structured?: Record<string, unknown>;
  @IsOptional() @IsString() error?: string;
  @ValidateNested() @Type(() => TokenUsage) usage!: TokenUsage;
  /** Priced at the batch rate (the price's `batchDiscount` off). */
  @IsNumber() @Min(0) costUsd!: number;
}

/** What a job produced. Fields are filled as the vendor provides them. */
export class JobOutcome {
  /** Vendor's summary of what it did (Cursor `summary`, a generic vendor's mapped `summary`). */
  @IsOptional() @IsString() summary?: string;
  /** Branch the job pushed to. */
  @IsOptional() @IsString() branch?: string;
  /** Pull request the job opened. */
  @IsOptional() @IsString() prUrl?: string;
  /** Link to the job in the vendor's UI. */
  @IsOptional() @IsString() url?: string;
  /** Fields a generic vendor's result mapping extracted. */
  @IsOptional() @IsObject() data?: Record<string, unknown>;
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => BatchItemResult)
  items?: BatchItemResult[];
}

/** The reply on `gatewayJobs`, and the job's durable record as seen by callers. */
export class JobReply {
  @IsIn(['ok', 'failed']) status!: 'ok' | 'failed';
  @IsOptional() @IsString() jobId?: string;
  @IsOptional() @IsIn(JOB_STATES) state?: JobState;
  /** The vendor's own status word (`RUNNING`, `in_progress`, ...). */
  @IsOptional() @IsString() vendorStatus?: string;
  @IsOptional() @ValidateNested() @Type(() => JobOutcome) outcome?: JobOutcome;
  /** Why the job failed, expired or was cancelled, in the vendor's words where it gave any. */
  @IsOptional() @IsString() reason?: string;
  /** `policy_denied`, `budget_exceeded`, `unknown_provider`, `unknown_job`, `invalid_request`, `vendor_error`, `gateway_unavailable`. */
  @IsOptional() @IsString() errorCode?: string;
  /** With `budget_exceeded`: epoch ms when the budget's period rolls over and a launch may fit again. */
  @IsOptional() @IsNumber() retryAt?: number;
  @IsOptional() @IsString() errorMessage?: string;
}

/**
 * Published once per job when it reaches a terminal state, on the job-results stream (subject
 * `<prefix>.jobs.done.<runId>.<stepId>`, message id `job:<jobId>` so a replayed publish is dropped).
 * The launching step's consumer turns it into the step's result: `finished` into findings, any
 * other state into a step failure carrying `reason`.
 */
export class JobFinished {
  @IsString() jobId!: string;
  @IsString() provider!: string;
  @IsIn(JOB_STATES) state!: JobState;
  @IsOptional() @IsString() vendorStatus?: string;
  @IsOptional() @ValidateNested() @Type(() => JobOutcome) outcome?: JobOutcome;
  @IsOptional() @IsString() reason?: string;
  @IsNumber() @Min(0) costUsd!: number;
  @ValidateNested() @Type(() => Attribution) attribution!: Attribution;
  /** ISO time the gateway saw the terminal state. */
  @IsString() finishedAt!: string;
}

/** The stream of job hand-backs, one subject per run and step (`<prefix>.jobs.done.<runId>.<stepId>`). */
export function gatewayJobResultsStream(topology: Topology): StreamSpec {
  const p = topology.prefix;
  return {
    name: `${p.toUpperCase().replace(/[^A-Z0-9_-]/g, '_')}_GATEWAY_JOBS`,
    subjects: [`${p}.jobs.done.>`],
    retention: 'limits',
    maxAgeMs: 14 * 86_400_000,
    duplicateWindowMs: 2 * 3_600_000,
  };
}

/** Subject of a job's hand-back; tokens that NATS would split on are replaced. */
export function jobDoneSubject(
  topology: Topology,
  runId: string | undefined,
  stepId: string | undefined,
): string {
  const token = (s: string | undefined) => (s && s.length ? s.replace(/[.*>\s]/g, '_') : '_');
  return `${topology.prefix}.jobs.done.${token(runId)}.${token(stepId)}`;
}
