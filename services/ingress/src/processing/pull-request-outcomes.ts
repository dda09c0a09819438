/**
 * How each pull/merge request ended (`pull_request_outcomes`), written when its close event is
 * processed, so `agentflow cost` can divide spend by the PRs that were actually merged.
 */
import type { Platform } from '@agentflow/contracts';
import type { SqlDatabase } from '@agentflow/store';

export interface PullRequestEnd {
  platform: Platform;
  repo: string;
  pr: number;
  outcome: 'merged' | 'closed';
  /** When the close event was received: the month a merge counts in. */
  endedAt: Date;
  deliveryId: string;
}

export class PullRequestOutcomeStore {
  constructor(private readonly db: SqlDatabase) {}

  /**
   * Records how the PR ended; false when another delivery's outcome stands. The latest close wins
   * (a PR closed, reopened and merged ends `merged`), but a merge is final: GitHub and GitLab cannot
   * reopen a merged PR, so an older `closed` delivery arriving late (the reconciler's redelivery)
   * never replaces it, and the month a merge counts in never moves. The same delivery processed
   * again (the bus redelivers until it is acknowledged) changes nothing and answers true.
   */
  async record(end: PullRequestEnd): Promise<boolean> {
    const written = await this.db.query(
      `INSERT INTO pull_request_outcomes (platform, repo, pr, outcome, ended_at, delivery_id) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (platform, repo, pr) DO UPDATE SET outcome = EXCLUDED.outcome, ended_at = EXCLUDED.ended_at, delivery_id = EXCLUDED.delivery_id, updated_at = now()
        WHERE pull_request_outcomes.delivery_id <> EXCLUDED.delivery_id AND pull_request_outcomes.outcome <> 'merged' AND EXCLUDED.ended_at >= pull_request_outcomes.ended_at
       RETURNING 1`,
      [end.platform, end.repo, end.pr, end.outcome, end.endedAt.toISOString(), end.deliveryId],
    );
    if (written.rows.length > 0) return true;
    const stored = await this.db.query<{ delivery_id: string }>(
      'SELECT delivery_id FROM pull_request_outcomes WHERE platform = $1 AND repo = $2 AND pr = $3',
      [end.platform, end.repo, end.pr],
    );
    return stored.rows[0]?.delivery_id === end.deliveryId;
  }
}
