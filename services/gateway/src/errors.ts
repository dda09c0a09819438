/**
 * The gateway's typed outcomes. Each says what happened, what the caller should do, and whether
 * trying again can help. They surface in a {@link GatewayResponse} as `errorCode` (never as text
 * from a prompt or a key).
 */
import { AgentflowError } from '@agentflow/contracts';
import type { GatewayResponse, ProviderAttempt } from '@agentflow/contracts';

/**
 * How a single request compares with a budget that has no room for it: the budget may not be
 * spent at all, only too small for this one request (a large `max_tokens` on a large prompt).
 */
export interface BudgetShortfall {
  /** The request's estimated cost (prompt and `max_tokens` at the model's prices). */
  estimateUsd: number;
  /** What the budget had left for this request, as this replica saw it. */
  leftUsd: number;
  /** The budget's limit per period. */
  limitUsd: number;
}

/** A budget (day, month, project, workflow, team) has no room for the estimated cost. Wait for `retryAt`. */
export class BudgetExceeded extends AgentflowError {
  readonly code = 'budget_exceeded';
  readonly retryable = true;
  constructor(
    /** Which budget: `global:day`, `project:ios-app:month`, ... */
    readonly budget: string,
    /** Epoch ms when the period rolls over and the budget has room again. */
    readonly retryAt: number,
    /** Set when the budget still has room, only less than this request needs. */
    readonly shortfall?: BudgetShortfall,
  ) {
    super(budgetMessage(budget, retryAt, shortfall));
  }

  /** The request costs more than the budget's whole limit: no period will ever fit it, so waiting does not help. */
  get neverFits(): boolean {
    return this.shortfall !== undefined && this.shortfall.estimateUsd > this.shortfall.limitUsd;
  }
}

function usd(n: number): string {
  return `$${n < 0.01 ? n.toFixed(6) : n.toFixed(2)}`;
}

function budgetMessage(budget: string, retryAt: number, s: BudgetShortfall | undefined): string {
  const until = new Date(retryAt).toISOString();
  if (!s)
    return `budget ${budget} is spent until ${until}; the step is deferred until then or until the budget is raised in workflows/gateway.yml`;
  if (s.estimateUsd > s.limitUsd) {
    return `this request alone may cost ${usd(s.estimateUsd)}, more than budget ${budget}'s whole limit of ${usd(s.limitUsd)}; lower max_tokens or shorten the prompt (the budget is not spent)`;
  }
  return `this request may cost ${usd(s.estimateUsd)} and budget ${budget} has ${usd(s.leftUsd)} left until ${until}; lower max_tokens or shorten the prompt, or retry after ${until} (the budget is not spent)`;
}

/** Policy forbids sending this request anywhere (a never-sent path, no provider allowed for the data class, rules-only mode). */
export class PolicyDenied extends AgentflowError {
  readonly code = 'policy_denied';
  readonly retryable = false;
  constructor(
    message: string,
    readonly rule: string,
  ) {
    super(message);
  }
}

/** Every provider in the chain failed; `attempts` says what each one said. */
export class AllProvidersFailed extends AgentflowError {
  readonly code = 'all_providers_failed';
  constructor(
    readonly attempts: ProviderAttempt[],
    /** True when every failure was an outage (rate limits, overload, 5xx, timeouts, open breakers): defer, do not fail. */
    readonly allUnavailable: boolean,
    /** When a provider is expected back (breaker cool-down, rate window, Retry-After). */
    readonly retryAt: number | undefined,
  ) {
    super(
      `all ${attempts.length} provider attempt(s) failed: ${attempts.map((a) => `${a.provider}/${a.model} ${a.outcome}${a.status ? ` ${a.status}` : ''}`).join('; ')}`,
    );
  }
  get retryable(): boolean {
    return this.allUnavailable;
  }
}

/** The request's deadline passed before an answer. */
export class DeadlineExceeded extends AgentflowError {
  readonly code = 'deadline_exceeded';
  readonly retryable = false;
  constructor(readonly deadline: number) {
    super(
      `deadline ${new Date(deadline).toISOString()} passed before any provider answered; give the step more time or a faster model`,
    );
  }
}

/** The caller aborted (the run was cancelled or superseded). */
export class RequestAborted extends AgentflowError {
  readonly code = 'aborted';
  readonly retryable = false;
  constructor(readonly reason: string) {
    super(`request aborted: ${reason}`);
  }
}

/**
 * The typed error for a response that is not `ok`, for in-process callers (the HTTP front) that
 * prefer exceptions; null for `ok`. The NATS interface sends the response itself.
 */
export function errorOf(response: GatewayResponse): AgentflowError | null {
  if (response.status === 'ok') return null;
  switch (response.errorCode) {
    case 'budget_exceeded':
      return new BudgetExceeded(
        response.errorMessage?.match(/budget (\S+?)(?:'s)? (?:is|has)/)?.[1] ?? 'unknown',
        response.retryAt ?? Date.now() + 60_000,
      );
    case 'policy_denied':
      return new PolicyDenied(response.errorMessage ?? 'policy denied the request', 'policy');
    case 'deadline_exceeded':
      return new DeadlineExceeded(Date.now());
    case 'aborted':
      return new RequestAborted(response.errorMessage ?? 'aborted');
    default:
      return new AllProvidersFailed(response.attempts, response.status === 'deferred', response.retryAt);
  }
}
