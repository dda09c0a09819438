/**
 * Delivery ids, remembered durably in `webhook_deliveries` so a redelivery days later is still
 * recognised (JetStream's own dedupe window is two hours).
 */
import type { Platform } from '@agentflow/contracts';
import type { SqlExecutor } from '@agentflow/store';
import { storable, storableOrUndefined } from '../input/text';

export type DeliveryOutcome = 'received' | 'matched' | 'ignored' | 'rejected';

export interface DeliveryRecord {
  platform: Platform;
  deliveryId: string;
  event: string;
  action?: string;
  repo?: string;
  receivedAt: Date;
}

export class DeliveryLog {
  constructor(private readonly db: SqlExecutor) {}

  async seen(platform: Platform, deliveryId: string): Promise<boolean> {
    const { rows } = await this.db.query(
      'SELECT 1 FROM webhook_deliveries WHERE platform = $1 AND delivery_id = $2',
      [platform, deliveryId],
    );
    return rows.length > 0;
  }

  /** Records a delivery; returns false when it was already recorded. */
  async record(d: DeliveryRecord, executor: SqlExecutor = this.db): Promise<boolean> {
    const { rowCount } = await executor.query(
      `INSERT INTO webhook_deliveries (platform, delivery_id, event, action, repo, received_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (platform, delivery_id) DO NOTHING`,
      [
        d.platform,
        d.deliveryId,
        storable(d.event),
        storableOrUndefined(d.action) ?? null,
        storableOrUndefined(d.repo) ?? null,
        d.receivedAt.toISOString(),
      ],
    );
    return rowCount > 0;
  }

  /** What processing made of a delivery: runs it started, or why it was ignored. */
  async settle(
    d: DeliveryRecord,
    outcome: DeliveryOutcome,
    runIds: string[],
    detail?: string,
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO webhook_deliveries (platform, delivery_id, event, action, repo, received_at, outcome, run_ids, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (platform, delivery_id) DO UPDATE
         SET outcome = EXCLUDED.outcome, run_ids = EXCLUDED.run_ids, detail = EXCLUDED.detail,
             action = COALESCE(webhook_deliveries.action, EXCLUDED.action), repo = COALESCE(webhook_deliveries.repo, EXCLUDED.repo)`,
      // Text from a payload is made storable here too: this row is the de-duplication record, and a
      // NUL in a reason must not lose it (see input/text.ts).
      [
        d.platform,
        d.deliveryId,
        storable(d.event),
        storableOrUndefined(d.action) ?? null,
        storableOrUndefined(d.repo) ?? null,
        d.receivedAt.toISOString(),
        outcome,
        runIds,
        storableOrUndefined(detail) ?? null,
      ],
    );
  }

  async get(
    platform: Platform,
    deliveryId: string,
  ): Promise<{
    event: string;
    repo: string | null;
    outcome: DeliveryOutcome;
    runIds: string[];
    detail: string | null;
    receivedAt: string;
  } | null> {
    const { rows } = await this.db.query<{
      event: string;
      repo: string | null;
      outcome: DeliveryOutcome;
      run_ids: string[];
      detail: string | null;
      received_at: Date | string;
    }>(
      'SELECT event, repo, outcome, run_ids, detail, received_at FROM webhook_deliveries WHERE platform = $1 AND delivery_id = $2',
      [platform, deliveryId],
    );
    const r = rows[0];
    return r
      ? {
          event: r.event,
          repo: r.repo,
          outcome: r.outcome,
          runIds: r.run_ids,
          detail: r.detail,
          receivedAt: new Date(r.received_at).toISOString(),
        }
      : null;
  }

  /** Forgets delivery ids older than `before`; returns how many. */
  async prune(before: Date): Promise<number> {
    const { rowCount } = await this.db.query('DELETE FROM webhook_deliveries WHERE received_at < $1', [
      before.toISOString(),
    ]);
    return rowCount;
  }
}
