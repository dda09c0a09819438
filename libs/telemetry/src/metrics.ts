/**
 * Prometheus metrics, defined once here so every service (and `agentflow up`, which runs them all
 * in one process) exports the same names with the same labels. Services import these objects and
 * never define their own versions of them. Served by the service kit at `GET /metrics`.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The process's registry: the service kit serves it, tests read it. */
export const metricsRegistry = new Registry();

let defaultsCollected = false;
/** Process metrics (CPU, memory, event loop lag) on the same registry; once per process. */
export function collectProcessMetrics(): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  collectDefaultMetrics({ register: metricsRegistry, prefix: 'agentflow_' });
}

/** Breaker states as the gauge reports them. */
export const BREAKER_STATE_VALUE = { closed: 0, half_open: 1, open: 2 } as const;

export const metrics = {
  /** Wall time of a run from request to report (P50/P95/P99 from the buckets). Observed once per run, by the coordinator. */
  runDuration: new Histogram({
    name: 'agentflow_run_duration_seconds',
    help: 'Wall time of a run from request to final report.',
    labelNames: ['workflow', 'outcome'] as const,
    buckets: [5, 15, 30, 60, 90, 120, 180, 240, 300, 450, 600, 900, 1800],
    registers: [metricsRegistry],
  }),
  /** Money spent by one run (cost per run), observed when it ends. */
  runCost: new Histogram({
    name: 'agentflow_run_cost_usd',
    help: 'Money spent by one run, in US dollars.',
    labelNames: ['workflow'] as const,
    buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 25],
    registers: [metricsRegistry],
  }),
  /** Vendor calls by outcome (`success`, `error`, `rate_limited`, `timeout`): the success rate per provider. */
  providerRequests: new Counter({
    name: 'agentflow_provider_requests_total',
    help: 'Calls to AI vendors by provider, model and outcome.',
    labelNames: ['provider', 'model', 'outcome'] as const,
    registers: [metricsRegistry],
  }),
  /** Money spent, by who pays and where it went (cost per service and per project). */
  cost: new Counter({
    name: 'agentflow_cost_usd_total',
    help: 'Money spent on AI vendors, in US dollars.',
    labelNames: ['service', 'team', 'project', 'provider', 'model'] as const,
    registers: [metricsRegistry],
  }),
  /** Tokens by kind: `input`, `output`, `cache_read`, `cache_write`. */
  tokens: new Counter({
    name: 'agentflow_tokens_total',
    help: 'Tokens billed by AI vendors, by kind.',
    labelNames: ['provider', 'model', 'kind'] as const,
    registers: [metricsRegistry],
  }),
  /** Failures by the agent or provider where they happened, with the typed error code. */
  errors: new Counter({
    name: 'agentflow_errors_total',
    help: 'Errors by service, agent type, provider and error code.',
    labelNames: ['service', 'agent', 'provider', 'code'] as const,
    registers: [metricsRegistry],
  }),
  /** Circuit breaker per provider and model: 0 closed, 1 half-open, 2 open (see {@link BREAKER_STATE_VALUE}). */
  breakerState: new Gauge({
    name: 'agentflow_breaker_state',
    help: 'Circuit breaker state per provider and model: 0 closed, 1 half-open, 2 open.',
    labelNames: ['provider', 'model'] as const,
    registers: [metricsRegistry],
  }),
  /** Gateway cache look-ups by `result` (`hit`, `miss`): the cache hit ratio. */
  cacheRequests: new Counter({
    name: 'agentflow_gateway_cache_requests_total',
    help: 'Gateway response cache look-ups by result (hit or miss).',
    labelNames: ['result'] as const,
    registers: [metricsRegistry],
  }),
  /** Messages a consumer gave up on and moved to the dead-letter stream (poison, or out of deliveries). */
  deadLetters: new Counter({
    name: 'agentflow_dead_letters_total',
    help: 'Messages moved to the dead-letter stream, by stream and consumer.',
    labelNames: ['stream', 'consumer'] as const,
    registers: [metricsRegistry],
  }),
  /** Times a call waited for the next minute of a provider's rate limit (the gateway's own limiter). */
  rateLimitWaits: new Counter({
    name: 'agentflow_rate_limit_waits_total',
    help: 'Waits for a provider rate-limit window, by provider and model.',
    labelNames: ['provider', 'model'] as const,
    registers: [metricsRegistry],
  }),
  /** Seconds spent in those waits. */
  rateLimitWaitSeconds: new Counter({
    name: 'agentflow_rate_limit_wait_seconds_total',
    help: 'Seconds calls waited for a provider rate-limit window, by provider and model.',
    labelNames: ['provider', 'model'] as const,
    registers: [metricsRegistry],
  }),
  /**
   * Webhooks by what became of them: `accepted` (queued), `duplicate`, `rejected` (signature,
   * token or payload refused at the door) and `failed` (accepted, then processing failed for good).
   */
  webhooks: new Counter({
    name: 'agentflow_webhooks_total',
    help: 'Webhook deliveries by platform and outcome (accepted, duplicate, rejected, failed).',
    labelNames: ['platform', 'outcome'] as const,
    registers: [metricsRegistry],
  }),
  /** Each budget's limit for its current period, by `scope:key:period` (read when scraped). */
  budgetLimit: new Gauge({
    name: 'agentflow_budget_limit_usd',
    help: 'Budget limit of the current period in US dollars, by budget (scope:key:period).',
    labelNames: ['budget'] as const,
    registers: [metricsRegistry],
  }),
  /** What each budget has spent in its current period, as this gateway replica sees it. */
  budgetSpent: new Gauge({
    name: 'agentflow_budget_spent_usd',
    help: 'Spend of the current budget period in US dollars, by budget (scope:key:period).',
    labelNames: ['budget'] as const,
    registers: [metricsRegistry],
  }),
  /**
   * Usefulness of findings first posted in the notifier's window (`NOTIFIER_USEFULNESS_WINDOW_DAYS`),
   * per `by` (agent, rule, category, model, repo) and `group`: `measure` is `acted_on`, `dismissed`,
   * `ignored` (open at merge) or `thread_resolved`, each a share of its sample in
   * `agentflow_usefulness_sample`. Absent when the sample is empty. Refreshed by the notifier.
   */
  usefulnessRate: new Gauge({
    name: 'agentflow_usefulness_rate',
    help: 'Share of findings acted on, dismissed, ignored at merge, or with their thread resolved, by group (docs/usefulness.md).',
    labelNames: ['by', 'group', 'measure'] as const,
    registers: [metricsRegistry],
  }),
  /** Inline comments per pull request, by `by` and `group` (same window). */
  usefulnessCommentsPerPullRequest: new Gauge({
    name: 'agentflow_usefulness_comments_per_pull_request',
    help: 'Inline comments agentflow posted per pull request, by group (docs/usefulness.md).',
    labelNames: ['by', 'group'] as const,
    registers: [metricsRegistry],
  }),
  /**
   * The samples the rates divide by: `sample` is `findings` (acted_on, dismissed), `at_merge`
   * (ignored), `comments` (thread_resolved) or `pull_requests` (comments per PR).
   */
  usefulnessSample: new Gauge({
    name: 'agentflow_usefulness_sample',
    help: 'Sample sizes of the usefulness rates, by group and sample (findings, at_merge, comments, pull_requests).',
    labelNames: ['by', 'group', 'sample'] as const,
    registers: [metricsRegistry],
  }),
  /** Messages a durable consumer has not yet received (JetStream `num_pending`), plus unacked ones. */
  consumerLag: new Gauge({
    name: 'agentflow_consumer_lag_messages',
    help: 'Messages waiting for a durable consumer (pending plus unacknowledged).',
    labelNames: ['stream', 'consumer'] as const,
    registers: [metricsRegistry],
  }),
} as const;
