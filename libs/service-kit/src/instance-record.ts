/**
 * One row per process start in `service_instances`, kept alive by a heartbeat and stamped on
 * graceful shutdown. At start-up it tells the operator whether the last start of the same process
 * on the same host stopped cleanly, without mistaking a sibling replica that is alive for a crash:
 * replicas on one host (docker-compose, `agentflow up --only` on a VM) share a name and a host.
 */
import type { SqlDatabase, SqlExecutor } from '@agentflow/store';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/** Rows older than this are deleted at start-up. */
const RETENTION_DAYS = 90;
/** How often a running process says it is alive. */
export const HEARTBEAT_INTERVAL_MS = 15_000;
/** A start with no stop whose heartbeat is older than this crashed or was killed. */
const STALE_AFTER_SECONDS = (3 * HEARTBEAT_INTERVAL_MS) / 1000;

export interface InstanceInfo {
  id: string;
  name: string;
  services: string[];
  host: string;
  pid: number;
  startedAt: Date;
  /** Undefined when it never stopped gracefully (crash, SIGKILL). */
  stoppedAt?: Date;
  stopReason?: string;
  /** The last heartbeat: for a crashed process, about when it died. */
  lastSeenAt: Date;
}

export interface InstanceRecordOptions {
  heartbeatIntervalMs?: number;
  /** Told when a heartbeat could not be written (the database is down); the next one retries. */
  onHeartbeatError?: (error: unknown) => void;
}

interface InstanceRow {
  id: string;
  name: string;
  services: string[];
  host: string;
  pid: number;
  started_at: Date;
  stopped_at: Date | null;
  stop_reason: string | null;
  heartbeat_at: Date;
}

const COLUMNS = 'id, name, services, host, pid, started_at, stopped_at, stop_reason, heartbeat_at';

function toInfo(row: InstanceRow): InstanceInfo {
  return {
    id: row.id,
    name: row.name,
    services: row.services,
    host: row.host,
    pid: row.pid,
    startedAt: row.started_at,
    stoppedAt: row.stopped_at ?? undefined,
    stopReason: row.stop_reason ?? undefined,
    lastSeenAt: row.heartbeat_at,
  };
}

/**
 * The latest start of this process on this host that has ended (stopped, or gone silent) and that
 * no later start has reported yet. Locked and skipped by concurrent starts, so two replicas
 * starting together each report a different predecessor, and a crash is reported once.
 */
async function claimPredecessor(tx: SqlExecutor, id: string, name: string, host: string) {
  const { rows } = await tx.query<InstanceRow>(
    `SELECT ${COLUMNS} FROM service_instances
      WHERE name = $1 AND host = $2 AND succeeded_by IS NULL
        AND (stopped_at IS NOT NULL OR heartbeat_at < now() - make_interval(secs => $3))
      ORDER BY started_at DESC LIMIT 1
      FOR UPDATE SKIP LOCKED`,
    [name, host, STALE_AFTER_SECONDS],
  );
  const previous = rows[0];
  if (previous)
    await tx.query('UPDATE service_instances SET succeeded_by = $2 WHERE id = $1', [previous.id, id]);
  return previous ? toInfo(previous) : undefined;
}

async function liveSiblings(tx: SqlExecutor, id: string, name: string, host: string) {
  const { rows } = await tx.query<InstanceRow>(
    `SELECT ${COLUMNS} FROM service_instances
      WHERE name = $1 AND host = $2 AND id <> $3 AND stopped_at IS NULL
        AND heartbeat_at >= now() - make_interval(secs => $4)
      ORDER BY started_at`,
    [name, host, id, STALE_AFTER_SECONDS],
  );
  return rows.map(toInfo);
}

export class InstanceRecord {
  private readonly heartbeat: NodeJS.Timeout;

  private constructor(
    private readonly db: SqlDatabase,
    readonly id: string,
    /** The start before this one of the same process on this host that has ended, if any. */
    readonly previous: InstanceInfo | undefined,
    /** Other starts of the same process on this host that are alive now (replicas). */
    readonly siblings: InstanceInfo[],
    options: InstanceRecordOptions,
  ) {
    this.heartbeat = setInterval(() => {
      this.db
        .query('UPDATE service_instances SET heartbeat_at = now() WHERE id = $1', [this.id])
        .catch((error: unknown) => options.onHeartbeatError?.(error));
    }, options.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS);
    // The heartbeat never keeps a process alive that is otherwise done.
    this.heartbeat.unref();
  }

  static async start(
    db: SqlDatabase,
    name: string,
    services: string[],
    bus: 'jetstream' | 'embedded',
    options: InstanceRecordOptions = {},
  ): Promise<InstanceRecord> {
    const host = hostname();
    const id = randomUUID();
    await db.query(`DELETE FROM service_instances WHERE started_at < now() - make_interval(days => $1)`, [
      RETENTION_DAYS,
    ]);
    const { previous, siblings } = await db.transaction(async (tx) => {
      await tx.query(
        'INSERT INTO service_instances (id, name, services, host, pid, bus) VALUES ($1, $2, $3, $4, $5, $6)',
        [id, name, services, host, process.pid, bus],
      );
      return {
        previous: await claimPredecessor(tx, id, name, host),
        siblings: await liveSiblings(tx, id, name, host),
      };
    });
    return new InstanceRecord(db, id, previous, siblings, options);
  }

  async stopped(reason: string): Promise<void> {
    clearInterval(this.heartbeat);
    await this.db.query(
      'UPDATE service_instances SET stopped_at = now(), heartbeat_at = now(), stop_reason = $2 WHERE id = $1',
      [this.id, reason],
    );
  }
}
