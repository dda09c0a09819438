/**
 * The dashboard and the alerts read real series: after faults of the kinds they watch (a vendor
 * error, a dead letter, a budget in use), `/metrics` declares every series a panel or a rule
 * queries, and carries samples for the faults. The Kubernetes PrometheusRule holds the same
 * alerts as the rule file docker-compose.yml mounts.
 */
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { EmbeddedBus, provisionTopology } from '@agentflow/bus';
import { InvalidMessageError, topology as makeTopology } from '@agentflow/contracts';
import { FakeVendorServer } from '@agentflow/fake-vendor';
import { collectProcessMetrics, metricsRegistry } from '@agentflow/telemetry';
import { MemoryRecordSink } from '../../services/gateway/src/cost/record-sink';
import { Gateway } from '../../services/gateway/src/gateway';
import { MemoryKv } from '../../services/gateway/src/testing/memory-kv';
import {
  ANTHROPIC_KEY,
  OPENAI_KEY,
  request,
  SteppingClock,
  testEnv,
  testProviders,
  testSettings,
} from '../../services/gateway/src/testing/fixtures';
import { dashboard, PROMETHEUS_RULE, rules, seriesIn, undeclared, type RuleGroups } from './promql';

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('dashboard and alert rules against /metrics', () => {
  let scraped = '';

  beforeAll(async () => {
    collectProcessMetrics();
    // A poison message: dead-lettered by the consumer runner on the first delivery.
    const topo = makeTopology('t_obs');
    const bus = new EmbeddedBus({ deadLetterSubject: topo.subjects.dlq });
    await provisionTopology(bus, topo);
    const handle = await bus.consume(
      {
        stream: topo.streams.tasks.name,
        durable: 'agents-code-review',
        filterSubject: topo.subjects.tasks('code-review'),
        ackWaitMs: 5_000,
        maxDeliver: 3,
        maxAckPending: 8,
        backoffMs: [],
      },
      async () => {
        throw new InvalidMessageError('envelope must be a JSON object');
      },
    );
    await bus.publish(topo.subjects.tasks('code-review'), new TextEncoder().encode('not json'), {
      msgId: 'poison-1',
    });
    await waitFor('the dead letter to be counted', async () =>
      (await metricsRegistry.metrics()).includes(
        'agentflow_dead_letters_total{stream="T_OBS_TASKS",consumer="agents-code-review"} 1',
      ),
    );
    await handle.stop(5_000);
    await bus.drain();

    // A vendor outage on the first target: an error, a fallback, spend against the budgets.
    const vendor = new FakeVendorServer({ apiKeys: [ANTHROPIC_KEY, OPENAI_KEY] });
    await vendor.start();
    const gateway = new Gateway({
      providersConfig: testProviders(vendor.url),
      settings: testSettings({
        retry: { maxAttemptsPerProvider: 1, baseDelayMs: 1, maxDelayMs: 1 },
        budgets: [{ scope: 'global', period: 'day', limitUsd: 50 }],
      }),
      state: {
        limits: new MemoryKv('limits'),
        budgets: new MemoryKv('budgets'),
        cache: new MemoryKv('cache'),
      },
      records: new MemoryRecordSink(),
      env: testEnv,
      clock: new SteppingClock(),
      logLevel: 'silent',
      random: () => 0.5,
    });
    await gateway.start();
    try {
      vendor.enqueue('anthropic', { kind: 'server-error', status: 500 });
      vendor.enqueue('openai', { kind: 'reply' });
      expect((await gateway.generate(request())).status).toBe('ok');
    } finally {
      await gateway.stop();
      await vendor.close();
    }
    scraped = await metricsRegistry.metrics();
  });

  it('finds every series a dashboard panel queries declared', () => {
    const panels = dashboard().panels;
    expect(panels.length).toBeGreaterThanOrEqual(12);
    for (const panel of panels) {
      const series = panel.targets.flatMap((t) => seriesIn(t.expr));
      expect(series.length).toBeGreaterThan(0);
      expect([panel.title, undeclared(series, scraped)]).toEqual([panel.title, []]);
    }
  });

  it('finds every series an alert rule queries declared', () => {
    for (const rule of rules().groups.flatMap((g) => g.rules)) {
      expect([rule.alert, undeclared(seriesIn(rule.expr), scraped)]).toEqual([rule.alert, []]);
      expect(rule.labels?.severity).toMatch(/^(warning|critical)$/);
    }
  });

  it('would catch a panel that queries a series nothing declares', () => {
    expect(undeclared(seriesIn('sum(rate(agentflow_reviews_posted_total[5m]))'), scraped)).toEqual([
      'agentflow_reviews_posted_total',
    ]);
    expect(
      undeclared(
        seriesIn('histogram_quantile(0.9, rate(agentflow_run_duration_seconds_bucket[5m]))'),
        scraped,
      ),
    ).toEqual([]);
  });

  it('covers what the seed asks to monitor, and the alerts a platform team needs', () => {
    const titles = dashboard().panels.map((p) => p.title);
    for (const t of [
      'Workflow execution time P50 / P95 / P99',
      'Success rate per provider',
      'Cost per workflow (24 h)',
      'Cost per day against the daily budget',
      'Errors by agent',
      'Errors by service',
      'Consumer lag',
      'Dead letters (per hour)',
      'Circuit breakers',
      'Rate-limit waits',
      'Webhooks by outcome',
    ]) {
      expect(titles).toContain(t);
    }
    const alerts = rules().groups.flatMap((g) => g.rules.map((r) => r.alert));
    for (const a of [
      'AgentflowBudgetBurn',
      'AgentflowBreakerOpen',
      'AgentflowDeadLetters',
      'AgentflowConsumerLag',
      'AgentflowWebhooksFailing',
    ])
      expect(alerts).toContain(a);
  });

  it('has samples for the injected faults', () => {
    expect(scraped).toMatch(
      /agentflow_dead_letters_total\{stream="T_OBS_TASKS",consumer="agents-code-review"\} 1/,
    );
    expect(scraped).toMatch(
      /agentflow_provider_requests_total\{provider="anthropic",model="[^"]+",outcome="(?!success)[a-z_]+"\} [1-9]/,
    );
    expect(scraped).toMatch(
      /agentflow_errors_total\{service="gateway",agent="-",provider="anthropic",code="[a-z_]+"\} [1-9]/,
    );
    expect(scraped).toMatch(/agentflow_budget_limit_usd\{budget="global:all:day"\} 50/);
    expect(scraped).toMatch(/agentflow_budget_spent_usd\{budget="global:all:day"\} [0-9.e-]+/);
  });

  it('ships the same alerts to Kubernetes (PrometheusRule) as to the compose Prometheus', () => {
    const rule = parse(readFileSync(PROMETHEUS_RULE, 'utf8')) as { kind: string; spec: RuleGroups };
    expect(rule.kind).toBe('PrometheusRule');
    expect(rule.spec).toEqual(rules());
  });
});
