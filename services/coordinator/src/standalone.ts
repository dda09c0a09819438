/**
 * The coordinator on its own, without Nest or HTTP: `node -r ./scripts/ts-register.js
 * services/coordinator/src/standalone.ts`. Crash tests start it as a child process with
 * `AF_CRASH_AT` set; it reads `NATS_URL` and `AF_PREFIX` (the topology prefix) and stops on SIGTERM.
 */
import { createBus, createMessenger, provisionTopology } from '@agentflow/bus';
import { topology as makeTopology } from '@agentflow/contracts';
import { readCoordinatorConfig } from './config';
import { Coordinator } from './coordinator';

export async function runStandaloneCoordinator(
  env: Readonly<Record<string, string | undefined>>,
): Promise<() => Promise<void>> {
  const topology = makeTopology(env.AF_PREFIX || 'af');
  const bus = await createBus({
    natsUrl: env.NATS_URL || 'nats://127.0.0.1:4222',
    name: 'coordinator',
    topology,
  });
  await provisionTopology(bus, topology);
  const coordinator = new Coordinator({
    bus,
    messenger: createMessenger(bus, topology),
    topology,
    config: readCoordinatorConfig(env),
  });
  await coordinator.start();
  return async () => {
    await coordinator.stop();
    await bus.drain();
  };
}

if (require.main === module) {
  runStandaloneCoordinator(process.env).then(
    (stop) => {
      process.stdout.write('coordinator ready\n');
      const shutdown = () =>
        void stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      process.once('SIGTERM', shutdown);
      process.once('SIGINT', shutdown);
    },
    (error: unknown) => {
      process.stderr.write(
        `coordinator failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
