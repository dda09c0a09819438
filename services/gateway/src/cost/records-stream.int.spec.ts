/**
 * Ledger and audit records from a real pipeline run reach PostgreSQL through the JetStream records
 * stream in batches; a cancelled run's spend is marked as waste.
 */
import { randomBytes } from 'node:crypto';
import { topology as makeTopology } from '@agentflow/contracts';
import { JetStreamBus } from '@agentflow/bus';
import { FakeVendorServer } from '@agentflow/fake-vendor';
import { openDatabase, type SqlDatabase } from '@agentflow/store';
import { Gateway, openGatewayState } from '../gateway';
import {
  ANTHROPIC_KEY,
  OPENAI_KEY,
  request,
  testEnv,
  testProviders,
  testSettings,
} from '../testing/fixtures';
import { BusRecordSink, gatewayRecordsStream, RecordStreamWriter } from './records-stream';

const NATS = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function until<T>(
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('gateway records stream to PostgreSQL', () => {
  const suffix = randomBytes(4).toString('hex');
  const topology = makeTopology(`t_gwrec_${suffix}`);
  const schema = `t_gwrec_${suffix}`;
  const vendor = new FakeVendorServer({ apiKeys: [ANTHROPIC_KEY, OPENAI_KEY] });
  let bus: JetStreamBus;
  let db: SqlDatabase;
  let gateway: Gateway;
  let writer: RecordStreamWriter;

  beforeAll(async () => {
    await vendor.start();
    bus = await JetStreamBus.connect({ servers: NATS, name: 'gateway-records-test' });
    db = await openDatabase({ databaseUrl: DATABASE_URL, schema, migrate: true });
    await bus.ensureStream(gatewayRecordsStream(topology));
    await bus.ensureStream(topology.streams.runs);
    gateway = new Gateway({
      providersConfig: testProviders(vendor.url),
      settings: testSettings(),
      state: await openGatewayState(bus, topology),
      records: new BusRecordSink(bus, topology, {
        level: 'silent',
        debug() {},
        info() {},
        warn() {},
        error() {},
      }),
      env: testEnv,
      logLevel: 'silent',
    });
    await gateway.start();
    writer = new RecordStreamWriter(bus, topology, db, gateway.logger, { batchSize: 50, flushEveryMs: 50 });
    await writer.start();
  });

  afterAll(async () => {
    await writer.stop();
    await gateway.stop();
    await bus.deleteStream(gatewayRecordsStream(topology).name).catch(() => undefined);
    await bus.deleteStream(topology.streams.runs.name).catch(() => undefined);
    for (const b of [topology.buckets.limits, `${topology.buckets.limits}_budgets`, topology.buckets.cache])
      await bus.deleteKv(b).catch(() => undefined);
    await bus.drain();
    await db.query(`DROP SCHEMA ${schema} CASCADE`);
    await db.close();
    await vendor.close();
  });

  it('writes one ledger row per billed call and one audit row per call, attributed, without prompt text', async () => {
    vendor.enqueue('anthropic', {
      kind: 'reply',
      usage: { inputTokens: 2000, outputTokens: 300, cacheReadTokens: 1000 },
    });
    vendor.enqueue('openai', { kind: 'overloaded' });
    const a = await gateway.generate(
      request({
        attribution: { team: 'ios', project: 'shop', repo: 'acme/shop', workflow: 'review', runId: 'run-a' },
      }),
    );
    const b = await gateway.generate(
      request({
        providers: [{ provider: 'openai', model: 'gpt-4.1' }],
        attribution: { team: 'android', project: 'shop-a', runId: 'run-b' },
      }),
    );
    expect(a.status).toBe('ok');
    expect(b.status).toBe('ok');
    await gateway.stop();
    const ledger = await until(
      () =>
        db.query<{
          run_id: string;
          provider: string;
          cost_usd: string;
          cache_read_tokens: string;
          team: string;
          waste_kind: string | null;
        }>('SELECT * FROM cost_ledger ORDER BY run_id'),
      (r) => r.rowCount >= 2,
      'ledger rows',
    );
    expect(ledger.rows.map((r) => [r.run_id, r.provider, r.team])).toEqual([
      ['run-a', 'anthropic', 'ios'],
      ['run-b', 'openai', 'android'],
    ]);
    // The column keeps six decimals (numeric(14, 6)).
    expect(Number(ledger.rows[0].cost_usd)).toBeCloseTo(a.costUsd, 5);
    expect(Number(ledger.rows[0].cache_read_tokens)).toBe(1000);
    const audit = await until(
      () =>
        db.query<{ provider: string; outcome: string; paths: unknown }>(
          'SELECT provider, outcome, paths FROM gateway_audit ORDER BY occurred_at',
        ),
      (r) => r.rowCount >= 3,
      'audit rows',
    );
    expect(audit.rows.map((r) => r.outcome).sort()).toEqual(['ok', 'ok', 'overloaded']);
    const everything = JSON.stringify([ledger.rows, audit.rows]);
    expect(everything).not.toContain('Review this diff');
  });

  it('marks the spend of a cancelled run as waste', async () => {
    await bus.publish(topology.subjects.runCancel('run-a'), new TextEncoder().encode('{}'));
    const rows = await until(
      () =>
        db.query<{ waste_kind: string | null }>(`SELECT waste_kind FROM cost_ledger WHERE run_id = 'run-a'`),
      (r) => r.rows[0]?.waste_kind === 'cancelled',
      'the run to be marked',
    );
    expect(rows.rows[0].waste_kind).toBe('cancelled');
  });
});
