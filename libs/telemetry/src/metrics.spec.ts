import { BREAKER_STATE_VALUE, metrics, metricsRegistry } from './metrics';

describe('metrics', () => {
  it('defines each DESIGN.md metric once on the process registry', async () => {
    const names = (await metricsRegistry.getMetricsAsJSON()).map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining([
        'agentflow_run_duration_seconds',
        'agentflow_run_cost_usd',
        'agentflow_provider_requests_total',
        'agentflow_cost_usd_total',
        'agentflow_errors_total',
        'agentflow_breaker_state',
        'agentflow_gateway_cache_requests_total',
        'agentflow_consumer_lag_messages',
      ]),
    );
  });

  it('exposes recorded values in the Prometheus text format', async () => {
    metrics.providerRequests.inc({ provider: 'anthropic', model: 'claude-sonnet', outcome: 'success' });
    metrics.breakerState.set({ provider: 'openai', model: 'gpt' }, BREAKER_STATE_VALUE.open);
    metrics.runDuration.observe({ workflow: 'review', outcome: 'completed' }, 42);
    const text = await metricsRegistry.metrics();
    expect(text).toContain(
      'agentflow_provider_requests_total{provider="anthropic",model="claude-sonnet",outcome="success"} 1',
    );
    expect(text).toContain('agentflow_breaker_state{provider="openai",model="gpt"} 2');
    expect(text).toContain(
      'agentflow_run_duration_seconds_bucket{le="60",workflow="review",outcome="completed"} 1',
    );
  });
});
