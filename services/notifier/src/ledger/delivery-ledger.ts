/**
 * Idempotency per (sink, target, run, kind): a claim before the platform call, the result after
 * it. A redelivered bus message finds `delivered` (or `skipped`) and posts nothing.
 */
import type { SqlDatabase } from '@agentflow/store';

export interface LedgerKey {
  sink: string;
  target: string;
  runId: string;
  kind: string;
}

/**
 * `attempt` counts every claim; `deferrals` those earlier deliveries that ended because the
 * platform asked to wait (see {@link DeliveryLedger.settle}), which are not failed attempts.
 */
export type Claim =
  { claimed: true; attempt: number; deferrals: number } | { claimed: false; state: 'delivered' | 'skipped' };

export class DeliveryLedger {
  constructor(private readonly db: SqlDatabase) {}

  async claim(k: LedgerKey): Promise<Claim> {
    const { rows } = await this.db.query<{ attempts: number; deferrals: number }>(
      `INSERT INTO notifier_deliveries (sink, target, run_id, kind, state) VALUES ($1, $2, $3, $4, 'claimed')
       ON CONFLICT (sink, target, run_id, kind) DO UPDATE
         SET state = 'claimed', attempts = notifier_deliveries.attempts + 1, claimed_at = now(), updated_at = now()
         WHERE notifier_deliveries.state IN ('claimed', 'failed')
       RETURNING attempts, deferrals`,
      [k.sink, k.target, k.runId, k.kind],
    );
    if (rows.length > 0)
      return { claimed: true, attempt: Number(rows[0].attempts), deferrals: Number(rows[0].deferrals) };
    const existing = await this.db.query<{ state: 'delivered' | 'skipped' }>(
      'SELECT state FROM notifier_deliveries WHERE sink = $1 AND target = $2 AND run_id = $3 AND kind = $4',
      [k.sink, k.target, k.runId, k.kind],
    );
    return { claimed: false, state: existing.rows[0]?.state ?? 'delivered' };
  }

  /** `deferred`: the delivery ended because the platform asked to wait; it is counted apart from failures. */
  async settle(
    k: LedgerKey,
    state: 'delivered' | 'skipped' | 'failed',
    result: unknown,
    error?: string,
    deferred = false,
  ): Promise<void> {
    await this.db.query(
      `UPDATE notifier_deliveries SET state = $5, result = $6, error = $7, deferrals = deferrals + $8, updated_at = now()
        WHERE sink = $1 AND target = $2 AND run_id = $3 AND kind = $4`,
      [
        k.sink,
        k.target,
        k.runId,
        k.kind,
        state,
        result === undefined ? null : JSON.stringify(result),
        error ?? null,
        deferred ? 1 : 0,
      ],
    );
  }

  /** The state of one delivery, or null when it was never claimed. */
  async state(k: LedgerKey): Promise<'claimed' | 'delivered' | 'skipped' | 'failed' | null> {
    const { rows } = await this.db.query<{ state: 'claimed' | 'delivered' | 'skipped' | 'failed' }>(
      'SELECT state FROM notifier_deliveries WHERE sink = $1 AND target = $2 AND run_id = $3 AND kind = $4',
      [k.sink, k.target, k.runId, k.kind],
    );
    return rows[0]?.state ?? null;
  }

  async list(runId: string): Promise<
    Array<{
      sink: string;
      target: string;
      kind: string;
      state: string;
      attempts: number;
      error: string | null;
    }>
  > {
    const { rows } = await this.db.query<{
      sink: string;
      target: string;
      kind: string;
      state: string;
      attempts: number;
      error: string | null;
    }>(
      'SELECT sink, target, kind, state, attempts, error FROM notifier_deliveries WHERE run_id = $1 ORDER BY sink, target, kind',
      [runId],
    );
    return rows.map((r) => ({ ...r, attempts: Number(r.attempts) }));
  }
}
