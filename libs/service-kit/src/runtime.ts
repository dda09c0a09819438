/**
 * Runs services: one per process (`runService`, the container images) or all in one process
 * (`runServices`, `agentflow up`). Either way: config read once, telemetry, the bus (JetStream or
 * embedded) with its topology, the database (PostgreSQL or PGlite) migrated, one Nest application
 * on Fastify with every service's module plus `/health`, `/ready` and `/metrics`, and a graceful
 * shutdown on SIGTERM/SIGINT.
 */
import 'reflect-metadata';
import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { topology as makeTopology, ConfigError } from '@agentflow/contracts';
import { createBus, createMessenger, provisionTopology, type MessageBus } from '@agentflow/bus';
import {
  openDatabase,
  pgliteDirOf,
  runMigrations,
  type MigrationReport,
  type SqlDatabase,
} from '@agentflow/store';
import { createLogger, collectProcessMetrics, startTelemetry, type Logger } from '@agentflow/telemetry';
import { join } from 'node:path';
import { readKitConfig, type Env, type KitConfig } from './config';
import { HealthModule } from './health/health.module';
import { Readiness } from './health/readiness';
import { InstanceRecord, type InstanceInfo } from './instance-record';
import { NestPinoLogger } from './nest-logger';
import { installOutboundProxy } from './outbound-proxy';
import { SecretFiles } from './secrets/secret-files';
import type { ServiceContext, ServiceDefinition, ServiceName } from './service';

export interface RunServicesOptions {
  /** Name for logs, the bus connection and telemetry. @default the service's name, or `agentflow` for several */
  name?: string;
  /** Environment to read. @default process.env */
  env?: Env;
  /** Values that win over the environment (the `--port` of `agentflow up`). */
  overrides?: Partial<KitConfig>;
  /** Resolve a relative AGENTFLOW_DATA_DIR against this. @default process.cwd() */
  cwd?: string;
  /**
   * Shut down on SIGTERM/SIGINT and exit the process (0 when clean, 1 when not); a second signal
   * exits at once. Off for in-process tests, which call `shutdown()` themselves. @default true
   */
  handleSignals?: boolean;
  /** @default createLogger(name) */
  logger?: Logger;
}

export interface RunningServices {
  readonly config: KitConfig;
  readonly services: ServiceName[];
  readonly app: NestFastifyApplication;
  /** Port actually bound (differs from config when PORT=0). */
  readonly port: number;
  /** `http://<host>:<port>` reachable from this machine. */
  readonly url: string;
  readonly bus: MessageBus;
  readonly db: SqlDatabase;
  /** What the start-up migration did. */
  readonly migrations: MigrationReport;
  /** This process's row in `service_instances`. */
  readonly instanceId: string;
  /** The previous start of the same process on this host that has ended: did it stop cleanly? */
  readonly previousInstance?: InstanceInfo;
  /** Other starts of the same process on this host that are alive now (replicas on one host). */
  readonly siblingInstances: InstanceInfo[];
  readonly context: ServiceContext;
  /**
   * Graceful shutdown: `/ready` turns 503, Nest shutdown hooks run (consumers stop pulling and
   * finish in-flight work in `beforeApplicationShutdown`), the listener closes, then the bus drains,
   * the database closes and telemetry flushes. Idempotent; resolves when all is closed.
   */
  shutdown(reason?: string): Promise<void>;
}

/** Undoes start-up steps in reverse order; each failure is logged and the rest still run. */
class Closers {
  private readonly steps: Array<{ name: string; close: () => Promise<unknown> }> = [];
  constructor(private readonly log: Logger) {}

  push(name: string, close: () => Promise<unknown>): void {
    this.steps.push({ name, close });
  }

  async closeAll(): Promise<void> {
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      try {
        await step.close();
        this.log.debug({ step: step.name }, 'closed');
      } catch (error) {
        this.log.error({ err: error, step: step.name }, 'failed to close cleanly');
      }
    }
  }
}

function rootModule(imports: DynamicModule[]): Type<unknown> {
  class AgentflowRootModule {}
  Module({ imports })(AgentflowRootModule);
  return AgentflowRootModule;
}

function assertDistinct(defs: ServiceDefinition[]): void {
  const seen = new Set<string>();
  for (const def of defs) {
    if (seen.has(def.name))
      throw new ConfigError(`service ${def.name} was given twice; list each service once`);
    seen.add(def.name);
  }
  if (defs.length === 0) throw new ConfigError('no service to run; pass at least one service definition');
}

/** Runs several services in this process behind one HTTP listener. */
export async function runServices(
  defs: ServiceDefinition[],
  options: RunServicesOptions = {},
): Promise<RunningServices> {
  assertDistinct(defs);
  const secrets = new SecretFiles(options.env ?? process.env);
  const env: Env = Object.freeze(secrets.resolveEnv());
  const config: KitConfig = { ...readKitConfig(env, options.cwd), ...options.overrides };
  const name = options.name ?? (defs.length === 1 ? defs[0].name : 'agentflow');
  const log = options.logger ?? createLogger(name, { level: config.logLevel });
  const closers = new Closers(log);
  const readiness = new Readiness();
  let stopReason = 'requested';

  try {
    const proxy = installOutboundProxy(env);
    if (proxy)
      log.info({ proxy }, 'outbound HTTPS goes through the proxy (HTTPS_PROXY; NO_PROXY bypasses it)');
    const stopSecretWatch = secrets.watch(config.secretsPollMs, (variables) =>
      log.warn(
        { variables },
        'mounted secrets changed; the services that read them per use take the new values now, the rest at their next restart',
      ),
    );
    closers.push('secret watch', async () => stopSecretWatch());
    closers.push('telemetry', startTelemetry(name, { env }));
    collectProcessMetrics();

    const db = await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.databaseUrl ? undefined : pgliteDirOf(config.dataDir),
      schema: config.databaseSchema,
      maxConnections: config.databasePoolSize,
    });
    closers.push('database', () => db.close());
    const migrations = await runMigrations(db);
    readiness.add('database', async () => ((await db.ping()) ? undefined : `${db.kind} does not answer`));
    log.info(
      { database: db.kind, applied: migrations.applied, alreadyApplied: migrations.alreadyApplied },
      'database migrated',
    );
    if (migrations.unknown.length > 0) {
      log.warn(
        { versions: migrations.unknown },
        'database has migrations this release does not know; a newer release ran against it',
      );
    }

    const topology = makeTopology(config.busPrefix);
    const bus = await createBus({
      natsUrl: config.natsUrl,
      name,
      topology,
      dataDir: config.natsUrl ? undefined : join(config.dataDir, 'bus'),
      log,
    });
    const instance = await InstanceRecord.start(
      db,
      name,
      defs.map((d) => d.name),
      bus.kind,
      {
        onHeartbeatError: (err) =>
          log.warn({ err }, 'could not record that this process is alive; the next heartbeat retries'),
      },
    );
    const previous = instance.previous;
    if (previous && !previous.stoppedAt) {
      log.warn(
        { pid: previous.pid, startedAt: previous.startedAt, lastSeenAt: previous.lastSeenAt },
        `the previous ${name} on this host (pid ${previous.pid}) did not stop cleanly: it crashed or was killed; the bus redelivers what it had not acknowledged`,
      );
    }
    // Runs after the bus drained, before the database closes: the stamp says the stop was clean.
    closers.push('instance record', () => instance.stopped(stopReason));
    closers.push('bus', () => bus.drain());
    await provisionTopology(bus, topology);
    const messenger = createMessenger(bus, topology);
    readiness.add('bus', async () => (bus.isHealthy() ? undefined : `${bus.kind} bus is not connected`));

    const context: ServiceContext = { bus, messenger, topology, db, env, secrets, readiness };
    const modules = await Promise.all(defs.map((def) => def.module(context)));

    const adapter = new FastifyAdapter({ bodyLimit: config.bodyLimit });
    const app = await NestFactory.create<NestFastifyApplication>(
      rootModule([...modules, HealthModule.register(readiness)]),
      adapter,
      {
        // Controllers verifying webhook signatures read `req.rawBody`: the exact bytes received.
        rawBody: true,
        logger: new NestPinoLogger(log),
        // Throw on a wiring error instead of exiting the process, so resources opened above are closed.
        abortOnError: false,
      },
    );
    // Closers run in reverse: Nest first (consumers stop pulling, in-flight work ends), then the bus drains.
    closers.push('http', () => app.close());
    await app.listen(config.port, config.host);
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    log.info({ services: defs.map((d) => d.name), url, bus: bus.kind, database: db.kind }, 'listening');

    let stopping: Promise<void> | undefined;
    const running: RunningServices = {
      config,
      services: defs.map((d) => d.name),
      app,
      port,
      url,
      bus,
      db,
      migrations,
      instanceId: instance.id,
      previousInstance: instance.previous,
      siblingInstances: instance.siblings,
      context,
      shutdown(reason = 'requested') {
        stopping ??= (async () => {
          stopReason = reason;
          log.info({ reason }, 'shutting down');
          readiness.markShuttingDown();
          await closers.closeAll();
          log.info('stopped');
        })();
        return stopping;
      },
    };
    if (options.handleSignals ?? true) installSignalHandlers(running, log);
    return running;
  } catch (error) {
    stopReason = 'start-up failed';
    await closers.closeAll();
    throw error;
  }
}

/** Runs one service as its own process: the entry point of each container image. */
export function runService(
  def: ServiceDefinition,
  options: RunServicesOptions = {},
): Promise<RunningServices> {
  return runServices([def], { name: def.name, ...options });
}

function installSignalHandlers(running: RunningServices, log: Logger): void {
  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) {
      log.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    received = signal;
    // Past this deadline something hangs (a handler that ignores stop); exit rather than be SIGKILLed mid-write.
    setTimeout(() => {
      log.error({ timeoutMs: running.config.shutdownTimeoutMs }, 'graceful shutdown took too long; exiting');
      process.exit(1);
    }, running.config.shutdownTimeoutMs).unref();
    running.shutdown(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/**
 * For a process entry point: `runService(def).catch(exitOnStartupFailure)`. Prints why start-up
 * failed (a config error names the variable) and exits 1 so the orchestrator restarts or reports it.
 */
export function exitOnStartupFailure(error: unknown): never {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  process.stderr.write(`agentflow: start-up failed: ${detail}\n`);
  if (error instanceof Error && !(error instanceof ConfigError) && error.stack)
    process.stderr.write(`${error.stack}\n`);
  process.exit(1);
}
