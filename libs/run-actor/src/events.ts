/**
 * Everything that can happen to a run, as the actor sees it. The shell turns bus messages into
 * these (see {@link eventFromAgentMessage}) and stamps each with `at` (epoch ms): the actor never
 * reads a clock, so a recorded event sequence replays to the same state and commands.
 */
import type { AgentResult, CiEvent, RunRequested, StepUsage, TaskStarted } from '@agentflow/contracts';
import type { PriorReview } from './state';

/** A workflow run was requested. The shell adds what it knows across runs. */
export interface RunRequestedEvent {
  type: 'runRequested';
  at: number;
  request: RunRequested;
  /** The previous review of this PR and workflow, and what people dismissed on the PR. */
  prior?: PriorReview;
  /** Runs of the same concurrency group this one replaces: the actor cancels them. */
  supersedes?: string[];
  /** A newer run of the group already exists: this one ends at once as `superseded`. */
  supersededBy?: string;
  /**
   * A cancel for this run arrived before its request (the PR was closed while the request waited in
   * a backlog): the run ends at once as `cancelled` with this reason, and no agent is asked.
   */
  cancelledBefore?: string;
}

/** An agent picked the task up. */
export interface StepStartedEvent {
  type: 'stepStarted';
  at: number;
  stepId: string;
  attempt: number;
}

/** An agent finished the step and its output parsed. */
export interface StepSucceededEvent {
  type: 'stepSucceeded';
  at: number;
  stepId: string;
  attempt: number;
  result: AgentResult;
}

/** An agent reported a failure (`errorCode` says whether a retry helps, see {@link RETRYABLE_ERROR_CODES}). */
export interface StepFailedEvent {
  type: 'stepFailed';
  at: number;
  stepId: string;
  attempt: number;
  errorCode: string;
  errorMessage?: string;
  result?: AgentResult;
}

/** The gateway answered `deferred`: every allowed provider is down or the budget is spent; try again later. */
export interface StepDeferredEvent {
  type: 'stepDeferred';
  at: number;
  stepId: string;
  attempt: number;
  /** Epoch ms the gateway suggested; the actor clamps it. */
  retryAt?: number;
  /** `budget_exceeded` or `all_providers_down`. */
  errorCode?: string;
  result?: AgentResult;
}

/** The step's timeout timer came due while the attempt was still out. */
export interface StepTimedOutEvent {
  type: 'stepTimedOut';
  at: number;
  stepId: string;
  attempt: number;
  timerId: string;
}

/** The gateway walked the step's whole provider chain and every provider failed. */
export interface ProvidersExhaustedEvent {
  type: 'providersExhausted';
  at: number;
  stepId: string;
  attempt: number;
  errorMessage?: string;
  result?: AgentResult;
}

/** Something outside the run happened that a step may wait for (CI finished on a commit). */
export interface OutsideEventArrived {
  type: 'outsideEvent';
  at: number;
  ci: CiEvent;
}

/** Stop the run: a newer push superseded it, or a person cancelled it. */
export interface CancelRequestedEvent {
  type: 'cancelRequested';
  at: number;
  reason: string;
  supersededBy?: string;
}

/** A durable timer other than a step timeout came due: `run-deadline`, `retry-deferred`, `retry-backoff`, `wait-ci`. */
export interface TimerDueEvent {
  type: 'timerDue';
  at: number;
  timerId: string;
  kind: TimerKind;
  stepId?: string;
  attempt?: number;
}

export type TimerKind = 'step-timeout' | 'run-deadline' | 'retry-deferred' | 'retry-backoff' | 'wait-ci';

export type RunEvent =
  | RunRequestedEvent
  | StepStartedEvent
  | StepSucceededEvent
  | StepFailedEvent
  | StepDeferredEvent
  | StepTimedOutEvent
  | ProvidersExhaustedEvent
  | OutsideEventArrived
  | CancelRequestedEvent
  | TimerDueEvent;

/**
 * Error codes on a failed {@link AgentResult} after which the coordinator dispatches the step again
 * (up to the step's `retries`). Everything else fails the step at once: provider fallback is the
 * gateway's job, and a policy refusal will not change on a retry.
 */
export const RETRYABLE_ERROR_CODES: readonly string[] = [
  'agent_crashed',
  'unparseable_output',
  'timeout',
  'gateway_unavailable',
];

/**
 * The retryable failures that come from the step's surroundings (a gateway replica away, an agent
 * process that died, a call that ran out of time) rather than from what the model said: waiting
 * helps them, so their retry comes after a backoff (`RunActorOptions.retryBackoff`). An
 * `unparseable_output` is retried at once.
 */
export const TRANSIENT_ERROR_CODES: readonly string[] = ['agent_crashed', 'timeout', 'gateway_unavailable'];

/** The error code by which an agent passes on the gateway's "every provider of the chain failed". */
export const PROVIDERS_EXHAUSTED_CODE = 'all_providers_failed';

/** Error codes that mark the run degraded (its gate neutral): vendors down or no budget. */
export const DEGRADING_ERROR_CODES: Readonly<Record<string, 'vendors_down' | 'budget_exhausted'>> = {
  all_providers_failed: 'vendors_down',
  all_providers_down: 'vendors_down',
  budget_exceeded: 'budget_exhausted',
};

/** The events an agent's messages become. */
export type AgentEvent =
  StepStartedEvent | StepSucceededEvent | StepFailedEvent | StepDeferredEvent | ProvidersExhaustedEvent;

/** Turns an agent's message on `af.results.<runId>` into the actor's event. */
export function eventFromAgentMessage(
  message: { kind: 'started'; body: TaskStarted } | { kind: 'result'; body: AgentResult },
  at: number,
): AgentEvent {
  if (message.kind === 'started') {
    const b = message.body;
    return { type: 'stepStarted', at, stepId: b.stepId, attempt: b.attempt };
  }
  const r = message.body;
  const base = { at, stepId: r.stepId, attempt: r.attempt, result: r };
  switch (r.status) {
    case 'succeeded':
      return { type: 'stepSucceeded', ...base };
    case 'deferred':
      return { type: 'stepDeferred', ...base, retryAt: r.retryAt, errorCode: r.errorCode };
    case 'failed':
      if (r.errorCode === PROVIDERS_EXHAUSTED_CODE)
        return { type: 'providersExhausted', ...base, errorMessage: r.errorMessage };
      return {
        type: 'stepFailed',
        ...base,
        errorCode: r.errorCode ?? 'agent_failed',
        errorMessage: r.errorMessage,
      };
  }
}

/** Sums usage; models are kept once each, in first-seen order. */
export function addUsage(a: StepUsage, b: StepUsage | undefined): StepUsage {
  if (!b) return a;
  const models = [...a.models];
  for (const m of b.models) if (!models.includes(m)) models.push(m);
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
    costUsd: Math.round((a.costUsd + b.costUsd) * 1e6) / 1e6,
    vendorMs: a.vendorMs + b.vendorMs,
    models,
  };
}
