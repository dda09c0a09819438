/**
 * Child process of `crash.int.spec.ts`: consumes one durable and records each message in
 * PostgreSQL keyed by its message id (idempotent insert), then reports on stdout. With
 * `CRASH_HANG=1` it stays inside the handler after the insert, so the parent can SIGKILL it
 * between the effect and the ack.
 */
import { Client } from 'pg';
import { topology } from '@agentflow/contracts';
import { JetStreamBus } from '../jetstream-bus';

async function main(): Promise<void> {
  const env = process.env;
  const topo = topology(env.CRASH_PREFIX!);
  const schema = env.CRASH_SCHEMA!;
  const db = new Client({ connectionString: env.CRASH_DATABASE_URL });
  await db.connect();
  const bus = await JetStreamBus.connect({
    servers: env.NATS_URL!,
    name: 'crash-consumer',
    deadLetterSubject: topo.subjects.dlq,
  });
  const handle = await bus.consume(
    {
      stream: topo.streams.tasks.name,
      durable: 'crash',
      filterSubject: topo.subjects.tasks('crash'),
      ackWaitMs: 1000,
      maxDeliver: 5,
      maxAckPending: 1,
      backoffMs: [],
    },
    async (msg) => {
      const msgId = msg.headers['Nats-Msg-Id'];
      await db.query(
        `INSERT INTO ${schema}.processed (msg_id, delivery) VALUES ($1, $2) ON CONFLICT (msg_id) DO NOTHING`,
        [msgId, msg.info.deliveryCount],
      );
      process.stdout.write(
        `${JSON.stringify({ event: 'inside', msgId, deliveryCount: msg.info.deliveryCount, redelivered: msg.info.redelivered })}\n`,
      );
      if (env.CRASH_HANG === '1') await new Promise(() => undefined);
    },
    { concurrency: 1 },
  );
  process.stdout.write(`${JSON.stringify({ event: 'ready' })}\n`);
  process.once('SIGTERM', () => {
    void (async () => {
      await handle.stop(5000);
      await bus.drain();
      await db.end();
      process.exit(0);
    })();
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
