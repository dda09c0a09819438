/**
 * The run actor's durable state: everything the coordinator needs to continue a run on any
 * replica, after any crash. It is plain JSON (stored in the `runs` KV bucket) and carries a schema
 * version so a newer coordinator can read what an older one wrote.
 */
import type {
  Attribution,
  ChangeRef,
  CiArtifactRef,
  Finding,
  NotReviewed,
  ProposedFile,
  StepState,
  StepUsage,
  WorkflowPlan,
} from '@agentflow/contracts';
import { UnsupportedStateVersionError } from './errors';

/** Bump when the shape changes; {@link upgradeState} reads every older version. */
export const RUN_STATE_SCHEMA_VERSION = 1;

/** `running` until the run ends exactly once as `completed` or `failed` (cancelled runs are `failed` with code `superseded`/`cancelled`). */
export type RunStatus = 'running' | 'completed' | 'failed';

/** Why a run was degraded: its gate is neutral, never blocking. */
export type DegradedReason = 'deferred' | 'vendors_down' | 'budget_exhausted';

/** What the previous review of the same PR and workflow left behind (looked up by the shell, recorded in the event). */
export interface PriorReview {
  /** Head SHA of the last completed review of this PR and workflow. */
  lastReviewedHeadSha?: string;
  /** Findings still open after that review: agents recheck them, the report marks them open or fixed. */
  openFindings: Finding[];
  /** Fingerprints (or short ids, see `dismissalCovers`) a person dismissed on this PR: never reported again. */
  dismissedFingerprints: string[];
}

/** The outcome of an agent for one step, kept for the report and for later phases' context. */
export interface StepResultRecord {
  findings: Finding[];
  notReviewed: NotReviewed[];
  proposedFiles: ProposedFile[];
  /** Models the agent used, for findings that do not name theirs. */
  models: string[];
  summary?: string;
  data?: Record<string, unknown>;
}

/** A durable wait for an outside event (the team's CI on a commit). */
export interface OutsideWait {
  kind: 'ci';
  platform: ChangeRef['platform'];
  repo: string;
  headSha: string;
  /** Timer that ends the wait. */
  timerId: string;
}

export interface StepRuntime {
  id: string;
  state: StepState;
  /** Current attempt; 0 before the first dispatch. Every dispatch (retry or deferred retry) increments it. */
  attempt: number;
  /** Attempts that were retries after a crash, timeout or unparseable output (bounded by the step's `retries`). */
  retriesUsed: number;
  /** Dispatches that followed a `deferred` answer (not counted against `retries`). */
  deferrals: number;
  /** Epoch ms of the first dispatch, and of the current attempt's dispatch / pick-up. */
  firstDispatchedAt?: number;
  dispatchedAt?: number;
  pickedUpAt?: number;
  finishedAt?: number;
  /** The timer guarding the current attempt (timeout, deferred retry or CI wait); a due timer with another id is stale. */
  timerId?: string;
  /** `if:` evaluated exactly once, when the step became ready. */
  condition?: { expr: string; value: boolean; error?: string };
  result?: StepResultRecord;
  errorCode?: string;
  errorMessage?: string;
  waiting?: OutsideWait;
  /** Set while the step waits out a backoff before its next attempt (state `waiting`, timer `retry-backoff`). */
  backoff?: RetryBackoffWait;
}

/** A retry waiting out its backoff: what failed, and when the next attempt goes out. */
export interface RetryBackoffWait {
  /** `<errorCode>: <message>` of the attempt that failed. */
  reason: string;
  /** Epoch ms the backoff began (the failure's event) and ends. */
  since: number;
  dueAt: number;
}

/** The run as requested, minus the bus envelope. */
export interface RunRequest {
  change: ChangeRef;
  plan: WorkflowPlan;
  trigger: string;
  attribution: Attribution;
  rollout: 'off' | 'shadow' | 'comment' | 'gate';
  dataClass: string;
  deliveryId?: string;
  previousHeadSha?: string;
  artifacts?: string[];
  ciArtifacts?: CiArtifactRef[];
}

export interface RunState {
  schemaVersion: typeof RUN_STATE_SCHEMA_VERSION;
  runId: string;
  status: RunStatus;
  request: RunRequest;
  prior: PriorReview;
  steps: Record<string, StepRuntime>;
  startedAt: number;
  /** Epoch ms the run must end by; extended while a step waits out a vendor outage. */
  deadlineAt: number;
  deadlineTimerId: string;
  /** Latest the deadline may be pushed to by deferrals. */
  deferLimitAt: number;
  finishedAt?: number;
  /** Money and tokens of every attempt, failed ones included. */
  usage: StepUsage;
  degraded: DegradedReason[];
  /** Run-level actions already fired (index into `plan.runActions`): each fires once. */
  firedActions: number[];
  /** Events applied so far: the next history entry's index. */
  eventCount: number;
  /** Set when the run ended. */
  outcome?: { code: string; reason: string };
  /** A newer run of the same concurrency group that superseded this one. */
  supersededBy?: string;
}

/** Reads a stored state of this or an older schema version; refuses a newer one (deploy the newer coordinator everywhere first). */
export function upgradeState(raw: unknown): RunState {
  if (!raw || typeof raw !== 'object') throw new UnsupportedStateVersionError(undefined);
  const version = (raw as { schemaVersion?: unknown }).schemaVersion;
  if (version === RUN_STATE_SCHEMA_VERSION) return raw as RunState;
  throw new UnsupportedStateVersionError(version);
}

export function emptyUsage(): StepUsage {
  return {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: 0,
    vendorMs: 0,
    models: [],
  };
}

export const TERMINAL_STEP_STATES: readonly StepState[] = [
  'succeeded',
  'failed',
  'skipped',
  'timed_out',
  'cancelled',
];

export function isStepTerminal(step: StepRuntime): boolean {
  return TERMINAL_STEP_STATES.includes(step.state);
}

/**
 * Whether the run still expects this timer: a timer of an ended run, of an earlier attempt, or one
 * replaced by another (a deadline pushed out, a step that stopped waiting) can never matter again.
 */
export function timerIsLive(
  state: RunState,
  timer: { timerId: string; kind: string; stepId?: string },
): boolean {
  if (state.status !== 'running') return false;
  if (timer.kind === 'run-deadline') return state.deadlineTimerId === timer.timerId;
  const step = timer.stepId ? state.steps[timer.stepId] : undefined;
  return step?.timerId === timer.timerId;
}
