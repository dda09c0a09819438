/**
 * A gateway replica that dies during a vendor call (ADR 0078), on real NATS: two gateway replicas
 * and the agent each on their own connection. The replica holding the call loses its connection
 * mid-call (what kill -9 does to its subscriptions); the agent hears no one for its reply bound,
 * sends the request again under the same id, and the other replica answers it, long before the
 * task deadline. The vendor is called once per replica that served it, and booked once.
 */
import { randomBytes } from 'node:crypto';
import {
  createEnvelope,
  HEADERS,
  topology as makeTopology,
  type GatewayRequest,
  type ProvidersConfig,
} from '@agentflow/contracts';
import { JetStreamBus, type ReplyMessage } from '@agentflow/bus';
import { FakeVendorServer } from '@agentflow/fake-vendor';
import {
  DEFAULT_SETTINGS,
  Gateway,
  GatewayNatsTransport,
  MemoryRecordSink,
  openGatewayState,
} from '@agentflow/gateway';
import { BusModelGateway } from '../../../services/agents/src/gateway/model-gateway';

const NATS = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const KEY = 'sk-ant-api03-FAILOVERTESTKEYabcdefghijklmnop0123';

function providers(baseUrl: string): ProvidersConfig {
  return {
    providers: {
      anthropic: {
        kind: 'anthropic',
        baseUrl,
        apiKey: { env: 'FAILOVER_TEST_KEY' },
        region: 'us',
        retention: '30d',
        dataClasses: ['public', 'internal'],
        timeoutMs: 60_000,
        models: {
          'claude-sonnet-4-6': {
            contextWindow: 200_000,
            tier: 'medium',
            prices: [{ effectiveFrom: '2025-01-01', inputPerMTok: 3, outputPerMTok: 15 }],
          },
        },
      },
    },
  };
}

let counter = 0;
function gatewayRequest(deadline: number): GatewayRequest {
  counter += 1;
  return {
    requestId: `run-fo:review:1:chunk-${counter}-${randomBytes(3).toString('hex')}`,
    providers: [{ provider: 'anthropic', model: 'claude-sonnet-4-6' }],
    system: 'You review Swift code for a mobile team.',
    messages: [
      {
        role: 'user',
        content: `Review this diff (${counter}):\n+++ b/App/Login.swift\n@@ -1,2 +1,3 @@\n+let x = ${counter}`,
      },
    ],
    maxTokens: 400,
    deadline,
    attribution: { team: 'ios', repo: 'acme/shop-ios', runId: 'run-fo', stepId: 'review', service: 'agents' },
    dataClass: 'internal',
    paths: [{ path: 'App/Login.swift', sha256: 'a'.repeat(64) }],
    cache: false,
  } as GatewayRequest;
}

interface Replica {
  bus: JetStreamBus;
  gateway: Gateway;
  transport: GatewayNatsTransport;
  records: MemoryRecordSink;
  logs: string[];
  dead: boolean;
}

describe('agents -> gateway across a replica that dies mid-call', () => {
  const topology = makeTopology(`t_fo_${randomBytes(4).toString('hex')}`);
  const vendor = new FakeVendorServer({ apiKeys: [KEY] });
  const replicas: Replica[] = [];
  let agentBus: JetStreamBus;
  const agentWarnings: string[] = [];
  let agent: BusModelGateway;

  async function startReplica(name: string): Promise<Replica> {
    const bus = await JetStreamBus.connect({ servers: NATS, name: `failover-${name}` });
    const records = new MemoryRecordSink();
    const logs: string[] = [];
    const gateway = new Gateway({
      providersConfig: providers(vendor.url),
      settings: { ...DEFAULT_SETTINGS, retry: { maxAttemptsPerProvider: 1, baseDelayMs: 1, maxDelayMs: 1 } },
      state: await openGatewayState(bus, topology),
      records,
      env: { FAILOVER_TEST_KEY: KEY },
      logLevel: 'warn',
      logWrite: (line) => logs.push(line),
      instanceId: name,
    });
    await gateway.start();
    const transport = new GatewayNatsTransport(bus, topology, gateway, gateway.logger, {
      instance: name,
      heldProbeMs: 300,
      drainMs: 0,
    });
    await transport.start();
    const replica = { bus, gateway, transport, records, logs, dead: false };
    replicas.push(replica);
    return replica;
  }

  const live = () => replicas.filter((r) => !r.dead);

  /** Waits for the replica that took the call, and returns it with the other live one. */
  async function holderAndOther(): Promise<{ holder: Replica; other: Replica }> {
    while (!live().some((r) => r.transport.active > 0)) await new Promise((r) => setTimeout(r, 10));
    const holder = live().find((r) => r.transport.active > 0)!;
    return { holder, other: live().find((r) => r !== holder)! };
  }

  /** What kill -9 does to a replica's bus: the connection drops, no reply and no held answer ever come. Another takes its place. */
  async function kill(replica: Replica): Promise<void> {
    replica.dead = true;
    await (replica.bus as unknown as { nc: { close(): Promise<void> } }).nc.close();
  }

  beforeAll(async () => {
    await vendor.start();
    await startReplica('replica-0');
    await startReplica('replica-1');
    agentBus = await JetStreamBus.connect({ servers: NATS, name: 'failover-agent' });
    agent = new BusModelGateway(agentBus, topology, {
      replyBoundMs: 1_500,
      probeMs: 250,
      logger: { warn: ((_: unknown, msg: string) => agentWarnings.push(msg)) as never },
    });
  });

  beforeEach(async () => {
    vendor.reset();
    agentWarnings.length = 0;
    for (const r of live()) r.logs.length = 0;
    // Two live replicas at the start of every case.
    for (let i = live().length; i < 2; i++) await startReplica(`replica-${replicas.length}`);
  });

  afterAll(async () => {
    for (const r of replicas) {
      await r.transport.stop().catch(() => undefined);
      await r.gateway.stop().catch(() => undefined);
    }
    const up = live()[0];
    for (const bucket of [
      topology.buckets.limits,
      `${topology.buckets.limits}_budgets`,
      topology.buckets.cache,
      topology.buckets.gatewayRequests,
    ]) {
      await up.bus.deleteKv(bucket).catch(() => undefined);
    }
    await up.bus.deleteObjects(topology.buckets.objects).catch(() => undefined);
    for (const r of replicas) if (!r.dead) await r.bus.drain();
    await agentBus.drain();
    await vendor.close();
  });

  it('answers from the other replica within the reply bound, not at the task deadline, and books the call once', async () => {
    // The first vendor call never ends; the second (from the replica that takes over) answers.
    vendor.enqueue('anthropic', { kind: 'hang' }, { kind: 'reply', text: 'No problems found.' });
    const deadline = Date.now() + 120_000;
    const request = gatewayRequest(deadline);
    const pending = agent.generate(request, new AbortController().signal);

    const { holder, other } = await holderAndOther();
    const killedAt = Date.now();
    await kill(holder);

    const response = await pending;
    // Answered within the reply bound (1.5 s) plus a probe and the second vendor call, not at the deadline.
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    expect(response).toMatchObject({
      status: 'ok',
      text: 'No problems found.',
      requestId: request.requestId,
    });
    expect(Date.now()).toBeLessThan(deadline - 60_000);
    expect(vendor.served('anthropic').map((s) => s.outcome)).toEqual(['hang', 'reply']);
    expect(other.records.entries.filter((e) => e.requestId === request.requestId)).toHaveLength(1);
    expect(
      holder.records.entries.filter((e) => e.requestId === request.requestId && e.costUsd > 0),
    ).toHaveLength(0);
    expect(agentWarnings).toEqual([expect.stringContaining('sending it again under the same request id')]);
    expect(other.logs.join('\n')).toContain('no replica serves it any more');
  });

  it('answers a resend of a request already answered from that answer: no second vendor call, no second booking', async () => {
    vendor.enqueue('anthropic', { kind: 'reply', text: 'First and only answer.' });
    const request = gatewayRequest(Date.now() + 60_000);
    const first = await agent.generate(request, new AbortController().signal);
    expect(first).toMatchObject({ status: 'ok', text: 'First and only answer.' });

    // The caller lost the reply and sends the same request again.
    const envelope = createEnvelope('gateway.request', request, { runId: 'run-fo', id: request.requestId });
    const again = await agentBus.request(
      topology.subjects.gatewayGenerate,
      new TextEncoder().encode(JSON.stringify(envelope)),
      {
        timeoutMs: 10_000,
        headers: { [HEADERS.gatewaySend]: '1' },
      },
    );
    const body = again.json<{ body: { text?: string; requestId: string } }>().body;
    expect(body).toMatchObject({ requestId: request.requestId, text: 'First and only answer.' });
    expect(vendor.served('anthropic')).toHaveLength(1);
    const booked = live()
      .flatMap((r) => r.records.entries)
      .filter((e) => e.requestId === request.requestId);
    expect(booked).toHaveLength(1);
  });

  it('a replica that stops mid-call leaves the call unanswered, not "aborted", and the other replica answers it', async () => {
    vendor.enqueue('anthropic', { kind: 'hang' }, { kind: 'reply', text: 'Answered after the stop.' });
    const request = gatewayRequest(Date.now() + 120_000);
    const pending = agent.generate(request, new AbortController().signal);
    const { holder, other } = await holderAndOther();
    await holder.transport.stop();
    holder.dead = true;

    expect(await pending).toMatchObject({ status: 'ok', text: 'Answered after the stop.' });
    expect(holder.logs.join('\n')).toContain('they are aborted unanswered');
    expect(other.records.entries.filter((e) => e.requestId === request.requestId)).toHaveLength(1);
    await holder.gateway.stop();
    await holder.bus.drain();
  });

  it('a resend that reaches another replica while the first still serves the call waits for its answer: one vendor call', async () => {
    vendor.enqueue('anthropic', { kind: 'reply', text: 'Slow but single.', delayMs: 1_200 });
    const request = gatewayRequest(Date.now() + 60_000);
    const pending = agent.generate(request, new AbortController().signal);
    const { other } = await holderAndOther();

    // The resend as it reaches the replica that does not hold the call (a queue group picks at random).
    const envelope = createEnvelope('gateway.request', request, { runId: 'run-fo', id: request.requestId });
    const replies: unknown[] = [];
    const resend: ReplyMessage = {
      subject: topology.subjects.gatewayGenerate,
      data: new TextEncoder().encode(JSON.stringify(envelope)),
      headers: { [HEADERS.gatewaySend]: '1' },
      json: <T>() => envelope as T,
      respond: (data) => replies.push(JSON.parse(new TextDecoder().decode(data))),
    };
    await (other.transport as unknown as { handle(msg: ReplyMessage): Promise<void> }).handle(resend);

    expect(await pending).toMatchObject({ status: 'ok', text: 'Slow but single.' });
    expect(replies).toEqual([
      expect.objectContaining({
        body: expect.objectContaining({ requestId: request.requestId, text: 'Slow but single.' }),
      }),
    ]);
    expect(vendor.served('anthropic')).toHaveLength(1);
    expect(
      live()
        .flatMap((r) => r.records.entries)
        .filter((e) => e.requestId === request.requestId),
    ).toHaveLength(1);
    expect(other.logs.join('\n')).toContain('waiting for that answer instead of calling the vendor again');
  });
});
