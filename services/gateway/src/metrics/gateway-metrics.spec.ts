import { metricsRegistry } from '@agentflow/telemetry';
import { Counter, Registry } from 'prom-client';
import type { LedgerEntry } from '../cost/ledger-entry';
import { DeferredCounter, observeBudgets, prometheusObserver } from './gateway-metrics';

const usage = { inputTokens: 120, outputTokens: 30, cacheReadTokens: 0, cacheWriteTokens: 0 };
const entry = (costUsd: number): LedgerEntry => ({
  id: 'r:1',
  at: '2026-11-25T00:00:00.000Z',
  requestId: 'r',
  attribution: { team: 'ios', project: 'app', service: 'http:ci' },
  provider: 'metrics-spec',
  model: 'm1',
  usage,
  costUsd,
  cached: false,
  waste: 'none',
  wasteUsd: 0,
});

describe('prometheusObserver', () => {
  it('shows every counted request, token and cost at the next scrape', async () => {
    prometheusObserver.call('metrics-spec', 'm1', 'ok');
    prometheusObserver.call('metrics-spec', 'm1', 'ok');
    prometheusObserver.call('metrics-spec', 'm1', 'timeout');
    prometheusObserver.error('metrics-spec', 'timeout');
    prometheusObserver.spent(entry(0.5));
    prometheusObserver.spent(entry(0.25));
    const text = await metricsRegistry.metrics();
    expect(text).toContain(
      'agentflow_provider_requests_total{provider="metrics-spec",model="m1",outcome="success"} 2',
    );
    expect(text).toContain(
      'agentflow_provider_requests_total{provider="metrics-spec",model="m1",outcome="timeout"} 1',
    );
    expect(text).toContain(
      'agentflow_errors_total{service="gateway",agent="-",provider="metrics-spec",code="timeout"} 1',
    );
    expect(text).toContain('agentflow_tokens_total{provider="metrics-spec",model="m1",kind="input"} 240');
    expect(text).toContain('agentflow_tokens_total{provider="metrics-spec",model="m1",kind="output"} 60');
    expect(text).not.toContain('provider="metrics-spec",model="m1",kind="cache_read"');
    expect(text).toContain(
      'agentflow_cost_usd_total{service="http:ci",team="ios",project="app",provider="metrics-spec",model="m1"} 0.75',
    );

    // Counted once: a second scrape adds nothing that was already handed over.
    prometheusObserver.call('metrics-spec', 'm1', 'ok');
    const again = await metricsRegistry.metrics();
    expect(again).toContain(
      'agentflow_provider_requests_total{provider="metrics-spec",model="m1",outcome="success"} 3',
    );
    expect(await metricsRegistry.metrics()).toContain(
      'agentflow_provider_requests_total{provider="metrics-spec",model="m1",outcome="success"} 3',
    );
  });
});

describe('observeBudgets', () => {
  it('shows each budget limit and what is committed of it, as read at the scrape', async () => {
    let committed = 12.5;
    observeBudgets({
      snapshot: () => [{ budget: 'global:all:day', limitUsd: 200, committedUsd: committed }],
    });
    expect(await metricsRegistry.metrics()).toContain(
      'agentflow_budget_spent_usd{budget="global:all:day"} 12.5',
    );
    committed = 40;
    const text = await metricsRegistry.metrics();
    expect(text).toContain('agentflow_budget_limit_usd{budget="global:all:day"} 200');
    expect(text).toContain('agentflow_budget_spent_usd{budget="global:all:day"} 40');
  });
});

describe('DeferredCounter', () => {
  it('keeps a collect hook the counter already had', async () => {
    const registry = new Registry();
    const seen: string[] = [];
    const counter = new Counter({
      name: 'spec_deferred_total',
      help: 'spec',
      labelNames: ['k'],
      registers: [registry],
      collect() {
        seen.push('prior');
      },
    });
    const deferred = new DeferredCounter(counter);
    deferred.add('a', () => ({ k: 'a' }), 2);
    deferred.add('a', () => ({ k: 'a' }), 3);
    expect((await counter.get()).values).toEqual([{ value: 5, labels: { k: 'a' } }]);
    expect(seen).toEqual(['prior']);
  });
});
