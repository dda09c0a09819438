/**
 * What the pipeline reports to Prometheus, through the metric objects the telemetry library defines
 * once for every service (success rate per provider, cost per project, tokens by kind, breaker
 * state, cache hit ratio). Labels carry names and ids only, never prompt text.
 *
 * The per-request counters are added up here and handed to prom-client when the counter is read
 * (its `collect` hook, which every scrape and `get()` runs), so a scrape sees every request counted.
 * prom-client's `inc` hashes and validates its labels object on every call, five times a request:
 * profiling showed it as ~1.5% of the gateway's CPU per request.
 */
import { BREAKER_STATE_VALUE, metrics } from '@agentflow/telemetry';
import type { LedgerEntry } from '../cost/ledger-entry';
import type { BreakerState } from '../breaker/circuit-breaker';
import { markCacheOutcome } from '../telemetry/vendor-span';

export interface PipelineObserver {
  call(provider: string, model: string, outcome: string): void;
  spent(entry: LedgerEntry): void;
  cache(hit: boolean): void;
  breaker(provider: string, model: string, state: BreakerState): void;
  error(provider: string, code: string): void;
}

type Labels = Record<string, string>;

/** The part of a prom-client counter used here; `collect` is the hook its `get()` runs first. */
interface CountingMetric {
  inc(labels: Labels, value: number): void;
  collect?: (this: unknown) => unknown;
}

/** Increments of one prom-client counter, keyed by their label values, added to it when it is read. */
export class DeferredCounter {
  private readonly pending = new Map<string, { labels: Labels; value: number }>();

  private readonly counter: CountingMetric;

  constructor(counter: object) {
    this.counter = counter as CountingMetric;
    const prior = this.counter.collect;
    const flush = () => this.flush();
    // Chained: another owner of the same counter may have a hook of its own.
    this.counter.collect = prior
      ? function collect(this: unknown) {
          flush();
          return prior.call(this);
        }
      : flush;
  }

  /** `key` names the label values (joined); `labels` is called only the first time a key is seen. */
  add(key: string, labels: () => Labels, value: number): void {
    const slot = this.pending.get(key);
    if (slot) slot.value += value;
    else this.pending.set(key, { labels: labels(), value });
  }

  /** Hands the sums to the counter. Slots stay (one per label set, a bounded few), at zero. */
  flush(): void {
    for (const slot of this.pending.values()) {
      if (slot.value === 0) continue;
      this.counter.inc(slot.labels, slot.value);
      slot.value = 0;
    }
  }
}

const providerRequests = new DeferredCounter(metrics.providerRequests);
const cost = new DeferredCounter(metrics.cost);
const tokens = new DeferredCounter(metrics.tokens);
const cacheRequests = new DeferredCounter(metrics.cacheRequests);
const errors = new DeferredCounter(metrics.errors);
const SEP = '\u0000';

function addTokens(provider: string, model: string, kind: string, n: number): void {
  if (n > 0) tokens.add(provider + SEP + model + SEP + kind, () => ({ provider, model, kind }), n);
}

export const prometheusObserver: PipelineObserver = {
  call: (provider, model, outcome) => {
    const label = outcome === 'ok' ? 'success' : outcome;
    providerRequests.add(
      provider + SEP + model + SEP + label,
      () => ({ provider, model, outcome: label }),
      1,
    );
  },
  spent: (e) => {
    const { provider, model, usage } = e;
    if (e.costUsd > 0) {
      const service = e.attribution.service ?? 'agents';
      const team = e.attribution.team ?? '-';
      const project = e.attribution.project ?? '-';
      cost.add(
        service + SEP + team + SEP + project + SEP + provider + SEP + model,
        () => ({ service, team, project, provider, model }),
        e.costUsd,
      );
    }
    addTokens(provider, model, 'input', usage.inputTokens);
    addTokens(provider, model, 'output', usage.outputTokens);
    addTokens(provider, model, 'cache_read', usage.cacheReadTokens);
    addTokens(provider, model, 'cache_write', usage.cacheWriteTokens);
  },
  cache: (hit) => {
    const result = hit ? 'hit' : 'miss';
    cacheRequests.add(result, () => ({ result }), 1);
    markCacheOutcome(hit);
  },
  breaker: (provider, model, state) =>
    metrics.breakerState.set(
      { provider, model },
      BREAKER_STATE_VALUE[state === 'half-open' ? 'half_open' : state],
    ),
  error: (provider, code) =>
    errors.add(provider + SEP + code, () => ({ service: 'gateway', agent: '-', provider, code }), 1),
};

/**
 * The budgets' gauges, read from the guard when `/metrics` is scraped (a gauge set per request
 * would cost what the deferred counters above save). The last guard observed wins: one gateway
 * per process outside tests.
 */
export function observeBudgets(guard: {
  snapshot(): Array<{ budget: string; limitUsd: number; committedUsd: number }>;
}): void {
  const read = () => {
    for (const b of guard.snapshot()) {
      metrics.budgetLimit.set({ budget: b.budget }, b.limitUsd);
      metrics.budgetSpent.set({ budget: b.budget }, b.committedUsd);
    }
  };
  for (const gauge of [metrics.budgetLimit, metrics.budgetSpent])
    (gauge as unknown as { collect?: () => void }).collect = read;
}
