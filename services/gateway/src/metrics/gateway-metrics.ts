/**
 * What the pipeline reports to Prometheus, through the metric objects the telemetry library defines
 * once for every service (success rate per provider, cost per project, tokens by kind, breaker
 * state, cache hit ratio). Labels carry names and ids only, never prompt text.
 */
import { BREAKER_STATE_VALUE, metrics } from '@agentflow/telemetry';
import type { LedgerEntry } from '../cost/ledger-entry';
import type { BreakerState } from '../breaker/circuit-breaker';

export interface PipelineObserver {
  call(provider: string, model: string, outcome: string): void;
  spent(entry: LedgerEntry): void;
  cache(hit: boolean): void;
  breaker(provider: string, model: string, state: BreakerState): void;
  error(provider: string, code: string): void;
}

export const prometheusObserver: PipelineObserver = {
  call: (provider, model, outcome) => metrics.providerRequests.inc({ provider, model, outcome: outcome === 'ok' ? 'success' : outcome }),
  spent: (e) => {
    if (e.costUsd > 0) {
      metrics.cost.inc({ service: e.attribution.service ?? 'agents', team: e.attribution.team ?? '-', project: e.attribution.project ?? '-', provider: e.provider, model: e.model }, e.costUsd);
    }
    const kinds: Array<[string, number]> = [['input', e.usage.inputTokens], ['output', e.usage.outputTokens], ['cache_read', e.usage.cacheReadTokens], ['cache_write', e.usage.cacheWriteTokens]];
    for (const [kind, n] of kinds) if (n > 0) metrics.tokens.inc({ provider: e.provider, model: e.model, kind }, n);
  },
  cache: (hit) => metrics.cacheRequests.inc({ result: hit ? 'hit' : 'miss' }),
  breaker: (provider, model, state) => metrics.breakerState.set({ provider, model }, BREAKER_STATE_VALUE[state === 'half-open' ? 'half_open' : state]),
  error: (provider, code) => metrics.errors.inc({ service: 'gateway', agent: '-', provider, code }),
};
