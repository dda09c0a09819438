/**
 * The GitHub check run `agentflow/<workflow>` of one run, inside its write budget: created once (in
 * progress), progress at most once per {@link PROGRESS_INTERVAL_MS} and never the same output twice,
 * completed once. A run under 30 s makes 2 check-run writes; any run at most 2 plus one per 30 s of
 * its length (plus one per further 50 annotations at the end). GitHub's secondary limits allow about
 * 80 content-creating requests a minute; a check PATCHed on every step event spends them on noise.
 *
 * Before creating, the check runs of the head are read back and one with this run's `external_id`
 * is taken over: a notifier that died between GitHub's create and its own record must not leave a
 * second check run (the first stuck `in_progress` for ever).
 */
import { createHash } from 'node:crypto';
import type { Octokit } from '@octokit/rest';
import type { Finding, RunProgress, RunReport } from '@agentflow/contracts';
import { sanitizeMarkdown } from '../../render/markdown';
import { incompleteHeadline } from '../../render/incomplete';
import type { CheckKey, PostedStore } from '../posted-store';
import type { SinkResult } from '../sink';

/** At most one progress write per this many milliseconds per check run. */
export const PROGRESS_INTERVAL_MS = 30_000;

const ANNOTATION_LEVEL: Record<string, 'failure' | 'warning' | 'notice'> = {
  blocker: 'failure',
  major: 'warning',
  minor: 'notice',
  info: 'notice',
};
const ANNOTATIONS_PER_REQUEST = 50;
const MAX_ANNOTATIONS = 500;

export function checkName(workflow: string): string {
  return `agentflow/${workflow}`;
}

function split(repo: string) {
  const [owner, name] = repo.split('/');
  return { owner, repo: name };
}

export interface CheckRunWriterOptions {
  posted: PostedStore;
  /** Calls GitHub, waiting out short rate limits in place (see withRetryAfter). */
  call<T>(what: string, fn: () => Promise<T>): Promise<T>;
  /** Base URL of the CI API, for the check run's details link. */
  publicUrl?: string;
  log?: { warn(message: string): void };
  /** Epoch ms; a test moves it to cross the progress interval. @default Date.now */
  clock?: () => number;
}

/** What a completed check says. */
export interface CheckResult {
  conclusion: string;
  reason: string;
  /** Findings shown as annotations (not inline). */
  annotations: Finding[];
  /** Set when the run failed on our side: the title says it did not finish. */
  failure?: string;
}

/**
 * The check's title, which GitHub shows in the pull request's list of checks: the counts, and when
 * the review is incomplete which steps failed, so a neutral check never reads like a clean one.
 */
export function checkTitle(report: RunReport): string {
  const counts = `${report.findings.length} finding(s): ${report.findings.filter((f) => f.severity === 'blocker').length} blocker, ${report.findings.filter((f) => f.severity === 'major').length} major`;
  const why = incompleteHeadline(report);
  return why ? `${counts} · ${why}`.slice(0, 255) : counts;
}

type GitHubCheckRun = { id: number; status: string; conclusion: string | null; external_id: string | null };

export class CheckRunWriter {
  constructor(private readonly o: CheckRunWriterOptions) {}

  private now(): number {
    return (this.o.clock ?? Date.now)();
  }

  private detailsUrl(runId: string): string | undefined {
    return this.o.publicUrl ? `${this.o.publicUrl}/api/runs/${runId}` : undefined;
  }

  /** Live status: the run's check shows each step's state until the result replaces it. */
  progress(octokit: Octokit, p: RunProgress): Promise<SinkResult> {
    const key: CheckKey = {
      platform: 'github',
      repo: p.change.repo,
      headSha: p.change.headSha,
      workflow: p.workflow,
    };
    return this.o.posted.exclusiveCheckRun(key, async (locked) => {
      const found = await locked.checkRun(key);
      // Another run on the same head (a `/agentflow review`) gets a check run of its own.
      const mine = found?.runId === p.runId ? found : null;
      if (mine?.completed) return { state: 'skipped', detail: 'the check run already has its result' };
      const lines = Object.entries(p.steps).map(([id, state]) => `- \`${id}\`: ${state}`);
      const output = {
        title: `Running (${Object.values(p.steps).filter((s) => s === 'succeeded').length}/${lines.length} steps done)`,
        summary: lines.join('\n') || 'Starting',
      };
      const digest = createHash('sha256').update(JSON.stringify(output)).digest('hex').slice(0, 32);
      const now = this.now();
      if (mine) {
        if (mine.progressDigest === digest)
          return { state: 'skipped', detail: `check run ${mine.id} already shows this progress` };
        if (mine.progressWrittenAt !== null && now - mine.progressWrittenAt < PROGRESS_INTERVAL_MS) {
          return {
            state: 'skipped',
            detail: `progress coalesced: check run ${mine.id} was written ${Math.round((now - mine.progressWrittenAt) / 1000)} s ago (at most once per ${PROGRESS_INTERVAL_MS / 1000} s)`,
          };
        }
        await this.o.call('update check run', () =>
          octokit.checks.update({
            ...split(p.change.repo),
            check_run_id: Number(mine.id),
            status: 'in_progress',
            output,
          }),
        );
        await locked.saveProgressWrite(key, p.runId, now, digest);
        return { state: 'delivered', detail: `check run ${mine.id} in progress` };
      }
      const earlier = await this.findEarlier(octokit, key, p.runId);
      if (earlier) {
        await locked.saveCheckRun(
          key,
          String(earlier.id),
          p.runId,
          earlier.status === 'completed',
          earlier.conclusion ?? undefined,
        );
        // Counted as a write now: the next progress waits its turn like any other.
        await locked.saveProgressWrite(key, p.runId, now, '');
        return {
          state: 'skipped',
          detail: `took over check run ${earlier.id}, created before a crash; not written again`,
        };
      }
      const created = await this.o.call('create check run', () =>
        octokit.checks.create({
          ...split(p.change.repo),
          name: checkName(p.workflow),
          head_sha: p.change.headSha,
          status: 'in_progress',
          external_id: p.runId,
          details_url: this.detailsUrl(p.runId),
          output,
        }),
      );
      await locked.saveCheckRun(key, String(created.data.id), p.runId, false);
      await locked.saveProgressWrite(key, p.runId, now, digest);
      return { state: 'delivered', detail: `check run ${created.data.id} created in progress` };
    });
  }

  /** The result: the run's check run completed once (created completed when none exists yet). */
  complete(octokit: Octokit, report: RunReport, result: CheckResult): Promise<Record<string, unknown>> {
    const key: CheckKey = {
      platform: 'github',
      repo: report.change.repo,
      headSha: report.change.headSha,
      workflow: report.workflow,
    };
    return this.o.posted.exclusiveCheckRun(key, (locked) =>
      this.writeResult(octokit, locked, key, report, result),
    );
  }

  private async writeResult(
    octokit: Octokit,
    locked: PostedStore,
    key: CheckKey,
    report: RunReport,
    r: CheckResult,
  ): Promise<Record<string, unknown>> {
    const found = await locked.checkRun(key);
    let existing: { id: string; completed: boolean; conclusion: string | null } | null =
      found?.runId === report.runId ? found : null;
    if (!existing) {
      const earlier = await this.findEarlier(octokit, key, report.runId);
      if (earlier)
        existing = {
          id: String(earlier.id),
          completed: earlier.status === 'completed',
          conclusion: earlier.conclusion,
        };
    }
    // Completed once: a redelivered result (or one whose record a crash lost) writes nothing again.
    if (existing?.completed) {
      await locked.saveCheckRun(key, existing.id, report.runId, true, existing.conclusion ?? r.conclusion);
      return {
        action: 'kept',
        checkRunId: Number(existing.id),
        conclusion: existing.conclusion ?? r.conclusion,
        reason: 'the check run already has its result',
      };
    }
    const list = r.annotations.slice(0, MAX_ANNOTATIONS).map((f) => ({
      path: f.file,
      start_line: f.startLine,
      end_line: Math.max(f.startLine, f.endLine),
      annotation_level: ANNOTATION_LEVEL[f.severity],
      title: `${f.severity} · ${f.category}`.slice(0, 255),
      message: sanitizeMarkdown(f.message).slice(0, 64_000),
    }));
    const output = (chunk: typeof list) => ({
      title: r.failure ? 'agentflow did not finish' : checkTitle(report),
      summary: `${sanitizeMarkdown(r.reason)}${r.failure ? `\n\n${sanitizeMarkdown(r.failure)}` : ''}`.slice(
        0,
        65_000,
      ),
      annotations: chunk,
    });
    const first = list.slice(0, ANNOTATIONS_PER_REQUEST);
    const conclusion = r.conclusion as 'neutral';
    let id: number;
    if (existing) {
      id = Number(existing.id);
      await this.o.call('complete check run', () =>
        octokit.checks.update({
          ...split(report.change.repo),
          check_run_id: id,
          status: 'completed',
          conclusion,
          completed_at: new Date(report.finishedAt).toISOString(),
          output: output(first),
        }),
      );
    } else {
      const created = await this.o.call('create check run', () =>
        octokit.checks.create({
          ...split(report.change.repo),
          name: checkName(report.workflow),
          head_sha: report.change.headSha,
          external_id: report.runId,
          details_url: this.detailsUrl(report.runId),
          status: 'completed',
          conclusion,
          started_at: new Date(report.startedAt).toISOString(),
          completed_at: new Date(report.finishedAt).toISOString(),
          output: output(first),
        }),
      );
      id = created.data.id;
    }
    // The API takes 50 annotations per request; later updates append.
    for (let i = ANNOTATIONS_PER_REQUEST; i < list.length; i += ANNOTATIONS_PER_REQUEST) {
      const chunk = list.slice(i, i + ANNOTATIONS_PER_REQUEST);
      await this.o.call('add annotations', () =>
        octokit.checks.update({ ...split(report.change.repo), check_run_id: id, output: output(chunk) }),
      );
    }
    await locked.saveCheckRun(key, String(id), report.runId, true, r.conclusion);
    return {
      action: existing ? 'updated' : 'created',
      checkRunId: id,
      conclusion: r.conclusion,
      annotations: list.length,
    };
  }

  /**
   * The check run GitHub already has for this run (its `external_id`), when our record has none:
   * created by a notifier that died before recording it. All of the head's runs of this name, not
   * only the latest (`filter: all`): another run on the same head may have written one since.
   */
  private async findEarlier(octokit: Octokit, key: CheckKey, runId: string): Promise<GitHubCheckRun | null> {
    const runs = await this.o.call('list check runs', () =>
      octokit.paginate(octokit.checks.listForRef, {
        ...split(key.repo),
        ref: key.headSha,
        check_name: checkName(key.workflow),
        filter: 'all',
        per_page: 100,
      }),
    );
    const ours = runs.filter((c) => c.external_id === runId).sort((a, b) => b.id - a.id);
    if (ours.length === 0) return null;
    const run = ours[0];
    this.o.log?.warn(
      `notifier: check run ${run.id} of run ${runId} on ${key.repo}@${key.headSha.slice(0, 12)} exists on GitHub but was not recorded ` +
        `(the notifier stopped between GitHub's write and its record); taking it over instead of creating a second one`,
    );
    return { id: run.id, status: run.status, conclusion: run.conclusion, external_id: run.external_id };
  }
}
