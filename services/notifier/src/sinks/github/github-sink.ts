/**
 * GitHub: one comment per PR with a section per workflow (updated in place, never by an older
 * head), one COMMENT review per head across workflows, one inline comment per finding fingerprint
 * across workflows (ADR 0079); the check run (live while the run is in progress, annotations and a
 * gate-following conclusion at the end), resolved threads for fixed findings, thumbs-down
 * dismissals, and generated files.
 */
import type { Octokit } from '@octokit/rest';
import type {
  Finding,
  FindingDismissed,
  PushFilesCommand,
  RunProgress,
  RunReport,
} from '@agentflow/contracts';
import { resultConclusion, type Regated } from '../../dismissals/regate';
import type { NotifierEvent } from '../../events';
import { checkConclusion } from '../../render/conclusion';
import { sanitizeMarkdown } from '../../render/markdown';
import { readOutputs } from '../../render/outputs';
import { diffLinesOf, placeFindings, placementOfPosted, type Placement } from '../../render/placement';
import { renderSummary, shortId } from '../../render/summary';
import type { InlineRef, PostedStore, PrKey } from '../posted-store';
import { httpStatusOf, withRetryAfter } from '../retry-after';
import type { Sink, SinkResult } from '../sink';
import { CheckRunWriter } from './check-run';
import type { GitHubAccess } from './github-access';
import { postReview, reviewOnHead, rewriteOwnSection, writeSection } from './pr-voice';
import { pushFiles } from './push-files';
import { renderQuietNotes, type Quieting } from '../../usefulness/quieting';

export interface GitHubSinkOptions {
  access: GitHubAccess;
  posted: PostedStore;
  defaultMaxInline: number;
  maxWaitMs: number;
  /** Base URL of the CI API, for the check run's details link. */
  publicUrl?: string;
  /**
   * Tells the coordinator about a 👎 dismissal (`finding.dismissed`), so later reports leave the
   * finding out too. GitHub sends no webhook for reactions: the notifier is the one that sees them.
   */
  announceDismissal?: (dismissal: FindingDismissed) => Promise<void>;
  /** Warnings: a rate limit waited out in place, a check run found on GitHub that a crash left unrecorded. */
  log?: { warn(message: string): void };
  /** Epoch ms, for the check run's progress interval. @default Date.now */
  clock?: () => number;
  /** Quiets rules and agents people keep dismissing in a repository (`NOTIFIER_QUIET_*`); absent: off. */
  quieting?: Pick<Quieting, 'apply'>;
}

function split(repo: string) {
  const [owner, name] = repo.split('/');
  return { owner, repo: name };
}

export { checkName } from './check-run';

/** One ref per fingerprint (the unresolved one first): two workflows' rows may name the same finding. */
function onePerFingerprint<T extends InlineRef>(refs: T[]): T[] {
  const byFingerprint = new Map<string, T>();
  for (const r of [...refs].sort((a, b) => Number(a.resolved) - Number(b.resolved)))
    if (!byFingerprint.has(r.fingerprint)) byFingerprint.set(r.fingerprint, r);
  return [...byFingerprint.values()];
}

export class GitHubSink implements Sink {
  readonly name = 'github';
  /** The check run and its write budget (check-run.ts). */
  private readonly checks: CheckRunWriter;

  constructor(private readonly o: GitHubSinkOptions) {
    this.checks = new CheckRunWriter({
      posted: o.posted,
      call: (what, fn) => this.call(what, fn),
      publicUrl: o.publicUrl,
      log: o.log,
      clock: o.clock,
    });
  }

  target(event: NotifierEvent): string | null {
    if (event.kind === 'alert' || event.kind === 'budget-alert') return null;
    const change =
      event.kind === 'progress'
        ? event.progress.change
        : event.kind === 'push-files'
          ? event.command.change
          : event.kind === 'gate-reassessment'
            ? event.regated.original.change
            : event.report.change;
    if (change.platform !== 'github') return null;
    return change.pr ? `github:${change.repo}#${change.pr}` : `github:${change.repo}@${change.headSha}`;
  }

  private call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withRetryAfter(`GitHub ${what}`, fn, this.o.maxWaitMs, { log: this.o.log });
  }

  async deliver(event: NotifierEvent): Promise<SinkResult> {
    switch (event.kind) {
      case 'progress':
        return this.progress(event.progress);
      case 'push-files':
        return this.files(event.command);
      case 'completed':
        return this.result(event.report);
      case 'failed':
        return this.result(event.report, `${event.failure.code}: ${event.failure.reason}`);
      case 'gate-reassessment':
        return this.reassess(event.regated);
      default:
        return { state: 'skipped', detail: 'alerts go to Slack' };
    }
  }

  /** Live status: the check run shows each step's state until the result replaces it (at most once per 30 s). */
  async progress(p: RunProgress): Promise<SinkResult> {
    const octokit = await this.o.access.octokit(p.change.installationId);
    return this.checks.progress(octokit, p);
  }

  private async result(report: RunReport, failure?: string): Promise<SinkResult> {
    if (report.rollout === 'shadow' || report.rollout === 'off')
      return { state: 'skipped', detail: `rollout is ${report.rollout}: nothing is posted` };
    const outputs = readOutputs(report, this.o.defaultMaxInline);
    const octokit = await this.o.access.octokit(report.change.installationId);
    let { conclusion, reason } = checkConclusion(report, Boolean(failure));
    const data: Record<string, unknown> = {};
    const pr = report.change.pr;
    let placement: Placement = {
      inline: [],
      annotations: report.findings.filter((f) => f.startLine > 0),
      summaryOnly: report.findings,
      outsideDiff: [],
      stillOpen: [],
    };
    if (pr) {
      const key: PrKey = { platform: 'github', repo: report.change.repo, pr, workflow: report.workflow };
      const pull = await this.call('get pull request', () =>
        octokit.pulls.get({ ...split(report.change.repo), pull_number: pr }),
      );
      const currentHead = pull.data.head.sha;
      const stale = currentHead !== report.change.headSha;
      const files = await this.call('list pull request files', () =>
        octokit.paginate(octokit.pulls.listFiles, {
          ...split(report.change.repo),
          pull_number: pr,
          per_page: 100,
        }),
      );
      const diffLines = new Map(files.map((f) => [f.filename, diffLinesOf(f.patch)]));
      const inlineRefs = await this.o.posted.inline(key);
      // A 👎 on any workflow's comment for a finding dismisses it on the PR (one comment per
      // fingerprint): read them all before this run's gate is judged.
      await this.collectReactionDismissals(
        octokit,
        key,
        onePerFingerprint(await this.o.posted.inlineOnPr(key)),
      );
      const dismissed = await this.o.posted.dismissed(key);
      ({ conclusion, reason } = resultConclusion(report, Boolean(failure), dismissed));
      let filesNote: string | undefined;
      if (outputs.createFiles && report.proposedFiles.length && !failure) {
        const pushed = await pushFiles(
          octokit,
          {
            change: report.change,
            branch: `agentflow/${report.workflow}/${report.runId.slice(0, 12)}`,
            baseSha: report.change.headSha,
            commitMessage: `agentflow ${report.workflow}: generated files for ${report.change.headSha.slice(0, 12)} (run ${report.runId})`,
            files: report.proposedFiles,
            mode: outputs.filesMode,
            prTitle: `agentflow: ${report.workflow} files for #${pr}`,
            prBody: `Generated by agentflow (${report.workflow}) for #${pr} at ${report.change.headSha}.\n\n${report.proposedFiles.map((f) => `- \`${f.path}\`: ${sanitizeMarkdown(f.purpose)}`).join('\n')}`,
          },
          this.o.maxWaitMs,
        );
        data.files = pushed;
        filesNote = pushed.pullRequest
          ? `Generated files: #${pushed.pullRequest} (branch \`${pushed.branch}\`).`
          : `Generated files committed to \`${pushed.branch}\` (${pushed.commitSha.slice(0, 12)}).`;
      }
      const quiet = this.o.quieting
        ? await this.o.quieting.apply('github', report.change.repo, report.findings, report.runId)
        : undefined;
      // As shown: quieted findings one severity lower (or kept from inline); the gate stays the agents' own.
      const shown: RunReport = quiet ? { ...report, findings: quiet.findings } : report;
      // One voice per pull request (ADR 0079): the comment, the head's review and the inline
      // comments are decided and written with the PR's lock held, across workflows.
      placement = await this.o.posted.exclusivePr(key, async (store) => {
        const ctx = {
          octokit,
          store,
          key,
          call: <T>(what: string, fn: () => Promise<T>) => this.call(what, fn),
        };
        const onPr = await store.inlineOnPr(key);
        const review =
          outputs.inlineComments && !stale ? await reviewOnHead(ctx, report.change.headSha) : null;
        // Another workflow's run already reviewed this head: no second review, its findings go to the comment.
        const reviewedByOther = review !== null && review.runId !== report.runId;
        const placed = placeFindings({
          findings: shown.findings,
          findingStates: report.findingStates,
          diffLines,
          dismissed,
          notInline: quiet?.summaryOnly,
          // This run's own comments (a redelivery) stay its inline placement, so the section reads the same.
          alreadyPosted: new Set(onPr.filter((r) => r.runId !== report.runId).map((r) => r.fingerprint)),
          // Inline comments on a head that moved on would land on the wrong lines: only the summary then.
          maxInline: stale || reviewedByOther ? 0 : outputs.maxInlineComments,
          inlineEnabled: outputs.inlineComments && !stale && !reviewedByOther,
          annotationsEnabled: outputs.checkRun,
        });
        if (outputs.githubComment) {
          const quietNote = renderQuietNotes(quiet?.notes ?? []);
          data.summary = await writeSection(
            ctx,
            report,
            renderSummary({
              report: shown,
              placement: placed,
              conclusion,
              conclusionReason: reason,
              failure,
              filesNote,
              quietNote,
            }),
            currentHead,
          );
        }
        if (quiet?.notes.length) data.quieted = quiet.notes.map((n) => `${n.kind}:${n.key}`);
        if (placed.inline.length) data.review = await postReview(ctx, report, placed.inline, review);
        else if (reviewedByOther) data.review = { reviewId: review.id, by: review.runId, comments: 0 };
        data.resolved = await this.resolveFixed(octokit, key, report, inlineRefs, store);
        return placed;
      });
    }
    if (outputs.checkRun)
      data.checkRun = await this.completeCheckRun(
        octokit,
        report,
        conclusion,
        reason,
        placement.annotations,
        failure,
      );
    return {
      state: 'delivered',
      detail: `summary ${JSON.stringify(data.summary ?? 'off')}, ${placement.inline.length} inline, check ${conclusion}`,
      data,
    };
  }

  /**
   * The reaction sweep's way in (GitHub sends no webhook for reactions): reads the 👎 on these
   * inline comments, one call each, and dismisses what it finds exactly as a result delivery does.
   */
  async readThumbsDown(
    installationId: number | undefined,
    key: PrKey,
    refs: Array<{ fingerprint: string; commentId: string; resolved: boolean }>,
  ): Promise<FindingDismissed[]> {
    const octokit = await this.o.access.octokit(installationId);
    return this.collectReactionDismissals(octokit, key, refs, refs.length);
  }

  /**
   * A 👎 on one of our inline comments, from a person with write access to the repository,
   * dismisses that finding for the PR. Write access is checked because a dismissal can turn the
   * gate green: on a public repository anyone may react, as with `/agentflow dismiss`.
   */
  private async collectReactionDismissals(
    octokit: Octokit,
    key: PrKey,
    refs: Array<{ fingerprint: string; commentId: string; resolved: boolean }>,
    limit = 50,
  ): Promise<FindingDismissed[]> {
    const found: FindingDismissed[] = [];
    const writers = new Map<string, Promise<boolean>>();
    const canWrite = (login: string) => {
      let known = writers.get(login);
      if (!known) writers.set(login, (known = this.canWrite(octokit, key.repo, login)));
      return known;
    };
    for (const ref of refs.filter((r) => !r.resolved).slice(0, limit)) {
      const reactions = await this.call('list reactions', () =>
        octokit.reactions.listForPullRequestReviewComment({
          ...split(key.repo),
          comment_id: Number(ref.commentId),
          content: '-1',
          per_page: 100,
        }),
      )
        // 404: a person deleted the comment, and its reactions with it. The other comments are read on.
        .catch((error: unknown) => {
          if (httpStatusOf(error) === 404) return { data: [] };
          throw error;
        });
      let person: (typeof reactions.data)[number] | undefined;
      for (const r of reactions.data) {
        if (!r.user || r.user.type === 'Bot') continue;
        if (await canWrite(r.user.login)) {
          person = r;
          break;
        }
      }
      if (!person?.user) continue;
      await this.o.posted.recordDismissal(key, ref.fingerprint, person.user.login);
      const dismissal: FindingDismissed = {
        platform: 'github',
        repo: key.repo,
        pr: key.pr,
        fingerprint: ref.fingerprint,
        by: person.user.login,
        reason: 'thumbs-down',
      };
      // Every time it is seen, not only the first: an announcement lost to a crash is made on the next result.
      await this.o.announceDismissal?.(dismissal);
      found.push(dismissal);
    }
    return found;
  }

  /**
   * A finished run's findings were dismissed: its summary says which and by whom, and its check run
   * takes the conclusion judged without them. Only while the run's head is the PR's head, and only
   * the check and summary this run wrote (another run on the head has its own).
   */
  private async reassess(r: Regated): Promise<SinkResult> {
    const report = r.original;
    const pr = report.change.pr;
    if (!pr) return { state: 'skipped', detail: 'not a pull request' };
    if (report.rollout === 'shadow' || report.rollout === 'off')
      return { state: 'skipped', detail: `rollout is ${report.rollout}: nothing is posted` };
    const outputs = readOutputs(report, this.o.defaultMaxInline);
    const octokit = await this.o.access.octokit(report.change.installationId);
    const pull = await this.call('get pull request', () =>
      octokit.pulls.get({ ...split(report.change.repo), pull_number: pr }),
    );
    if (pull.data.head.sha !== report.change.headSha)
      return {
        state: 'skipped',
        detail: `the PR moved on to ${pull.data.head.sha.slice(0, 12)}: the run for it judges the gate`,
      };
    const key: PrKey = { platform: 'github', repo: report.change.repo, pr, workflow: report.workflow };
    const checkKey = {
      platform: 'github' as const,
      repo: report.change.repo,
      headSha: report.change.headSha,
      workflow: report.workflow,
    };
    const data: Record<string, unknown> = {};
    if (outputs.checkRun) {
      data.checkRun = await this.o.posted.exclusiveCheckRun(checkKey, async (locked) => {
        const found = await locked.checkRun(checkKey);
        if (!found || found.runId !== report.runId || !found.completed)
          return {
            action: 'kept',
            reason: 'the check run on this head belongs to another run, or is not written yet',
          };
        const shown = found.conclusion ?? r.before.conclusion;
        if (shown === r.after.conclusion) return { action: 'kept', conclusion: shown };
        const blockers = r.adjusted.findings.filter((f) => f.severity === 'blocker').length;
        await this.call('update check run', () =>
          octokit.checks.update({
            ...split(report.change.repo),
            check_run_id: Number(found.id),
            status: 'completed',
            conclusion: r.after.conclusion,
            output: {
              title: `${r.adjusted.findings.length} finding(s): ${blockers} blocker, ${r.dismissed.length} dismissed`,
              summary:
                `${sanitizeMarkdown(r.after.reason)}\n\nDismissed since the review:\n${r.dismissed.map((d) => `- \`${shortId(d.finding.fingerprint)}\` ${d.finding.severity} \`${d.finding.file}:${d.finding.startLine}\` by ${d.by}`).join('\n')}`.slice(
                  0,
                  65_000,
                ),
            },
          }),
        );
        await locked.saveCheckRun(checkKey, found.id, report.runId, true, r.after.conclusion);
        return {
          action: 'updated',
          checkRunId: Number(found.id),
          from: shown,
          conclusion: r.after.conclusion,
        };
      });
    }
    if (outputs.githubComment) data.summary = await this.reassessSummary(octokit, key, r);
    return {
      state: 'delivered',
      detail: `check ${r.after.conclusion} after ${r.dismissed.length} dismissal(s), summary ${JSON.stringify(data.summary ?? 'off')}`,
      data,
    };
  }

  private async reassessSummary(octokit: Octokit, key: PrKey, r: Regated): Promise<Record<string, unknown>> {
    const ref = await this.o.posted.summary(key);
    // Never a summary another run wrote since: that run already left the dismissed findings out.
    if (!ref || ref.runId !== r.original.runId)
      return { action: 'kept', reason: 'the summary shows another run' };
    const files = await this.call('list pull request files', () =>
      octokit.paginate(octokit.pulls.listFiles, { ...split(key.repo), pull_number: key.pr, per_page: 100 }),
    );
    // Every workflow's inline comments: a finding another workflow commented on is still open there, as the first render said.
    const posted: InlineRef[] = await this.o.posted.inlineOnPr(key);
    // Shown as the first render showed them: quieted findings stay quieted (a dismissal may quiet one more).
    const quiet = this.o.quieting
      ? await this.o.quieting.apply('github', key.repo, r.adjusted.findings, r.original.runId)
      : undefined;
    const shown: RunReport = quiet ? { ...r.adjusted, findings: quiet.findings } : r.adjusted;
    const placement = placementOfPosted({
      findings: shown.findings,
      findingStates: r.adjusted.findingStates,
      diffLines: new Map(files.map((f) => [f.filename, diffLinesOf(f.patch)])),
      runId: r.original.runId,
      posted,
    });
    const body = renderSummary({
      report: shown,
      placement,
      conclusion: r.after.conclusion,
      conclusionReason: r.after.reason,
      dismissedAfter: r.dismissed,
      quietNote: renderQuietNotes(quiet?.notes ?? []),
    });
    // Only this workflow's section of the PR's comment changes (ADR 0079).
    return this.o.posted.exclusivePr(key, (store) =>
      rewriteOwnSection(
        { octokit, store, key, call: (what, fn) => this.call(what, fn) },
        r.original.runId,
        body,
      ),
    );
  }

  /** Whether `login` may write to `repo` (admin, maintain or write); not a collaborator at all is no. */
  private async canWrite(octokit: Octokit, repo: string, login: string): Promise<boolean> {
    const role = await this.call(`permission of ${login} on ${repo}`, async () => {
      try {
        const { data } = await octokit.repos.getCollaboratorPermissionLevel({
          ...split(repo),
          username: login,
        });
        return (data as { role_name?: string }).role_name ?? data.permission;
      } catch (error) {
        // 404: not a collaborator at all.
        if ((error as { status?: number }).status === 404) return 'none';
        throw error;
      }
    });
    return ['admin', 'maintain', 'write'].includes(role);
  }

  /** Resolves the review threads of findings this run reports fixed. */
  private async resolveFixed(
    octokit: Octokit,
    key: PrKey,
    report: RunReport,
    refs: Array<{ fingerprint: string; commentId: string; resolved: boolean }>,
    store: PostedStore = this.o.posted,
  ): Promise<number> {
    const fixed = refs.filter((r) => !r.resolved && report.findingStates[r.fingerprint] === 'fixed');
    if (fixed.length === 0) return 0;
    const { owner, repo } = split(key.repo);
    const result = await this.call('list review threads', () =>
      octokit.graphql<{
        repository: {
          pullRequest: {
            reviewThreads: {
              nodes: Array<{
                id: string;
                isResolved: boolean;
                comments: { nodes: Array<{ databaseId: number }> };
              }>;
            };
          };
        };
      }>(
        `query($owner: String!, $name: String!, $number: Int!) { repository(owner: $owner, name: $name) { pullRequest(number: $number) { reviewThreads(first: 100) { nodes { id isResolved comments(first: 1) { nodes { databaseId } } } } } } }`,
        { owner, name: repo, number: key.pr },
      ),
    );
    const threads = result.repository.pullRequest.reviewThreads.nodes;
    let resolved = 0;
    for (const ref of fixed) {
      const thread = threads.find((t) =>
        t.comments.nodes.some((c) => String(c.databaseId) === ref.commentId),
      );
      if (thread && !thread.isResolved) {
        await this.call('resolve review thread', () =>
          octokit.graphql(
            `mutation($threadId: ID!) { resolveReviewThread(input: { threadId: $threadId }) { thread { id isResolved } } }`,
            { threadId: thread.id },
          ),
        );
        resolved += 1;
      }
      await store.markResolved(key, ref.fingerprint);
    }
    return resolved;
  }

  private completeCheckRun(
    octokit: Octokit,
    report: RunReport,
    conclusion: string,
    reason: string,
    annotations: Finding[],
    failure?: string,
  ): Promise<Record<string, unknown>> {
    return this.checks.complete(octokit, report, { conclusion, reason, annotations, failure });
  }

  private async files(command: PushFilesCommand): Promise<SinkResult> {
    const octokit = await this.o.access.octokit(command.change.installationId);
    const pushed = await pushFiles(
      octokit,
      {
        change: command.change,
        branch: command.branch,
        baseSha: command.baseSha,
        commitMessage: command.commitMessage,
        files: command.files,
        mode: command.mode,
        expectedCommit: command.commit,
        prTitle: `agentflow: ${command.commitMessage.split('\n')[0]}`.slice(0, 250),
        prBody: `Generated by agentflow (run ${command.runId}, step ${command.stepId})${command.change.pr ? ` for #${command.change.pr}` : ''}.\n\n${command.files.map((f) => `- \`${f.path}\`: ${sanitizeMarkdown(f.purpose)}`).join('\n')}`,
      },
      this.o.maxWaitMs,
    );
    return {
      state: 'delivered',
      detail: pushed.alreadyPushed
        ? `already on ${pushed.branch}`
        : `pushed ${pushed.commitSha.slice(0, 12)} to ${pushed.branch}`,
      data: { ...pushed },
    };
  }
}
