/**
 * One row per process start in `service_instances`, stamped on graceful shutdown. At start-up the
 * previous start of the same process on the same host tells whether it stopped cleanly.
 */
import type { SqlDatabase } from '@agentflow/store';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/** Rows older than this are deleted at start-up. */
const RETENTION_DAYS = 90;

export interface InstanceInfo {
  id: string;
  name: string;
  services: string[];
  host: string;
  pid: number;
  startedAt: Date;
  /** Undefined when it never stopped gracefully (crash, SIGKILL) or is still running. */
  stoppedAt?: Date;
  stopReason?: string;
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
}

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
  };
}

export class InstanceRecord {
  private constructor(
    private readonly db: SqlDatabase,
    readonly id: string,
    /** The start before this one of the same process name on this host, if any. */
    readonly previous: InstanceInfo | undefined,
  ) {}

  static async start(
    db: SqlDatabase,
    name: string,
    services: string[],
    bus: 'jetstream' | 'embedded',
  ): Promise<InstanceRecord> {
    const host = hostname();
    const id = randomUUID();
    const { rows } = await db.query<InstanceRow>(
      `SELECT id, name, services, host, pid, started_at, stopped_at, stop_reason FROM service_instances
        WHERE name = $1 AND host = $2 ORDER BY started_at DESC LIMIT 1`,
      [name, host],
    );
    await db.query(`DELETE FROM service_instances WHERE started_at < now() - make_interval(days => $1)`, [
      RETENTION_DAYS,
    ]);
    await db.query(
      'INSERT INTO service_instances (id, name, services, host, pid, bus) VALUES ($1, $2, $3, $4, $5, $6)',
      [id, name, services, host, process.pid, bus],
    );
    return new InstanceRecord(db, id, rows[0] ? toInfo(rows[0]) : undefined);
  }

  async stopped(reason: string): Promise<void> {
    await this.db.query('UPDATE service_instances SET stopped_at = now(), stop_reason = $2 WHERE id = $1', [
      this.id,
      reason,
    ]);
  }
}
