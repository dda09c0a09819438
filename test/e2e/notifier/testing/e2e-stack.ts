/**
 * The ingress and the notifier on real NATS and PostgreSQL, as the notifier's end-to-end specs run
 * them: one bus prefix and one database schema per spec (dropped at the end), telemetry off, the
 * ingress test workflows, and whatever platform settings the spec adds.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { Topology } from '@agentflow/contracts';
import { deleteTopology } from '@agentflow/bus';
import { ingressService } from '@agentflow/ingress';
import { runServices, type RunningServices } from '@agentflow/service-kit';
import { notifierService } from '../../../../services/notifier/src/service';

export const DB_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
/** The ingress's test workflows. */
export const FIXTURES = join(process.cwd(), 'services/ingress/test-fixtures/workflows');

export interface E2eStack {
  /** The bus prefix and database schema of this spec. */
  id: string;
  running: RunningServices;
  topology: Topology;
  stop(): Promise<void>;
}

/** Polls `probe` until it gives a truthy value (returned), or fails saying what it waited for. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A unique id for a spec's bus prefix and schema: `<prefix>_<8 hex>`. */
export function e2eId(prefix: string): string {
  return `${prefix}_${randomUUID().slice(0, 8)}`;
}

export async function startE2eStack(id: string, env: Record<string, string>): Promise<E2eStack> {
  const dataDir = mkdtempSync(join(tmpdir(), `af-${id}-`));
  let running: RunningServices | undefined;
  try {
    running = await runServices([ingressService, notifierService], {
      handleSignals: false,
      env: {
        NATS_URL,
        DATABASE_URL: DB_URL,
        DATABASE_SCHEMA: id,
        AGENTFLOW_BUS_PREFIX: id,
        PORT: '0',
        HOST: '127.0.0.1',
        AGENTFLOW_DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
        OTEL_SDK_DISABLED: 'true',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
        OTEL_TRACES_EXPORTER: 'none',
        AGENTFLOW_WORKFLOWS_DIR: FIXTURES,
        INGRESS_RECONCILE_MS: '0',
        ...env,
      },
    });
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const started = running;
  const topology = started.context.topology;
  return {
    id,
    running: started,
    topology,
    async stop() {
      await deleteTopology(started.bus, topology).catch(() => undefined);
      await started.shutdown('test done');
      const client = new Client({ connectionString: DB_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${id}" CASCADE`);
      await client.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
