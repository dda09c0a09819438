import { metricsRegistry } from '@agentflow/telemetry';
import { countWebhook, outcomeOf } from './webhook-metrics';

describe('webhook outcomes', () => {
  it('reads the answer the platform got: accepted, duplicate, ignored, refused at the door, or not taken', () => {
    expect(outcomeOf({ status: 202, body: { result: 'queued' } })).toBe('accepted');
    expect(outcomeOf({ status: 202, body: { result: 'spooled' } })).toBe('accepted');
    expect(outcomeOf({ status: 200, body: { result: 'duplicate' } })).toBe('duplicate');
    expect(outcomeOf({ status: 200, body: { result: 'pong' } })).toBe('ignored');
    expect(outcomeOf({ status: 401, body: { result: 'error' } })).toBe('rejected');
    expect(outcomeOf({ status: 413, body: { result: 'error' } })).toBe('rejected');
    expect(outcomeOf({ status: 503, body: { result: 'error' } })).toBe('failed');
  });

  it('counts them by platform for the dashboard and the failing-webhooks alert', async () => {
    countWebhook('gitlab', 'rejected');
    countWebhook('gitlab', 'rejected');
    expect(await metricsRegistry.metrics()).toContain(
      'agentflow_webhooks_total{platform="gitlab",outcome="rejected"} 2',
    );
  });
});
