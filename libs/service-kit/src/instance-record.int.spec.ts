import { openDatabase, runMigrations, type SqlDatabase } from '@agentflow/store';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { InstanceRecord } from './instance-record';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Replicas of one service on one host share a name and a host. The start-up report must tell a
 * sibling that is alive from a start that crashed, and report each crash once.
 */
describe('InstanceRecord on PostgreSQL', () => {
  const schema = `t_instances_${randomBytes(4).toString('hex')}`;
  let db: SqlDatabase;
  const records: InstanceRecord[] = [];
  const start = async (name = 'coordinator') => {
    const record = await InstanceRecord.start(db, name, [name], 'jetstream');
    records.push(record);
    return record;
  };
  /** What SIGKILL leaves: a row with no stop whose heartbeat went stale a minute ago. */
  const crash = async (record: InstanceRecord) => {
    await record.stopped('test bookkeeping');
    await db.query(
      `UPDATE service_instances SET stopped_at = NULL, stop_reason = NULL,
         heartbeat_at = now() - interval '1 minute' WHERE id = $1`,
      [record.id],
    );
  };

  beforeAll(async () => {
    db = await openDatabase({ databaseUrl: DATABASE_URL, schema, maxConnections: 4 });
    await runMigrations(db);
  });
  afterEach(async () => {
    await Promise.all(records.splice(0).map((r) => r.stopped('test over')));
    await db.query('DELETE FROM service_instances');
  });
  afterAll(async () => {
    await db.close();
    const client = new Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });

  it('does not take a live sibling replica for a crashed predecessor', async () => {
    const first = await start();
    const second = await start();
    expect(second.previous).toBeUndefined();
    expect(second.siblings.map((s) => s.id)).toEqual([first.id]);
  });

  it('reports a start whose heartbeat went stale as one that did not stop cleanly, once', async () => {
    const crashed = await start();
    await start();
    await crash(crashed);
    const successor = await start();
    expect(successor.previous).toMatchObject({ id: crashed.id, stoppedAt: undefined });
    expect(successor.previous?.lastSeenAt.getTime()).toBeLessThan(Date.now() - 30_000);
    expect(successor.siblings).toHaveLength(1);
    const later = await start();
    expect(later.previous).toBeUndefined();
  });

  it('reports a clean stop with its reason', async () => {
    const first = await start('agentflow');
    await first.stopped('SIGTERM');
    const next = await start('agentflow');
    expect(next.previous).toMatchObject({ id: first.id, stopReason: 'SIGTERM' });
    expect(next.previous?.stoppedAt).toBeInstanceOf(Date);
  });

  it('gives two crashed replicas restarting together one predecessor each', async () => {
    const [a, b] = [await start('gateway'), await start('gateway')];
    await crash(a);
    await crash(b);
    const [c, d] = await Promise.all([start('gateway'), start('gateway')]);
    expect([c.previous?.id, d.previous?.id].sort()).toEqual([a.id, b.id].sort());
  });

  it('keeps a live process fresh with its heartbeat', async () => {
    const record = await InstanceRecord.start(db, 'notifier', ['notifier'], 'jetstream', {
      heartbeatIntervalMs: 50,
    });
    records.push(record);
    await db.query(`UPDATE service_instances SET heartbeat_at = now() - interval '1 hour' WHERE id = $1`, [
      record.id,
    ]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { rows } = await db.query<{ fresh: boolean }>(
      `SELECT heartbeat_at > now() - interval '10 seconds' AS fresh FROM service_instances WHERE id = $1`,
      [record.id],
    );
    expect(rows[0].fresh).toBe(true);
  });
});
