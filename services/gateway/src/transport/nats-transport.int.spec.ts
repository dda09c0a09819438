/**
 * Two gateway instances, each on its own NATS connection with one unique prefix, behind the real
 * JetStream KV: they share one rate limit and one breaker state, and a request is aborted over NATS.
 */
import { randomBytes } from 'node:crypto';
import { topology as makeTopology } from '@agentflow/contracts';
import { JetStreamBus, type MessageBus } from '@agentflow/bus';
import { FakeVendorServer } from '@agentflow/fake-vendor';
import { MemoryRecordSink } from '../cost/record-sink';
import { Gateway, openGatewayState } from '../gateway';
import {
  ANTHROPIC_KEY,
  OPENAI_KEY,
  request,
  testEnv,
  testProviders,
  testSettings,
} from '../testing/fixtures';
import { abortGeneration, GatewayNatsTransport, requestGeneration } from './nats-transport';

const NATS = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('gateway over NATS with two instances', () => {
  const topology = makeTopology(`t_gw_${randomBytes(4).toString('hex')}`);
  const vendor = new FakeVendorServer({ apiKeys: [ANTHROPIC_KEY, OPENAI_KEY] });
  const buses: JetStreamBus[] = [];
  const gateways: Gateway[] = [];
  const transports: GatewayNatsTransport[] = [];
  let client: MessageBus;

  beforeAll(async () => {
    await vendor.start();
    const config = testProviders(vendor.url);
    config.providers.openai.models['gpt-4.1'].limits = { requestsPerMinute: 4 };
    for (let i = 0; i < 2; i++) {
      const bus = await JetStreamBus.connect({ servers: NATS, name: `gateway-test-${i}` });
      buses.push(bus);
      const gateway = new Gateway({
        providersConfig: config,
        settings: testSettings({
          rateLeaseFraction: 0.25,
          breaker: { failureThreshold: 2, cooldownMs: 60_000 },
          retry: { maxAttemptsPerProvider: 1, baseDelayMs: 1, maxDelayMs: 1 },
          replicas: 2,
        }),
        state: await openGatewayState(bus, topology),
        records: new MemoryRecordSink(),
        env: testEnv,
        logLevel: 'silent',
        instanceId: `replica-${i}`,
      });
      await gateway.start();
      const transport = new GatewayNatsTransport(bus, topology, gateway, gateway.logger);
      await transport.start();
      gateways.push(gateway);
      transports.push(transport);
    }
    client = await JetStreamBus.connect({ servers: NATS, name: 'gateway-test-client' });
  });

  afterAll(async () => {
    for (const t of transports) await t.stop();
    for (const g of gateways) await g.stop();
    await client.drain();
    await buses[0].deleteKv(topology.buckets.limits).catch(() => undefined);
    await buses[0].deleteKv(`${topology.buckets.limits}_budgets`).catch(() => undefined);
    await buses[0].deleteKv(topology.buckets.cache).catch(() => undefined);
    await buses[0].deleteObjects(topology.buckets.objects).catch(() => undefined);
    for (const b of buses) await b.drain();
    await vendor.close();
  });

  beforeEach(() => vendor.reset());

  it('answers a GatewayRequest envelope on the generate subject', async () => {
    const res = await requestGeneration(
      client,
      topology,
      request({ providers: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }] }),
    );
    expect(res).toMatchObject({ status: 'ok', provider: 'anthropic', cached: false });
    expect(vendor.count('anthropic', 200)).toBe(1);
  });

  it('answers an invalid request with invalid_request instead of hanging', async () => {
    const bad = { ...request(), maxTokens: 0 };
    const res = await requestGeneration(client, topology, bad);
    expect(res).toMatchObject({ status: 'failed', errorCode: 'invalid_request' });
  });

  it('shares one rate limit: four requests a minute across both instances, then the fifth moves on', async () => {
    const only = { providers: [{ provider: 'openai', model: 'gpt-4.1' }], cache: false };
    // Straight to each instance's pipeline, so both are certainly used.
    for (const g of [gateways[0], gateways[1], gateways[0], gateways[1]]) {
      expect((await g.generate(request(only))).status).toBe('ok');
    }
    const fifth = await gateways[1].generate(request({ ...only, deadline: Date.now() + 1000 }));
    const sixth = await gateways[0].generate(request({ ...only, deadline: Date.now() + 1000 }));
    // A minute boundary between the calls would reset the window; only then may one pass.
    const limited = [fifth, sixth].filter((r) => r.attempts.some((a) => a.outcome === 'rate_limited'));
    expect(limited.length).toBeGreaterThanOrEqual(1);
    expect(vendor.count('openai')).toBeLessThanOrEqual(5);
  });

  it('shares breaker state: one instance trips it, the other skips the vendor', async () => {
    const only = { providers: [{ provider: 'anthropic', model: 'claude-haiku-4-5' }], cache: false };
    vendor.enqueue('anthropic', { kind: 'server-error' }, { kind: 'server-error' });
    await gateways[0].generate(request(only));
    await gateways[0].generate(request(only));
    expect(gateways[0].breakers.state('anthropic', 'claude-haiku-4-5')).toBe('open');
    await until(
      () => gateways[1].breakers.state('anthropic', 'claude-haiku-4-5') === 'open',
      'the breaker to open on the second instance',
    );
    const served = vendor.count('anthropic');
    const res = await gateways[1].generate(request(only));
    expect(res).toMatchObject({
      status: 'deferred',
      attempts: [expect.objectContaining({ outcome: 'breaker_open' })],
    });
    expect(vendor.count('anthropic')).toBe(served);
  });

  it('shares the response cache: an answer cached by one instance is a hit on the other', async () => {
    const req = request({
      providers: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }],
      messages: [{ role: 'user', content: `cache me ${Date.now()}` }],
    });
    expect((await gateways[0].generate(req)).cached).toBe(false);
    const again = { ...req, requestId: `${req.requestId}-again` };
    let hit = await gateways[1].generate(again);
    // The entry reaches the other replica through its KV watch, without waiting on the write.
    for (let i = 0; i < 100 && !hit.cached; i++) {
      await new Promise((r) => setTimeout(r, 20));
      hit = await gateways[1].generate({ ...again, requestId: `${again.requestId}-${i}` });
    }
    expect(hit).toMatchObject({ status: 'ok', cached: true, costUsd: 0 });
  });

  it('keeps 50 concurrent requests over both instances within one shared budget', async () => {
    const budget = 0.1;
    const lease = 0.01;
    const config = testProviders(vendor.url);
    const shared = await Promise.all(
      buses.map(async (bus, i) => {
        const g = new Gateway({
          providersConfig: config,
          settings: testSettings({
            budgets: [{ scope: 'workflow', key: 'budget-test', period: 'day', limitUsd: budget }],
            budgetLeaseUsd: lease,
          }),
          state: await openGatewayState(bus, topology),
          records: new MemoryRecordSink(),
          env: testEnv,
          logLevel: 'silent',
          instanceId: `budget-${i}`,
        });
        await g.start();
        return g;
      }),
    );
    vendor.setScript('anthropic', () => ({ kind: 'reply', usage: { inputTokens: 1000, outputTokens: 100 } })); // $0.0045 each
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        shared[i % 2].generate(
          request({
            providers: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }],
            maxTokens: 200,
            cache: false,
            attribution: { workflow: 'budget-test' },
            messages: [{ role: 'user', content: `${'x'.repeat(3000)} ${i}` }],
          }),
        ),
      ),
    );
    vendor.setScript('anthropic', undefined);
    const ok = results.filter((r) => r.status === 'ok');
    const spent = ok.reduce((sum, r) => sum + r.costUsd, 0);
    expect(spent).toBeLessThanOrEqual(budget + lease);
    // Each instance may strand at most one lease it could not use; everything else is spent.
    expect(spent).toBeGreaterThanOrEqual(budget - 2 * lease - 0.0061);
    expect(results.filter((r) => r.status !== 'ok').every((r) => r.errorCode === 'budget_exceeded')).toBe(
      true,
    );
    for (const g of shared) await g.stop();
  });

  it('aborts a request in flight, vendor call included, on an abort notice over NATS', async () => {
    vendor.enqueue('anthropic', { kind: 'hang' });
    const req = request({ providers: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }], cache: false });
    const pending = requestGeneration(client, topology, req);
    await until(() => vendor.openHangs === 1, 'the vendor to hold the call');
    expect(await abortGeneration(client, topology, req.requestId, 'cancelled')).toBe(true);
    const res = await pending;
    expect(res).toMatchObject({ status: 'failed', errorCode: 'aborted' });
    await until(() => vendor.openHangs === 0, 'the vendor connection to close');
  });
});
