/**
 * `/agentflow dismiss <finding-id>`: recorded so the notifier never reports that finding on the PR
 * again. The id is the fingerprint prefix the notifier prints (at least 8 characters).
 */
import type { Platform } from '@agentflow/contracts';
import type { SqlDatabase } from '@agentflow/store';

export const MIN_FINGERPRINT_PREFIX = 8;

export class DismissalStore {
  constructor(private readonly db: SqlDatabase) {}

  /** The finding agentflow posted as this inline comment on the PR (the notifier's record), if any. */
  async findingOfComment(
    platform: Platform,
    repo: string,
    pr: number,
    commentId: string,
  ): Promise<string | undefined> {
    const { rows } = await this.db.query<{ fingerprint: string }>(
      'SELECT fingerprint FROM notifier_inline_comments WHERE platform = $1 AND repo = $2 AND pr = $3 AND comment_id = $4 LIMIT 1',
      [platform, repo, pr, commentId],
    );
    return rows[0]?.fingerprint;
  }

  async dismiss(d: {
    platform: Platform;
    repo: string;
    pr: number;
    fingerprint: string;
    by: string;
    source: 'command' | 'reaction';
  }): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO finding_dismissals (platform, repo, pr, fingerprint_prefix, dismissed_by, source)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (platform, repo, pr, fingerprint_prefix) DO NOTHING`,
        [d.platform, d.repo, d.pr, d.fingerprint, d.by, d.source],
      );
      await tx.query(
        `UPDATE findings SET state = 'dismissed', updated_at = now()
          WHERE platform = $1 AND repo = $2 AND pr = $3 AND starts_with(fingerprint, $4)`,
        [d.platform, d.repo, d.pr, d.fingerprint],
      );
    });
  }
}
