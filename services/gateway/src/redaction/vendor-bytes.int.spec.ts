/**
 * The NATS path (`gateway.generate` requests from the agents): each kind of secret that once leaked
 * (leak-cases.ts), in the system prompt and in a message, never reaches the vendor's bytes.
 */
import { randomBytes } from 'node:crypto';
import { topology as makeTopology } from '@agentflow/contracts';
import { JetStreamBus } from '@agentflow/bus';
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
import { GatewayNatsTransport, requestGeneration } from '../transport/nats-transport';
import { LEAK_CASES } from './leak-cases';

const NATS = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

describe('what the vendor receives over the NATS interface', () => {
  const topology = makeTopology(`t_redact_${randomBytes(4).toString('hex')}`);
  const vendor = new FakeVendorServer({ apiKeys: [ANTHROPIC_KEY, OPENAI_KEY] });
  let bus: JetStreamBus;
  let client: JetStreamBus;
  let gateway: Gateway;
  let transport: GatewayNatsTransport;

  beforeAll(async () => {
    await vendor.start();
    bus = await JetStreamBus.connect({ servers: NATS, name: 'gateway-redaction-test' });
    gateway = new Gateway({
      providersConfig: testProviders(vendor.url),
      settings: testSettings(),
      state: await openGatewayState(bus, topology),
      records: new MemoryRecordSink(),
      env: testEnv,
      logLevel: 'silent',
    });
    await gateway.start();
    transport = new GatewayNatsTransport(bus, topology, gateway, gateway.logger);
    await transport.start();
    client = await JetStreamBus.connect({ servers: NATS, name: 'gateway-redaction-client' });
  });

  afterAll(async () => {
    await transport.stop();
    await gateway.stop();
    await client.drain();
    await bus.deleteKv(topology.buckets.limits).catch(() => undefined);
    await bus.deleteKv(`${topology.buckets.limits}_budgets`).catch(() => undefined);
    await bus.deleteKv(topology.buckets.cache).catch(() => undefined);
    await bus.deleteObjects(topology.buckets.objects).catch(() => undefined);
    await bus.drain();
    await vendor.close();
  });

  beforeEach(() => vendor.reset());

  for (const where of ['system prompt', 'message'] as const) {
    it.each(LEAK_CASES)(`redacts a $kind in the ${where}`, async ({ text, leak }) => {
      const base = request({
        providers: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }],
        cache: false,
      });
      const req =
        where === 'system prompt'
          ? { ...base, system: `You review code. Context:\n${text}` }
          : {
              ...base,
              messages: [{ role: 'user' as const, content: `${base.messages[0]!.content}\n${text}` }],
            };
      const res = await requestGeneration(client, topology, req);
      expect(res).toMatchObject({ status: 'ok' });
      expect(vendor.count('anthropic', 200)).toBe(1);
      expect(vendor.served('anthropic')[0]!.rawBody).toContain('[REDACTED_SECRET_1]');
      expect(vendor.received(leak)).toBe(false);
    });
  }
});
