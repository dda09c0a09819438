/**
 * What people did with agentflow's findings, as the platforms report it (`finding_signals`): a
 * review thread resolved by a person, and findings still open when their pull request merged.
 * Read by `agentflow usefulness` (libs/store/src/usefulness.ts); fixed and dismissed findings are
 * the states `findings` already keeps.
 */
import type { Platform } from '@agentflow/contracts';
import type { SqlDatabase } from '@agentflow/store';

export interface SignalOrigin {
  /** When the delivery was received: a later event about the same thread wins. */
  at: Date;
  deliveryId: string;
}

export interface ThreadFindings {
  /** Fingerprints of the findings whose inline comment opened (or is in) the thread; empty when none is agentflow's. */
  fingerprints: string[];
  /** Of those, the ones stored in `findings` and so given the signal. */
  recorded: number;
}

export class FindingSignalStore {
  constructor(private readonly db: SqlDatabase) {}

  /**
   * Marks the findings posted as any of these inline comments resolved (or no longer resolved) by a
   * person. The notifier recorded each inline comment's id with its workflow and fingerprint, which
   * names the finding. An older delivery arriving after a newer one changes nothing.
   */
  async threadResolution(
    t: {
      platform: Platform;
      repo: string;
      pr: number;
      commentIds: string[];
      resolved: boolean;
      actor: string;
    } & SignalOrigin,
  ): Promise<ThreadFindings> {
    const { rows: posted } = await this.db.query<{ fingerprint: string }>(
      'SELECT DISTINCT fingerprint FROM notifier_inline_comments WHERE platform = $1 AND repo = $2 AND pr = $3 AND comment_id = ANY($4)',
      [t.platform, t.repo, t.pr, t.commentIds],
    );
    if (posted.length === 0) return { fingerprints: [], recorded: 0 };
    const { rows } = await this.db.query(
      `INSERT INTO finding_signals (finding_id, signal, active, actor, occurred_at, delivery_id)
       SELECT f.id, 'thread_resolved', $5, $6, $7, $8
         FROM notifier_inline_comments ic
         JOIN findings f ON f.platform = ic.platform AND f.repo = ic.repo AND f.pr = ic.pr AND f.workflow = ic.workflow AND f.fingerprint = ic.fingerprint
        WHERE ic.platform = $1 AND ic.repo = $2 AND ic.pr = $3 AND ic.comment_id = ANY($4)
       ON CONFLICT (finding_id, signal) DO UPDATE SET active = EXCLUDED.active, actor = EXCLUDED.actor, occurred_at = EXCLUDED.occurred_at,
         delivery_id = EXCLUDED.delivery_id, updated_at = now()
        WHERE EXCLUDED.occurred_at >= finding_signals.occurred_at
       RETURNING 1`,
      [t.platform, t.repo, t.pr, t.commentIds, t.resolved, t.actor, t.at.toISOString(), t.deliveryId],
    );
    return { fingerprints: posted.map((r) => r.fingerprint), recorded: rows.length };
  }

  /**
   * Writes `open_at_merge` for every finding of the PR: active for those still open now (ignored),
   * inactive for the fixed and dismissed, so the rows are also the sample the ignored rate divides
   * by. Called when the merge is recorded; a redelivered merge finds the rows there and changes
   * nothing. Returns how many findings were open.
   */
  async openAtMerge(m: { platform: Platform; repo: string; pr: number } & SignalOrigin): Promise<number> {
    await this.db.query(
      `INSERT INTO finding_signals (finding_id, signal, active, occurred_at, delivery_id)
       SELECT id, 'open_at_merge', state = 'open', $4, $5 FROM findings WHERE platform = $1 AND repo = $2 AND pr = $3
       ON CONFLICT (finding_id, signal) DO NOTHING`,
      [m.platform, m.repo, m.pr, m.at.toISOString(), m.deliveryId],
    );
    const { rows } = await this.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM finding_signals s JOIN findings f ON f.id = s.finding_id
        WHERE f.platform = $1 AND f.repo = $2 AND f.pr = $3 AND s.signal = 'open_at_merge' AND s.active`,
      [m.platform, m.repo, m.pr],
    );
    return Number(rows[0]?.n ?? 0);
  }
}
