/**
 * GitHub sends no webhook for reactions, so a 👎 on an inline comment was seen only when the
 * notifier next posted for the PR (a push). The sweep reads them between pushes, but only where it
 * can unblock someone: PRs whose latest check for a workflow failed, on unresolved inline comments
 * posted in the last 7 days, least recently read first, and at most `maxCalls` reads per sweep so
 * a busy installation stays inside GitHub's rate limit. A 👎 found is recorded and published as
 * `finding.dismissed` (as a result delivery does), and the dismissal consumer judges the gate again.
 * A comment a person deleted (GitHub answers 404 for its reactions) has none: it is marked read
 * with the rest of its PR and the sweep goes on, rather than stopping there every period.
 */
import { Periodic } from '../periodic';
import { describeError, type FindingDismissed } from '@agentflow/contracts';
import type { SqlDatabase } from '@agentflow/store';
import type { GitHubSink } from '../sinks/github/github-sink';
import type { PrKey } from '../sinks/posted-store';

/** Reaction reads (one GitHub request each) per sweep. */
export const REACTION_SWEEP_MAX_CALLS = 50;
/** Inline comments older than this are not read any more. */
export const REACTION_SWEEP_WINDOW_DAYS = 7;
/** A replica sweeps only if no replica started a sweep within this share of the interval (timers drift). */
const PERIOD_SHARE = 0.9;
const SWEEP_NAME = 'github-reaction-sweep';

export interface ReactionSweepOptions {
  db: SqlDatabase;
  github: Pick<GitHubSink, 'readThumbsDown'>;
  /** `NOTIFIER_REACTION_SWEEP_MS`; 0 turns the sweep off. */
  intervalMs: number;
  /** @default REACTION_SWEEP_MAX_CALLS */
  maxCalls?: number;
  log: { warn(message: string): void };
}

export interface SweepResult {
  /** Comments whose reactions were read (one request each). */
  read: number;
  dismissed: FindingDismissed[];
}

interface Candidate {
  repo: string;
  pr: number;
  workflow: string;
  fingerprint: string;
  comment_id: string;
  installation_id: string | null;
}

export class ReactionSweep {
  private readonly periodic: Periodic;

  constructor(private readonly o: ReactionSweepOptions) {
    this.periodic = new Periodic(() => this.sweepOnce(), {
      intervalMs: o.intervalMs,
      failure: 'the GitHub reaction sweep failed',
      log: o.log,
    });
  }

  start(): void {
    this.periodic.start();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }

  /** One sweep, or null when another replica swept within this period. */
  async sweepOnce(): Promise<SweepResult | null> {
    if (!(await this.claimPeriod())) return null;
    const candidates = await this.candidates(this.o.maxCalls ?? REACTION_SWEEP_MAX_CALLS);
    const groups = new Map<string, Candidate[]>();
    for (const c of candidates)
      groups.set(`${c.repo}#${c.pr}:${c.workflow}`, [
        ...(groups.get(`${c.repo}#${c.pr}:${c.workflow}`) ?? []),
        c,
      ]);
    const result: SweepResult = { read: 0, dismissed: [] };
    for (const group of groups.values()) {
      const { repo, pr, workflow, installation_id } = group[0];
      const key: PrKey = { platform: 'github', repo, pr, workflow };
      const refs = group.map((c) => ({
        fingerprint: c.fingerprint,
        commentId: c.comment_id,
        resolved: false,
      }));
      try {
        result.dismissed.push(
          ...(await this.o.github.readThumbsDown(
            installation_id ? Number(installation_id) : undefined,
            key,
            refs,
          )),
        );
      } catch (error) {
        // Most likely a rate limit or an outage: the rest waits for the next sweep rather than adding to it.
        this.o.log.warn(
          `notifier: reading reactions on ${repo}#${pr} failed, the sweep stops here: ${describeError(error)}`,
        );
        break;
      }
      result.read += refs.length;
      await this.markRead(
        key,
        refs.map((r) => r.fingerprint),
      );
    }
    return result;
  }

  /** Moves the sweep's start forward only if no replica did within the period: one sweep per period across replicas. */
  private async claimPeriod(): Promise<boolean> {
    const { rows } = await this.o.db.query(
      `INSERT INTO notifier_sweeps (name, started_at) VALUES ($1, now())
       ON CONFLICT (name) DO UPDATE SET started_at = now()
         WHERE notifier_sweeps.started_at <= now() - $2::double precision * interval '1 millisecond'
       RETURNING started_at`,
      [SWEEP_NAME, this.o.intervalMs * PERIOD_SHARE],
    );
    return rows.length > 0;
  }

  /**
   * Unresolved inline comments of the last days on PRs whose latest check of that workflow failed,
   * skipping those already read since their dismissal was recorded.
   */
  private async candidates(limit: number): Promise<Candidate[]> {
    const { rows } = await this.o.db.query<Candidate>(
      `WITH latest AS (
         SELECT DISTINCT ON (r.repo, r.pr, c.workflow) r.repo, r.pr, c.workflow, c.conclusion, r.report -> 'change' ->> 'installationId' AS installation_id
           FROM notifier_check_runs c JOIN runs r ON r.id = c.run_id
          WHERE c.platform = 'github' AND r.pr IS NOT NULL
          ORDER BY r.repo, r.pr, c.workflow, c.updated_at DESC
       )
       SELECT ic.repo, ic.pr, ic.workflow, ic.fingerprint, ic.comment_id, latest.installation_id
         FROM notifier_inline_comments ic
         JOIN latest ON latest.repo = ic.repo AND latest.pr = ic.pr AND latest.workflow = ic.workflow
        WHERE ic.platform = 'github' AND NOT ic.resolved AND latest.conclusion = 'failure'
          AND ic.created_at > now() - $2::integer * interval '1 day'
          AND NOT EXISTS (
            SELECT 1 FROM finding_dismissals fd
             WHERE fd.platform = 'github' AND fd.repo = ic.repo AND fd.pr = ic.pr AND fd.fingerprint_prefix = ic.fingerprint
               AND ic.reactions_checked_at >= fd.created_at)
        ORDER BY ic.reactions_checked_at ASC NULLS FIRST, ic.created_at DESC
        LIMIT $1`,
      [limit, REACTION_SWEEP_WINDOW_DAYS],
    );
    return rows.map((r) => ({ ...r, pr: Number(r.pr) }));
  }

  private async markRead(key: PrKey, fingerprints: string[]): Promise<void> {
    await this.o.db.query(
      `UPDATE notifier_inline_comments SET reactions_checked_at = now()
        WHERE platform = $1 AND repo = $2 AND pr = $3 AND workflow = $4 AND fingerprint = ANY($5)`,
      [key.platform, key.repo, key.pr, key.workflow, fingerprints],
    );
  }
}
