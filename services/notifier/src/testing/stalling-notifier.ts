/**
 * Child process of `consumers.int.spec.ts`: a notifier replica whose one sink takes progress
 * events and never finishes with them, so the parent can SIGKILL it (a crash) or SIGSTOP it (a
 * stall: no heartbeats) while it holds one. Reports `ready` and `inside` on stdout.
 */
import { topology } from '@agentflow/contracts';
import { createMessenger, JetStreamBus } from '@agentflow/bus';
import { PostgresDatabase } from '@agentflow/store';
import { startNotifierConsumers } from '../consumers';
import { NotificationDispatcher } from '../dispatcher';
import { DeliveryLedger } from '../ledger/delivery-ledger';
import type { Sink } from '../sinks/sink';

async function main(): Promise<void> {
  const env = process.env;
  const topo = topology(env.STALL_PREFIX!);
  const bus = await JetStreamBus.connect({
    servers: env.NATS_URL!,
    name: 'stalling-notifier',
    deadLetterSubject: topo.subjects.dlq,
  });
  const messenger = createMessenger(bus, topo);
  // Progress never reaches the ledger; the pool opens no connection until a query.
  const db = await PostgresDatabase.open({ connectionString: env.STALL_DATABASE_URL! });
  const sink: Sink = {
    name: 'status',
    target: (event) => (event.kind === 'progress' ? `status:${event.progress.runId}` : null),
    deliver: async (event) => {
      if (event.kind === 'progress')
        process.stdout.write(`${JSON.stringify({ event: 'inside', runId: event.progress.runId })}\n`);
      return new Promise(() => undefined);
    },
  };
  const quiet = () => undefined;
  const dispatcher = new NotificationDispatcher(
    [sink],
    new DeliveryLedger(db),
    { log: quiet, warn: quiet, error: quiet },
    5,
  );
  await startNotifierConsumers({
    bus,
    messenger,
    topology: topo,
    dispatcher,
    maxAttempts: 5,
    progressAckWaitMs: Number(env.STALL_ACK_WAIT_MS),
  });
  process.stdout.write(`${JSON.stringify({ event: 'ready' })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
