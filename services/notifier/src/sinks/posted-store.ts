/** What the code-host sinks posted (summaries, inline comments, check runs) and what was dismissed. */
import { dismissalCovers, type Platform } from '@agentflow/contracts';
import type { SqlDatabase, SqlExecutor } from '@agentflow/store';

export interface SummaryRef {
  commentId: string;
  headSha: string;
  runId: string;
  finishedAt: number;
}

export interface InlineRef {
  fingerprint: string;
  commentId: string;
  threadId: string | null;
  resolved: boolean;
  /** The run that posted it (absent on refs being saved: `saveInline` takes it apart). */
  runId?: string;
}

export interface CheckKey {
  platform: Platform;
  repo: string;
  headSha: string;
  workflow: string;
}

export interface CheckRef {
  /** The check run id (GitHub) or the commit status name (GitLab). */
  id: string;
  runId: string;
  completed: boolean;
  /** The conclusion last written; null on rows written before it was recorded. */
  conclusion: string | null;
  /** When progress was last written to it (epoch ms), for the write budget; null when never. */
  progressWrittenAt: number | null;
  /** A digest of the progress output last written: the same output is never written twice. */
  progressDigest: string | null;
}

export interface DismissalRow {
  fingerprintPrefix: string;
  by: string;
  source: 'command' | 'reaction';
}

export interface PrKey {
  platform: Platform;
  repo: string;
  pr: number;
  workflow: string;
}

/**
 * How long a check-run write waits for another delivery of the same head and workflow. The holder
 * makes at most a few GitHub calls (each waits out short rate limits in place); longer than this and
 * the delivery is retried later instead of tying up a consumer.
 */
export const CHECK_RUN_LOCK_TIMEOUT_MS = 60_000;

export class PostedStore {
  /** `db` is the database, or (inside {@link exclusiveCheckRun}) the session holding the lock. */
  constructor(private readonly db: SqlDatabase | SqlExecutor) {}

  async summary(k: PrKey): Promise<SummaryRef | null> {
    const { rows } = await this.db.query<{
      comment_id: string;
      head_sha: string;
      run_id: string;
      finished_at: Date | string;
    }>(
      'SELECT comment_id, head_sha, run_id, finished_at FROM notifier_summaries WHERE platform = $1 AND repo = $2 AND pr = $3 AND workflow = $4',
      [k.platform, k.repo, k.pr, k.workflow],
    );
    const r = rows[0];
    return r
      ? {
          commentId: r.comment_id,
          headSha: r.head_sha,
          runId: r.run_id,
          finishedAt: new Date(r.finished_at).getTime(),
        }
      : null;
  }

  async saveSummary(k: PrKey, ref: SummaryRef): Promise<void> {
    await this.db.query(
      `INSERT INTO notifier_summaries (platform, repo, pr, workflow, comment_id, head_sha, run_id, finished_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (platform, repo, pr, workflow) DO UPDATE SET comment_id = EXCLUDED.comment_id, head_sha = EXCLUDED.head_sha, run_id = EXCLUDED.run_id, finished_at = EXCLUDED.finished_at, updated_at = now()`,
      [
        k.platform,
        k.repo,
        k.pr,
        k.workflow,
        ref.commentId,
        ref.headSha,
        ref.runId,
        new Date(ref.finishedAt).toISOString(),
      ],
    );
  }

  async inline(k: PrKey): Promise<InlineRef[]> {
    const { rows } = await this.db.query<{
      fingerprint: string;
      comment_id: string;
      thread_id: string | null;
      resolved: boolean;
      run_id: string;
    }>(
      'SELECT fingerprint, comment_id, thread_id, resolved, run_id FROM notifier_inline_comments WHERE platform = $1 AND repo = $2 AND pr = $3 AND workflow = $4',
      [k.platform, k.repo, k.pr, k.workflow],
    );
    return rows.map((r) => ({
      fingerprint: r.fingerprint,
      commentId: r.comment_id,
      threadId: r.thread_id,
      resolved: r.resolved,
      runId: r.run_id,
    }));
  }

  async saveInline(k: PrKey, ref: InlineRef, runId: string, headSha: string): Promise<void> {
    await this.db.query(
      `INSERT INTO notifier_inline_comments (platform, repo, pr, workflow, fingerprint, comment_id, thread_id, run_id, head_sha) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (platform, repo, pr, workflow, fingerprint) DO UPDATE SET comment_id = EXCLUDED.comment_id, thread_id = EXCLUDED.thread_id, run_id = EXCLUDED.run_id, head_sha = EXCLUDED.head_sha, resolved = false`,
      [k.platform, k.repo, k.pr, k.workflow, ref.fingerprint, ref.commentId, ref.threadId, runId, headSha],
    );
  }

  async markResolved(k: PrKey, fingerprint: string): Promise<void> {
    await this.db.query(
      'UPDATE notifier_inline_comments SET resolved = true WHERE platform = $1 AND repo = $2 AND pr = $3 AND workflow = $4 AND fingerprint = $5',
      [k.platform, k.repo, k.pr, k.workflow, fingerprint],
    );
  }

  /** A predicate over fingerprints: dismissed on this PR by command, reaction, or in `findings`. */
  async dismissed(k: Omit<PrKey, 'workflow'>): Promise<(fingerprint: string) => boolean> {
    const prefixes = await this.db.query<{ fingerprint_prefix: string }>(
      'SELECT fingerprint_prefix FROM finding_dismissals WHERE platform = $1 AND repo = $2 AND pr = $3',
      [k.platform, k.repo, k.pr],
    );
    const states = await this.db.query<{ fingerprint: string }>(
      `SELECT fingerprint FROM findings WHERE platform = $1 AND repo = $2 AND pr = $3 AND state = 'dismissed'`,
      [k.platform, k.repo, k.pr],
    );
    const exact = new Set(states.rows.map((r) => r.fingerprint));
    const list = prefixes.rows.map((r) => r.fingerprint_prefix);
    return (fp) => exact.has(fp) || list.some((p) => dismissalCovers(p, fp));
  }

  /** Every dismissal recorded on this PR (by command or reaction), with who made it. */
  async dismissals(k: Omit<PrKey, 'workflow'>): Promise<DismissalRow[]> {
    const { rows } = await this.db.query<{
      fingerprint_prefix: string;
      dismissed_by: string;
      source: 'command' | 'reaction';
    }>(
      'SELECT fingerprint_prefix, dismissed_by, source FROM finding_dismissals WHERE platform = $1 AND repo = $2 AND pr = $3 ORDER BY created_at',
      [k.platform, k.repo, k.pr],
    );
    return rows.map((r) => ({
      fingerprintPrefix: r.fingerprint_prefix,
      by: r.dismissed_by,
      source: r.source,
    }));
  }

  async recordDismissal(k: Omit<PrKey, 'workflow'>, fingerprint: string, by: string): Promise<void> {
    await this.db.query(
      `INSERT INTO finding_dismissals (platform, repo, pr, fingerprint_prefix, dismissed_by, source) VALUES ($1, $2, $3, $4, $5, 'reaction')
       ON CONFLICT (platform, repo, pr, fingerprint_prefix) DO NOTHING`,
      [k.platform, k.repo, k.pr, fingerprint, by],
    );
  }

  /**
   * Runs `fn` alone for one check run key. Progress and result deliveries for the same head and
   * workflow arrive concurrently; without this each could find no check run yet and create one.
   * An advisory lock on PostgreSQL (so replicas wait too), a mutex on PGlite.
   *
   * `fn` gets a store on the session that holds the lock: use it, not this one, for every read and
   * write inside. Work that needed a second connection while holding the first is what deadlocked
   * the notifier on its own pool (issue 17).
   */
  exclusiveCheckRun<T>(k: CheckKey, fn: (locked: PostedStore) => Promise<T>): Promise<T> {
    if (!('withLock' in this.db))
      throw new Error(
        'exclusiveCheckRun was called on a store that already holds a lock; use that store directly',
      );
    return this.db.withLock(
      `notifier-check-run:${k.platform}:${k.repo}:${k.headSha}:${k.workflow}`,
      (session) => fn(new PostedStore(session)),
      { timeoutMs: CHECK_RUN_LOCK_TIMEOUT_MS },
    );
  }

  /**
   * Runs `fn` alone for one pull request, across workflows: the PR's one comment and one review per
   * head (ADR 0079) are read, merged and written by one delivery at a time, on every replica. `fn`
   * gets a store on the session holding the lock; use it for every read and write inside.
   */
  exclusivePr<T>(k: Omit<PrKey, 'workflow'>, fn: (locked: PostedStore) => Promise<T>): Promise<T> {
    if (!('withLock' in this.db))
      throw new Error('exclusivePr was called on a store that already holds a lock; use that store directly');
    return this.db.withLock(
      `notifier-pr:${k.platform}:${k.repo}#${k.pr}`,
      (session) => fn(new PostedStore(session)),
      { timeoutMs: CHECK_RUN_LOCK_TIMEOUT_MS },
    );
  }

  /** Inline comments on the pull request from every workflow: one comment per finding fingerprint. */
  async inlineOnPr(
    k: Omit<PrKey, 'workflow'>,
  ): Promise<Array<InlineRef & { workflow: string; headSha: string }>> {
    const { rows } = await this.db.query<{
      workflow: string;
      fingerprint: string;
      comment_id: string;
      thread_id: string | null;
      resolved: boolean;
      run_id: string;
      head_sha: string;
    }>(
      'SELECT workflow, fingerprint, comment_id, thread_id, resolved, run_id, head_sha FROM notifier_inline_comments WHERE platform = $1 AND repo = $2 AND pr = $3',
      [k.platform, k.repo, k.pr],
    );
    return rows.map((r) => ({
      workflow: r.workflow,
      fingerprint: r.fingerprint,
      commentId: r.comment_id,
      threadId: r.thread_id,
      resolved: r.resolved,
      runId: r.run_id,
      headSha: r.head_sha,
    }));
  }

  async checkRun(k: CheckKey): Promise<CheckRef | null> {
    const { rows } = await this.db.query<{
      check_run_id: string;
      run_id: string;
      completed: boolean;
      conclusion: string | null;
      progress_written_at: Date | string | null;
      progress_digest: string | null;
    }>(
      'SELECT check_run_id, run_id, completed, conclusion, progress_written_at, progress_digest FROM notifier_check_runs WHERE platform = $1 AND repo = $2 AND head_sha = $3 AND workflow = $4',
      [k.platform, k.repo, k.headSha, k.workflow],
    );
    const r = rows[0];
    return r
      ? {
          id: r.check_run_id,
          runId: r.run_id,
          completed: r.completed,
          conclusion: r.conclusion,
          progressWrittenAt:
            r.progress_written_at === null ? null : new Date(r.progress_written_at).getTime(),
          progressDigest: r.progress_digest,
        }
      : null;
  }

  /** Records a progress write on the check run of `runId` (see CheckRef.progressWrittenAt). */
  async saveProgressWrite(k: CheckKey, runId: string, writtenAt: number, digest: string): Promise<void> {
    await this.db.query(
      'UPDATE notifier_check_runs SET progress_written_at = $6, progress_digest = $7 WHERE platform = $1 AND repo = $2 AND head_sha = $3 AND workflow = $4 AND run_id = $5',
      [k.platform, k.repo, k.headSha, k.workflow, runId, new Date(writtenAt).toISOString(), digest],
    );
  }

  /** `conclusion` is what was written with a completed check; a progress update of the same run keeps the one recorded. */
  async saveCheckRun(
    k: CheckKey,
    id: string,
    runId: string,
    completed: boolean,
    conclusion?: string,
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO notifier_check_runs (platform, repo, head_sha, workflow, check_run_id, run_id, completed, conclusion) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (platform, repo, head_sha, workflow) DO UPDATE SET check_run_id = EXCLUDED.check_run_id, run_id = EXCLUDED.run_id,
         completed = CASE WHEN notifier_check_runs.run_id = EXCLUDED.run_id THEN notifier_check_runs.completed OR EXCLUDED.completed ELSE EXCLUDED.completed END,
         conclusion = CASE WHEN EXCLUDED.conclusion IS NOT NULL THEN EXCLUDED.conclusion WHEN notifier_check_runs.run_id = EXCLUDED.run_id THEN notifier_check_runs.conclusion END,
         updated_at = now()`,
      [k.platform, k.repo, k.headSha, k.workflow, id, runId, completed, conclusion ?? null],
    );
  }
}
