/**
 * The durable spool: deliveries accepted while the bus was down. They were answered 202, so
 * they must reach the bus later; the {@link SpoolForwarder} drains them in arrival order.
 */
import type { Platform } from '@agentflow/contracts';
import type { SqlExecutor } from '@agentflow/store';

export interface SpooledDelivery {
  platform: Platform;
  deliveryId: string;
  event: string;
  payload: string;
  receivedAt: Date;
  attempts: number;
}

export class WebhookSpool {
  constructor(private readonly db: SqlExecutor) {}

  async add(d: Omit<SpooledDelivery, 'attempts'>, executor: SqlExecutor = this.db): Promise<void> {
    await executor.query(
      // Due at once, by the same clock `due()` is asked with (not the database's).
      `INSERT INTO ingress_spool (platform, delivery_id, event, payload, received_at, next_attempt_at)
       VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (platform, delivery_id) DO NOTHING`,
      [d.platform, d.deliveryId, d.event, d.payload, d.receivedAt.toISOString()],
    );
  }

  /** Deliveries due for another try, oldest first. */
  async due(now: Date, limit: number): Promise<SpooledDelivery[]> {
    const { rows } = await this.db.query<{
      platform: Platform;
      delivery_id: string;
      event: string;
      payload: string;
      received_at: Date | string;
      attempts: number;
    }>(
      `SELECT platform, delivery_id, event, payload, received_at, attempts FROM ingress_spool
        WHERE next_attempt_at <= $1 ORDER BY received_at, delivery_id LIMIT $2`,
      [now.toISOString(), limit],
    );
    return rows.map((r) => ({
      platform: r.platform,
      deliveryId: r.delivery_id,
      event: r.event,
      payload: r.payload,
      receivedAt: new Date(r.received_at),
      attempts: Number(r.attempts),
    }));
  }

  async remove(platform: Platform, deliveryId: string): Promise<void> {
    await this.db.query('DELETE FROM ingress_spool WHERE platform = $1 AND delivery_id = $2', [
      platform,
      deliveryId,
    ]);
  }

  async postpone(platform: Platform, deliveryId: string, error: string, next: Date): Promise<void> {
    await this.db.query(
      'UPDATE ingress_spool SET attempts = attempts + 1, last_error = $3, next_attempt_at = $4 WHERE platform = $1 AND delivery_id = $2',
      [platform, deliveryId, error.slice(0, 1000), next.toISOString()],
    );
  }

  async size(): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>('SELECT count(*) AS n FROM ingress_spool');
    return Number(rows[0]?.n ?? 0);
  }
}
