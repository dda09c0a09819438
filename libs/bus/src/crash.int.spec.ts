import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from 'pg';
import { topology } from '@agentflow/contracts';
import { JetStreamBus } from './jetstream-bus';
import { deleteTopology, provisionTopology } from './provision';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const root = join(__dirname, '..', '..', '..');

interface ChildEvent {
  event: 'ready' | 'inside';
  msgId?: string;
  deliveryCount?: number;
  redelivered?: boolean;
}

function startConsumer(env: Record<string, string>): {
  child: ChildProcess;
  next: (event: ChildEvent['event']) => Promise<ChildEvent>;
} {
  const child = spawn(
    process.execPath,
    ['-r', join(root, 'scripts/ts-register.js'), join(__dirname, 'testing/crash-consumer.ts')],
    {
      cwd: root,
      env: { ...process.env, ...env, NATS_URL, CRASH_DATABASE_URL: DATABASE_URL },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const events: ChildEvent[] = [];
  const waiters: Array<() => void> = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      events.push(JSON.parse(line) as ChildEvent);
      waiters.splice(0).forEach((wake) => wake());
    } catch {
      // Not one of the child's reports.
    }
  });
  const next = async (event: ChildEvent['event']): Promise<ChildEvent> => {
    const until = Date.now() + 20_000;
    for (;;) {
      const i = events.findIndex((e) => e.event === event);
      if (i >= 0) return events.splice(i, 1)[0];
      if (child.exitCode !== null)
        throw new Error(`consumer exited (${child.exitCode}) before "${event}": ${stderr}`);
      if (Date.now() > until) throw new Error(`consumer never reported "${event}": ${stderr}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  };
  return { child, next };
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
  );

describe('a consumer killed mid-handler (real NATS and PostgreSQL)', () => {
  const prefix = `crash_${randomUUID().slice(0, 8)}`;
  const schema = `bus_${prefix}`;
  const topo = topology(prefix);
  let bus: JetStreamBus;
  let db: Client;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    db = new Client({ connectionString: DATABASE_URL });
    await db.connect();
    await db.query(`CREATE SCHEMA ${schema}`);
    await db.query(`CREATE TABLE ${schema}.processed (msg_id text PRIMARY KEY, delivery int NOT NULL)`);
    bus = await JetStreamBus.connect({
      servers: NATS_URL,
      name: 'crash-test',
      deadLetterSubject: topo.subjects.dlq,
    });
    await provisionTopology(bus, topo);
  });

  afterAll(async () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await deleteTopology(bus, topo);
    await bus.drain();
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.end();
  });

  test('the message is redelivered, flagged redelivered, and its row is written exactly once', async () => {
    const env = { CRASH_PREFIX: prefix, CRASH_SCHEMA: schema };
    const first = startConsumer({ ...env, CRASH_HANG: '1' });
    children.push(first.child);
    await first.next('ready');
    const msgId = `delivery-${randomUUID()}`;
    await bus.publish(topo.subjects.tasks('crash'), new TextEncoder().encode('{"work":1}'), { msgId });

    const inside = await first.next('inside');
    expect(inside).toMatchObject({ msgId, deliveryCount: 1, redelivered: false });
    first.child.kill('SIGKILL');
    await exited(first.child);
    expect(first.child.signalCode).toBe('SIGKILL');

    const second = startConsumer(env);
    children.push(second.child);
    const redelivery = await second.next('inside');
    expect(redelivery).toMatchObject({ msgId, redelivered: true });
    expect(redelivery.deliveryCount).toBeGreaterThanOrEqual(2);

    second.child.kill('SIGTERM');
    await exited(second.child);
    expect(second.child.exitCode).toBe(0);
    const rows = await db.query(`SELECT msg_id, delivery FROM ${schema}.processed WHERE msg_id = $1`, [
      msgId,
    ]);
    expect(rows.rows).toEqual([{ msg_id: msgId, delivery: 1 }]);
    // Acked by the second consumer: the work queue is empty.
    expect(await bus.lastOnSubject(topo.streams.tasks.name, topo.subjects.tasks('crash'))).toBeNull();
  });
});
