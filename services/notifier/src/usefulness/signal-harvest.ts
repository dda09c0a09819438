/**
 * The signals the platforms send no webhook for, read once a pull request has ended (the merge or
 * close the ingress recorded in `pull_request_outcomes`): reactions on agentflow's inline comments
 * and summary, suggestions applied, and on GitLab discussions resolved by a person. Reading at the
 * end costs one read per comment once, instead of polling open PRs; a sweep spends at most
 * `maxRequests` platform requests and a PR at most `maxPerPullRequest`, so a busy installation
 * stays inside the rate limits (GitHub 5,000 an hour, GitLab 2,000 a minute). What was read is
 * stored per finding in `finding_signals` for `agentflow usefulness` (docs/usefulness.md). A comment
 * the platform answers 404 for was deleted by a person: it has no reactions, and the PR is harvested
 * on (a failed read would stop the sweep and leave the PR to be tried again every period).
 */
import { Periodic } from '../periodic';
import { describeError, type Platform } from '@agentflow/contracts';
import type { SqlDatabase } from '@agentflow/store';
import {
  NEGATIVE_REACTIONS,
  POSITIVE_REACTIONS,
  type CommentReactions,
  type HarvestTarget,
  type PersonReaction,
  type SignalReader,
} from './signal-readers';

/** Platform requests per sweep. */
export const HARVEST_MAX_REQUESTS = 60;
/** Platform requests for one pull request; the inline comments past it are not read. */
export const HARVEST_MAX_PER_PULL_REQUEST = 40;
/** Pull requests that ended longer ago than this are not harvested (a new installation does not read its whole past). */
export const HARVEST_WINDOW_DAYS = 14;
const PERIOD_SHARE = 0.9;
const SWEEP_NAME = 'signal-harvest';

export interface SignalHarvestOptions {
  db: SqlDatabase;
  readers: Partial<Record<Platform, SignalReader>>;
  /** `NOTIFIER_SIGNAL_HARVEST_MS`; 0 turns the harvest off. */
  intervalMs: number;
  /** @default HARVEST_MAX_REQUESTS */
  maxRequests?: number;
  /** @default HARVEST_MAX_PER_PULL_REQUEST */
  maxPerPullRequest?: number;
  log: { warn(message: string): void };
}

export interface HarvestedPullRequest {
  platform: Platform;
  repo: string;
  pr: number;
  requests: number;
  /** Findings given a signal, by signal. */
  signals: Record<'reacted_up' | 'reacted_down' | 'suggestion_applied' | 'thread_resolved', number>;
  summaries: number;
  /** Comments (inline and summary) a person deleted, read as having no reactions. */
  deleted: number;
  partial: string | null;
}

interface Ended {
  platform: Platform;
  repo: string;
  pr: number;
  installation_id: string | null;
  project_id: string | null;
}

interface Inline {
  workflow: string;
  fingerprint: string;
  comment_id: string;
  head_sha: string;
  resolved: boolean;
  finding_id: string | null;
  file: string | null;
  replacement: string | null;
}

/** A suggestion is looked for only when it has this many non-blank characters: `}` alone is everywhere. */
const MIN_SUGGESTION_CHARS = 8;

/** The text's lines, each trimmed, blank lines dropped: the comparison survives re-indenting. */
const normalized = (text: string): string =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join('\n');

/** Whether the suggested code is in the file at the end and was not where it was suggested: a proxy for "suggestion applied". */
export function suggestionApplied(
  replacement: string,
  before: string | undefined,
  after: string | undefined,
): boolean {
  const wanted = normalized(replacement);
  if (wanted.replace(/\s/g, '').length < MIN_SUGGESTION_CHARS || after === undefined) return false;
  const has = (text: string) => `\n${normalized(text)}\n`.includes(`\n${wanted}\n`);
  return has(after) && !(before !== undefined && has(before));
}

const side = (reactions: PersonReaction[], set: ReadonlySet<string>) =>
  new Set(reactions.filter((r) => set.has(r.content)).map((r) => r.login));

const present = (read: CommentReactions): PersonReaction[] => (read === 'deleted' ? [] : read);

export class SignalHarvest {
  private readonly periodic: Periodic;

  constructor(private readonly o: SignalHarvestOptions) {
    this.periodic = new Periodic(() => this.sweepOnce(), {
      intervalMs: o.intervalMs,
      failure: 'the signal harvest failed',
      log: o.log,
    });
  }

  start(): void {
    this.periodic.start();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }

  /** One sweep over ended pull requests not harvested yet, oldest end first; null when another replica swept within this period. */
  async sweepOnce(): Promise<HarvestedPullRequest[] | null> {
    if (!(await this.claimPeriod())) return null;
    const budget = this.o.maxRequests ?? HARVEST_MAX_REQUESTS;
    let spent = 0;
    const done: HarvestedPullRequest[] = [];
    for (const ended of await this.ended()) {
      const reader = this.o.readers[ended.platform];
      if (!reader) continue;
      const inline = await this.inline(ended);
      const summaries = await this.summaries(ended);
      const wanted = this.requestsFor(reader, inline, summaries);
      // A PR bigger than a whole sweep is read in part (its cap) rather than never.
      if (spent > 0 && spent + wanted > budget) break;
      try {
        const result = await this.harvest(
          reader,
          ended,
          inline,
          summaries,
          Math.min(budget - spent, this.o.maxPerPullRequest ?? HARVEST_MAX_PER_PULL_REQUEST),
        );
        spent += result.requests;
        done.push(result);
      } catch (error) {
        // Most likely a rate limit or an outage: this PR and the rest wait for the next sweep.
        this.o.log.warn(
          `notifier: harvesting signals of ${ended.repo}#${ended.pr} failed, the harvest stops here: ${describeError(error)}`,
        );
        break;
      }
      if (spent >= budget) break;
    }
    return done;
  }

  private requestsFor(
    reader: SignalReader,
    inline: Inline[],
    summaries: Array<{ comment_id: string }>,
  ): number {
    const suggestions = inline.filter((i) => i.replacement && i.file);
    const files = new Set(suggestions.flatMap((i) => [`${i.file}@${i.head_sha}`, `${i.file}@end`]));
    return (
      inline.length +
      summaries.length +
      (suggestions.length ? 1 + files.size : 0) +
      (reader.resolvedDiscussions ? 1 : 0)
    );
  }

  private async harvest(
    reader: SignalReader,
    ended: Ended,
    inline: Inline[],
    summaries: Array<{ workflow: string; comment_id: string }>,
    cap: number,
  ): Promise<HarvestedPullRequest> {
    const target: HarvestTarget = {
      repo: ended.repo,
      pr: ended.pr,
      installationId: ended.installation_id ? Number(ended.installation_id) : undefined,
      projectId: ended.project_id ? Number(ended.project_id) : undefined,
    };
    let requests = 0;
    let deleted = 0;
    const skipped: string[] = [];
    const room = () => requests < cap;
    const signals: HarvestedPullRequest['signals'] = {
      reacted_up: 0,
      reacted_down: 0,
      suggestion_applied: 0,
      thread_resolved: 0,
    };
    const writes: Array<{
      findingId: string;
      signal: keyof typeof signals;
      active: boolean;
      actor: string | null;
    }> = [];

    if (reader.resolvedDiscussions && room()) {
      requests += 1;
      const resolved = new Map(
        (await reader.resolvedDiscussions(target)).map((d) => [d.firstNoteId, d.resolvedBy]),
      );
      // A discussion agentflow resolved itself (its finding was fixed) is not a person's signal.
      for (const i of inline) {
        const by = resolved.get(i.comment_id);
        if (i.finding_id && by && !i.resolved)
          writes.push({ findingId: i.finding_id, signal: 'thread_resolved', active: true, actor: by });
      }
    }
    const summaryCounts: Array<{ workflow: string; positive: number; negative: number }> = [];
    for (const s of summaries) {
      if (!room()) {
        skipped.push(`summary of ${s.workflow}`);
        continue;
      }
      requests += 1;
      const read = await reader.summaryReactions(target, s.comment_id);
      if (read === 'deleted') deleted += 1;
      const reactions = present(read);
      summaryCounts.push({
        workflow: s.workflow,
        positive: side(reactions, POSITIVE_REACTIONS).size,
        negative: side(reactions, NEGATIVE_REACTIONS).size,
      });
    }
    let unread = 0;
    for (const i of inline) {
      if (!room()) {
        unread += 1;
        continue;
      }
      requests += 1;
      const read = await reader.inlineReactions(target, i.comment_id);
      if (read === 'deleted') deleted += 1;
      const reactions = present(read);
      if (!i.finding_id) continue;
      const up = side(reactions, POSITIVE_REACTIONS);
      const down = side(reactions, NEGATIVE_REACTIONS);
      writes.push({
        findingId: i.finding_id,
        signal: 'reacted_up',
        active: up.size > 0,
        actor: [...up][0] ?? null,
      });
      writes.push({
        findingId: i.finding_id,
        signal: 'reacted_down',
        active: down.size > 0,
        actor: [...down][0] ?? null,
      });
    }
    if (unread) skipped.push(`${unread} of ${inline.length} inline comments`);

    const suggested = inline.filter(
      (i): i is Inline & { file: string; replacement: string; finding_id: string } =>
        Boolean(i.replacement && i.file && i.finding_id),
    );
    if (suggested.length && room()) {
      requests += 1;
      const end = await reader.headSha(target);
      const files = new Map<string, Promise<string | undefined>>();
      const file = (path: string, ref: string) => {
        const k = `${path}@${ref}`;
        if (!files.has(k)) {
          requests += 1;
          files.set(k, reader.fileAt(target, path, ref));
        }
        return files.get(k)!;
      };
      let unchecked = 0;
      for (const i of suggested) {
        const reads = Number(!files.has(`${i.file}@${i.head_sha}`)) + Number(!files.has(`${i.file}@${end}`));
        if (requests + reads > cap) {
          unchecked += 1;
          continue;
        }
        // Posted on the last head: nothing came after it to apply the suggestion.
        const applied =
          i.head_sha !== end &&
          suggestionApplied(i.replacement, await file(i.file, i.head_sha), await file(i.file, end));
        writes.push({ findingId: i.finding_id, signal: 'suggestion_applied', active: applied, actor: null });
      }
      if (unchecked) skipped.push(`${unchecked} suggestions`);
    } else if (suggested.length) {
      skipped.push(`${suggested.length} suggestions`);
    }

    const partial = skipped.length ? `over the ${cap}-request cap: not read ${skipped.join(', ')}` : null;
    const deliveryId = `harvest:${ended.platform}:${ended.repo}#${ended.pr}`;
    await this.o.db.transaction(async (tx) => {
      for (const w of writes) {
        await tx.query(
          `INSERT INTO finding_signals (finding_id, signal, active, actor, occurred_at, delivery_id) VALUES ($1, $2, $3, $4, now(), $5)
           ON CONFLICT (finding_id, signal) DO UPDATE SET active = EXCLUDED.active, actor = EXCLUDED.actor, occurred_at = EXCLUDED.occurred_at,
             delivery_id = EXCLUDED.delivery_id, updated_at = now()
            WHERE EXCLUDED.occurred_at >= finding_signals.occurred_at`,
          [w.findingId, w.signal, w.active, w.actor, deliveryId],
        );
        if (w.active) signals[w.signal] += 1;
      }
      for (const s of summaryCounts) {
        await tx.query(
          `INSERT INTO summary_reactions (platform, repo, pr, workflow, positive, negative) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (platform, repo, pr, workflow) DO UPDATE SET positive = EXCLUDED.positive, negative = EXCLUDED.negative, read_at = now()`,
          [ended.platform, ended.repo, ended.pr, s.workflow, s.positive, s.negative],
        );
      }
      await tx.query(
        `INSERT INTO notifier_signal_harvests (platform, repo, pr, requests, partial) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (platform, repo, pr) DO UPDATE SET requests = EXCLUDED.requests, partial = EXCLUDED.partial, harvested_at = now()`,
        [ended.platform, ended.repo, ended.pr, requests, partial],
      );
    });
    if (partial) this.o.log.warn(`notifier: signals of ${ended.repo}#${ended.pr} read in part, ${partial}`);
    return {
      platform: ended.platform,
      repo: ended.repo,
      pr: ended.pr,
      requests,
      signals,
      summaries: summaryCounts.length,
      deleted,
      partial,
    };
  }

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

  /** Ended pull requests with something agentflow posted and no harvest yet, with the platform address of their latest run. */
  private async ended(): Promise<Ended[]> {
    const { rows } = await this.o.db.query<Ended>(
      `SELECT o.platform, o.repo, o.pr,
              (SELECT r.report -> 'change' ->> 'installationId' FROM runs r WHERE r.platform = o.platform AND r.repo = o.repo AND r.pr = o.pr ORDER BY r.requested_at DESC LIMIT 1) AS installation_id,
              (SELECT r.report -> 'change' ->> 'projectId' FROM runs r WHERE r.platform = o.platform AND r.repo = o.repo AND r.pr = o.pr ORDER BY r.requested_at DESC LIMIT 1) AS project_id
         FROM pull_request_outcomes o
        WHERE o.ended_at > now() - $1::integer * interval '1 day'
          AND NOT EXISTS (SELECT 1 FROM notifier_signal_harvests h WHERE h.platform = o.platform AND h.repo = o.repo AND h.pr = o.pr)
          AND (EXISTS (SELECT 1 FROM notifier_inline_comments ic WHERE ic.platform = o.platform AND ic.repo = o.repo AND ic.pr = o.pr)
               OR EXISTS (SELECT 1 FROM notifier_summaries s WHERE s.platform = o.platform AND s.repo = o.repo AND s.pr = o.pr))
        ORDER BY o.ended_at
        LIMIT 50`,
      [HARVEST_WINDOW_DAYS],
    );
    return rows.map((r) => ({ ...r, pr: Number(r.pr) }));
  }

  private async inline(e: Ended): Promise<Inline[]> {
    const { rows } = await this.o.db.query<Inline>(
      `SELECT ic.workflow, ic.fingerprint, ic.comment_id, ic.head_sha, ic.resolved, f.id AS finding_id, f.file, f.suggestion ->> 'replacement' AS replacement
         FROM notifier_inline_comments ic
         LEFT JOIN findings f ON f.platform = ic.platform AND f.repo = ic.repo AND f.pr = ic.pr AND f.workflow = ic.workflow AND f.fingerprint = ic.fingerprint
        WHERE ic.platform = $1 AND ic.repo = $2 AND ic.pr = $3
        ORDER BY ic.created_at, ic.fingerprint`,
      [e.platform, e.repo, e.pr],
    );
    return rows;
  }

  private async summaries(e: Ended): Promise<Array<{ workflow: string; comment_id: string }>> {
    const { rows } = await this.o.db.query<{ workflow: string; comment_id: string }>(
      'SELECT workflow, comment_id FROM notifier_summaries WHERE platform = $1 AND repo = $2 AND pr = $3 ORDER BY workflow',
      [e.platform, e.repo, e.pr],
    );
    return rows;
  }
}
