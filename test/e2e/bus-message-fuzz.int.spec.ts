/**
 * Fuzz: poison messages on every consumer's subject, on NATS JetStream (own prefix and schema),
 * with every service running as `agentflow up` runs them (the demo stack: ingress, coordinator,
 * agents, gateway and notifier in one process, fake GitHub, Slack and vendor). Fixed seed. The
 * poison: bytes that are not JSON (and not UTF-8), JSON cut short, JSON that is not an object,
 * envelopes missing a field, with a field of the wrong type, an unknown or another consumer's
 * message type, a schema version out of reach, bodies that fail validation, 10,000-level nesting,
 * 600 KB bodies, and a body-ref header pointing at no object.
 *
 * What must hold, per consumer: each poison message is dead-lettered on its first delivery with a
 * reason that says what was wrong (never nak'ed into a redelivery loop); then a valid message on
 * the same subject is delivered and not dead-lettered (the consumer kept consuming); the gateway's
 * request subject answers poison with an `invalid_request` reply and still serves a valid request.
 */
jest.mock(
  '@octokit/webhooks-methods',
  () => jest.requireActual(`${process.cwd()}/node_modules/@octokit/webhooks-methods/dist-node/index.js`),
  { virtual: true },
);

import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/nats-core';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { deleteTopology } from '@agentflow/bus';
import {
  createEnvelope,
  decodeEnvelope,
  HEADERS,
  type MessageType,
  type Topology,
} from '@agentflow/contracts';
import { SeededDraw } from '@agentflow/contracts';
import { startDemoStack, type DemoStack } from '../../cli/src/demo/stack';

const DB_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const NATS_URL = process.env.NATS_URL || 'nats://127.0.0.1:4222';
const SEED = 0xb05_f022;
const POISON_PER_CONSUMER = 14;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const change = { platform: 'github', repo: 'fuzz/none', pr: 1, headSha: 'a'.repeat(40) };
const usage = {
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  costUsd: 0,
  vendorMs: 0,
  models: [],
};
const report = (runId: string) => ({
  runId,
  workflow: 'fuzz',
  change,
  findings: [],
  findingStates: {},
  notReviewed: [],
  proposedFiles: [],
  steps: {},
  usage,
  startedAt: 1,
  finishedAt: 2,
  gateConclusion: 'neutral',
  gateSummary: 'fuzz',
  rollout: 'off',
  outputs: {},
});

/** A valid body of each type, for a run that does not exist: a consumer reads it and moves on. */
function validBody(type: MessageType, runId: string, agentType: string): Record<string, unknown> {
  switch (type) {
    case 'webhook.received':
      return {
        platform: 'github',
        deliveryId: randomUUID(),
        event: 'ping',
        payload: '{"zen":"fuzz"}',
        receivedAt: new Date().toISOString(),
      };
    case 'run.requested':
      return {
        runId,
        change,
        trigger: 'pull_request',
        rollout: 'off',
        dataClass: 'internal',
        attribution: { team: 'fuzz' },
        plan: { id: 'fuzz', steps: [], timeoutMs: 1000 },
      };
    case 'task.requested':
      return {
        runId,
        stepId: 'a',
        attempt: 1,
        agentType,
        tasks: [],
        change,
        step: { id: 'a', providers: [] },
        deadline: Date.now() + 1000,
        context: {},
        attribution: { team: 'fuzz' },
        dataClass: 'internal',
      };
    case 'task.result':
      return {
        runId,
        stepId: 'a',
        attempt: 1,
        agentType: 'lint',
        status: 'succeeded',
        findings: [],
        notReviewed: [],
        usage,
      };
    case 'run.progress':
      return {
        runId,
        stepId: 'a',
        state: 'running',
        attempt: 1,
        change,
        workflow: 'fuzz',
        steps: { a: 'running' },
      };
    case 'run.completed':
      return { report: report(runId) };
    case 'run.failed':
      return { runId, reason: 'fuzz', code: 'fuzz', partial: report(runId) };
    case 'run.cancel':
      return { runId, reason: 'fuzz' };
    case 'timer.due':
      return { runId, timerId: 'fuzz', dueAt: Date.now(), kind: 'step-timeout' };
    case 'ci.event':
      return {
        platform: 'github',
        repo: 'fuzz/none',
        headSha: 'a'.repeat(40),
        conclusion: 'success',
        name: 'fuzz',
      };
    case 'finding.dismissed':
      return { platform: 'github', repo: 'fuzz/none', pr: 1, fingerprint: `fuzz-${runId}` };
    case 'notify.push-files':
      return {
        runId,
        stepId: 'a',
        change,
        branch: 'fuzz',
        baseSha: 'a'.repeat(40),
        commitMessage: 'fuzz',
        files: [],
        mode: 'branch',
      };
    case 'notify.alert':
      return { runId, target: '#fuzz', code: 'fuzz', message: 'fuzz', change, workflow: 'fuzz' };
    case 'notify.budget-alert':
      return {
        budget: 'global:all:month',
        threshold: 0.5,
        spentUsd: 1,
        limitUsd: 2,
        period: `fuzz-${runId}`,
      };
    default:
      throw new Error(`no valid body written for ${type}`);
  }
}

interface Target {
  durable: string;
  stream: string;
  subject: string;
  /** The envelope type this consumer reads. */
  type: MessageType;
  /** The type of another consumer, for "wrong type" poison. */
  otherType: MessageType;
}

/** Which envelope each durable reads; a consumer missing here fails the test, so a new one gets fuzzed too. */
function typeOf(durable: string): MessageType | undefined {
  if (durable.startsWith('agents-')) return 'task.requested';
  const table: Record<string, MessageType> = {
    'ingress-deliveries': 'webhook.received',
    'coordinator-requests': 'run.requested',
    'coordinator-results': 'task.result',
    'coordinator-cancels': 'run.cancel',
    'coordinator-timers': 'timer.due',
    'coordinator-ci': 'ci.event',
    'coordinator-dismissals': 'finding.dismissed',
    'notifier-completed': 'run.completed',
    'notifier-failed': 'run.failed',
    'notifier-progress': 'run.progress',
    'notifier-push-files': 'notify.push-files',
    'notifier-alerts': 'notify.alert',
    'notifier-budget-alerts': 'notify.budget-alert',
    'notifier-dismissals': 'finding.dismissed',
  };
  return table[durable];
}

/** A concrete subject under a consumer's filter. */
function subjectUnder(filter: string, runId: string): string {
  return filter.replace(/\.>$/, `.${runId}`).replace(/\*/g, runId);
}

interface Poison {
  kind: string;
  data: Uint8Array;
  headers?: Record<string, string>;
}

function poisonFor(t: Target, runId: string, d: SeededDraw): Poison[] {
  const valid = () =>
    createEnvelope(t.type, validBody(t.type, runId, t.subject.split('.').pop()!), {
      runId,
    }) as unknown as Record<string, Json>;
  const json = (kind: string, value: unknown): Poison => ({ kind, data: Buffer.from(JSON.stringify(value)) });
  const text = JSON.stringify(valid());
  const out: Poison[] = [
    {
      kind: 'random bytes, not UTF-8',
      data: Buffer.from(Array.from({ length: d.int(1, 300) }, () => d.int(0x80, 0xff))),
    },
    { kind: 'JSON cut short', data: Buffer.from(text.slice(0, d.int(1, text.length - 2))) },
    json('JSON that is not an object', d.pick<Json>([[], 'envelope', 42, null, true])),
    json('unknown message type', { ...valid(), type: d.pick(['nope', '__proto__', 'constructor', '']) }),
    json("another consumer's message type", { ...valid(), type: t.otherType }),
    json('schema version out of reach', {
      ...valid(),
      schemaVersion: d.pick<Json>([0, 3, 99, -1, 1.5, 'one', null]),
    }),
    json('body that is not an object', { ...valid(), body: d.pick<Json>(['body', 7, [], null]) }),
    json('body that fails validation', {
      ...valid(),
      body: { runId: 7, change: 'none', platform: 3, report: [], budget: '' },
    }),
    {
      kind: '10,000-level nesting',
      data: Buffer.from(
        `{"id":"x","runId":"${runId}","type":"${t.type}","schemaVersion":1,"attempt":1,"createdAt":"x","body":${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
      ),
    },
    json('600 KB body of the wrong shape', { ...valid(), body: { runId: 'x'.repeat(600_000), junk: true } }),
    {
      kind: 'body-ref header to no object',
      data: Buffer.from(
        JSON.stringify({
          ...valid(),
          body: { ref: `fuzz-missing-${runId}`, sha256: '0'.repeat(64), size: 10 },
        }),
      ),
      headers: { [HEADERS.bodyRef]: `fuzz-missing-${runId}` },
    },
  ];
  const fields = ['id', 'runId', 'type', 'schemaVersion', 'attempt', 'createdAt', 'body'];
  const missing = d.pick(fields);
  const env = valid();
  delete env[missing];
  out.push(json(`envelope missing ${missing}`, env));
  const wrongField = d.pick(['id', 'runId', 'attempt', 'createdAt']);
  out.push(
    json(`envelope ${wrongField} of the wrong type`, {
      ...valid(),
      [wrongField]: d.pick<Json>([{ a: 1 }, [1], true]),
    }),
  );
  out.push(
    json('envelope attempt not a positive integer', {
      ...valid(),
      attempt: d.pick<Json>([0, -3, 1.5, 'two']),
    }),
  );
  return out.slice(0, POISON_PER_CONSUMER);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface DeadLetter {
  origin: string;
  subject: string;
  reason: string;
  deliveries: number;
}

describe('fuzz: poison messages on every consumer, NATS JetStream', () => {
  const id = `t_busfz_${randomUUID().slice(0, 8)}`;
  let stack: DemoStack;
  let topology: Topology;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  const targets: Target[] = [];

  beforeAll(async () => {
    stack = await startDemoStack({
      env: {
        ...process.env,
        ANTHROPIC_API_KEY: '',
        OPENAI_API_KEY: '',
        LOG_LEVEL: process.env.FUZZ_LOG_LEVEL ?? 'silent',
      },
      infra: { natsUrl: NATS_URL, databaseUrl: DB_URL, schema: id, busPrefix: id },
    });
    topology = stack.running.context.topology;
    nc = await connect({ servers: NATS_URL });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
    const streams = [
      topology.streams.webhooks,
      topology.streams.runs,
      topology.streams.tasks,
      topology.streams.results,
      topology.streams.timers,
      topology.streams.ci,
      topology.streams.notify,
    ];
    for (const s of streams) {
      for await (const c of jsm.consumers.list(s.name)) {
        const filter = c.config.filter_subject ?? '';
        const type = typeOf(c.name);
        if (!type)
          throw new Error(
            `consumer ${c.name} on ${s.name} (${filter}) has no fuzz cases: add the envelope type it reads to typeOf`,
          );
        targets.push({
          durable: c.name,
          stream: s.name,
          subject: subjectUnder(filter, `fz${targets.length}`),
          type,
          otherType: type === 'run.cancel' ? 'task.result' : 'run.cancel',
        });
      }
    }
  }, 180_000);

  afterAll(async () => {
    await nc?.close();
    if (stack) {
      await deleteTopology(stack.running.bus, topology).catch(() => undefined);
      await stack.close();
    }
    const client = new Client({ connectionString: DB_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${id}" CASCADE`);
    await client.end();
  }, 60_000);

  async function deadLetters(): Promise<DeadLetter[]> {
    const dlq = topology.streams.dlq.name;
    const info = await jsm.streams.info(dlq);
    const out: DeadLetter[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(dlq, { seq }).catch(() => null);
      if (!m) continue;
      const h = (name: string) => m.header?.get(name) ?? '';
      out.push({
        origin: h(HEADERS.msgId),
        subject: h(HEADERS.deadLetterSubject),
        reason: h(HEADERS.deadLetterReason),
        deliveries: Number(h(HEADERS.deadLetterDeliveries)),
      });
    }
    return out;
  }

  async function publish(
    subject: string,
    data: Uint8Array,
    extra: Record<string, string> = {},
  ): Promise<{ stream: string; seq: number }> {
    const h: MsgHdrs = natsHeaders();
    for (const [k, v] of Object.entries(extra)) h.set(k, v);
    const ack = await js.publish(subject, data, { headers: h, msgID: randomUUID() });
    return { stream: ack.stream, seq: ack.seq };
  }

  it('covers every consumer of every work stream', () => {
    const durables = targets.map((t) => t.durable);
    expect(durables).toEqual(
      expect.arrayContaining([
        'ingress-deliveries',
        'coordinator-requests',
        'coordinator-results',
        'coordinator-cancels',
        'coordinator-timers',
        'coordinator-ci',
        'notifier-completed',
        'notifier-progress',
        'notifier-alerts',
      ]),
    );
    expect(durables.some((d) => d.startsWith('agents-'))).toBe(true);
    // The valid messages are valid: the decoder itself accepts each.
    for (const t of targets) {
      const env = createEnvelope(t.type, validBody(t.type, 'fz-check', t.subject.split('.').pop()!), {
        runId: 'fz-check',
      });
      expect(() => decodeEnvelope(t.type, JSON.parse(JSON.stringify(env)))).not.toThrow();
    }
  });

  it(`${POISON_PER_CONSUMER} poison messages per consumer: each dead-lettered once with its reason, then a valid one is consumed`, async () => {
    const d = new SeededDraw(SEED);
    const poisoned: Array<{ target: Target; kind: string; origin: string }> = [];
    const validOnes: Array<{ target: Target; seq: number; origin: string }> = [];
    for (const t of targets) {
      const runId = `fz-${t.durable}`;
      for (const p of poisonFor(t, runId, d)) {
        const ack = await publish(t.subject, p.data, p.headers);
        poisoned.push({ target: t, kind: p.kind, origin: `dlq:${ack.stream}:${ack.seq}` });
      }
    }
    for (const t of targets) {
      const runId = `fz-${t.durable}`;
      const env = createEnvelope(t.type, validBody(t.type, runId, t.subject.split('.').pop()!), { runId });
      const ack = await publish(t.subject, Buffer.from(JSON.stringify(env)), {
        [HEADERS.messageType]: t.type,
        [HEADERS.schemaVersion]: '1',
      });
      validOnes.push({ target: t, seq: ack.seq, origin: `dlq:${ack.stream}:${ack.seq}` });
    }

    // Every valid message delivered to its consumer: it kept pulling after the poison.
    for (const v of validOnes) {
      await until(
        `${v.target.durable} to take the valid message ${v.seq}`,
        async () => {
          const info = await jsm.consumers.info(v.target.stream, v.target.durable);
          return info.delivered.stream_seq >= v.seq ? true : undefined;
        },
        60_000,
      );
    }
    const expected = new Set(poisoned.map((p) => p.origin));
    const letters = await until(
      'every poison message in the dead-letter stream',
      async () => {
        const all = await deadLetters();
        return all.filter((l) => expected.has(l.origin)).length >= expected.size ? all : undefined;
      },
      60_000,
    ).catch(async () => deadLetters());
    const byOrigin = new Map(letters.map((l) => [l.origin, l]));
    const problems: string[] = [];
    for (const p of poisoned) {
      const l = byOrigin.get(p.origin);
      if (!l) {
        problems.push(`${p.target.durable} [${p.kind}]: not dead-lettered`);
        continue;
      }
      if (l.deliveries !== 1)
        problems.push(
          `${p.target.durable} [${p.kind}]: dead-lettered after ${l.deliveries} deliveries, not the first`,
        );
      if (!/not retryable/.test(l.reason) || l.reason.length < 30)
        problems.push(`${p.target.durable} [${p.kind}]: reason says little: ${l.reason}`);
      if (l.subject !== p.target.subject)
        problems.push(`${p.target.durable} [${p.kind}]: dead letter names subject ${l.subject}`);
    }
    for (const v of validOnes) {
      const l = byOrigin.get(v.origin);
      if (l && /InvalidMessage|not valid JSON|envelope|schema version|is invalid/.test(l.reason))
        problems.push(`${v.target.durable}: the valid message was dead-lettered as invalid: ${l.reason}`);
    }
    expect(problems).toEqual([]);
  }, 180_000);

  it('the gateway answers poison requests with invalid_request and still serves a valid one', async () => {
    const d = new SeededDraw(SEED + 1);
    const subject = topology.subjects.gatewayGenerate;
    const request = {
      requestId: 'fz-q',
      providers: [{ provider: 'anthropic', model: 'claude-haiku-4-5' }],
      messages: [{ role: 'user', content: 'hi' }],
      maxTokens: 10,
      deadline: Date.now() + 20_000,
      attribution: { team: 'fuzz' },
      dataClass: 'internal',
      paths: [],
    };
    const valid = () =>
      createEnvelope('gateway.request', request, { runId: 'fz-gw' }) as unknown as Record<string, Json>;
    const text = JSON.stringify(valid());
    const poison: Poison[] = [
      { kind: 'random bytes', data: Buffer.from(Array.from({ length: 64 }, () => d.int(0x80, 0xff))) },
      { kind: 'JSON cut short', data: Buffer.from(text.slice(0, d.int(1, text.length - 2))) },
      { kind: 'not an object', data: Buffer.from('[]') },
      { kind: 'wrong type', data: Buffer.from(JSON.stringify({ ...valid(), type: 'run.cancel' })) },
      { kind: 'schema version 9', data: Buffer.from(JSON.stringify({ ...valid(), schemaVersion: 9 })) },
      {
        kind: 'body invalid',
        data: Buffer.from(JSON.stringify({ ...valid(), body: { requestId: 5, messages: 'x' } })),
      },
      {
        kind: 'envelope id of the wrong type',
        data: Buffer.from(JSON.stringify({ ...valid(), id: { a: 1 } })),
      },
      {
        kind: '10,000-level nesting',
        data: Buffer.from(`{"type":"gateway.request","body":${'['.repeat(10_000)}${']'.repeat(10_000)}}`),
      },
    ];
    for (const p of poison) {
      const reply = await nc.request(subject, p.data, { timeout: 10_000 });
      const answer = JSON.parse(new TextDecoder().decode(reply.data)) as {
        body?: { status?: string; errorCode?: string; errorMessage?: string };
      };
      expect({ kind: p.kind, status: answer.body?.status, errorCode: answer.body?.errorCode }).toEqual({
        kind: p.kind,
        status: 'failed',
        errorCode: 'invalid_request',
      });
      expect((answer.body?.errorMessage ?? '').length).toBeGreaterThan(10);
    }
    const reply = await nc.request(subject, Buffer.from(JSON.stringify(valid())), { timeout: 20_000 });
    const answer = JSON.parse(new TextDecoder().decode(reply.data)) as {
      body?: { requestId?: string; errorCode?: string; errorMessage?: string };
    };
    expect(answer.body?.requestId).toBe('fz-q');
    expect({ errorCode: answer.body?.errorCode, errorMessage: answer.body?.errorMessage }).not.toMatchObject({
      errorCode: 'invalid_request',
    });
  }, 120_000);
});
