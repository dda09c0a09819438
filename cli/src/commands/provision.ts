import type { Command } from 'commander';

/**
 * `agentflow provision`: migrates the database and creates or updates every stream, KV bucket
 * and object bucket, then exits. The Kubernetes Job that runs before a new version's pods roll
 * (k8s/base/provision-job.yaml); the services do the same at start-up under a lock, so this is
 * an ordering step for upgrades, never a requirement for a first start.
 */
export function registerProvision(program: Command): void {
  program
    .command('provision')
    .description(
      'migrate the database (DATABASE_URL) and create or update the NATS streams and buckets (NATS_URL), then exit; run before a new version rolls out',
    )
    .action(async () => {
      const { ConfigError, topology: makeTopology } = await import('@agentflow/contracts');
      const { createBus, provisionTopology } = await import('@agentflow/bus');
      const { openDatabase, runMigrations } = await import('@agentflow/store');
      const { readKitConfig, SecretFiles } = await import('@agentflow/service-kit');
      const env = new SecretFiles(process.env).resolveEnv();
      let code = 0;
      try {
        const config = readKitConfig(env);
        if (!config.databaseUrl || !config.natsUrl) {
          throw new ConfigError(
            `agentflow provision needs the shared NATS and PostgreSQL of a deployment: set ${[!config.natsUrl && 'NATS_URL', !config.databaseUrl && 'DATABASE_URL'].filter(Boolean).join(' and ')} (as env or as files in ${env.AGENTFLOW_SECRETS_DIR || '/var/run/secrets/agentflow'})`,
          );
        }
        const db = await openDatabase({
          databaseUrl: config.databaseUrl,
          schema: config.databaseSchema,
          maxConnections: 2,
        });
        try {
          const migrations = await runMigrations(db);
          process.stdout.write(
            `database  ${migrations.applied.length} migration(s) applied now, ${migrations.alreadyApplied} before${migrations.unknown.length ? `; ${migrations.unknown.length} from a newer release (left as they are)` : ''}\n`,
          );
        } finally {
          await db.close();
        }
        const topology = makeTopology(config.busPrefix);
        const bus = await createBus({ natsUrl: config.natsUrl, name: 'agentflow-provision', topology });
        try {
          await provisionTopology(bus, topology);
          const streams = Object.values(topology.streams).map((s) => s.name);
          const buckets = Object.values(topology.buckets);
          process.stdout.write(
            `bus       ${streams.length} streams (${streams.join(', ')}) and ${buckets.length} buckets (${buckets.join(', ')}) in place\n`,
          );
        } finally {
          await bus.drain();
        }
      } catch (error) {
        process.stderr.write(
          `agentflow provision: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        code = error instanceof ConfigError ? 2 : 1;
      }
      process.exitCode = code;
    });
}
