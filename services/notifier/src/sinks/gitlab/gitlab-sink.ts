/**
 * GitLab: one note per MR with a section per workflow, updated in place (never by an older head);
 * one discussion per finding fingerprint across workflows, on diff lines with GitLab's suggestion
 * syntax (ADR 0079); resolved discussions for fixed findings, and a commit status per workflow.
 * Generated files are pushed on GitHub only for now; on GitLab they are listed in the note.
 */
import type { Finding, RunReport } from '@agentflow/contracts';
import { resultConclusion, type Regated } from '../../dismissals/regate';
import type { NotifierEvent } from '../../events';
import { checkConclusion } from '../../render/conclusion';
import { readOutputs } from '../../render/outputs';
import { diffLinesOf, placeFindings, placementOfPosted } from '../../render/placement';
import { planSection, rewriteSectionOf } from '../../render/pr-comment';
import { findingMarker, renderInline, renderSummary } from '../../render/summary';
import type { PostedStore, PrKey } from '../posted-store';
import type { Sink, SinkResult } from '../sink';
import { projectPath, type GitLabApi } from './gitlab-api';
import { renderQuietNotes, type Quieting } from '../../usefulness/quieting';

interface MergeRequest {
  iid: number;
  sha: string;
  diff_refs: { base_sha: string; head_sha: string; start_sha: string };
}

interface Note {
  id: number;
  body: string;
}

interface Discussion {
  id: string;
  notes: Note[];
}

const STATUS: Record<string, string> = { success: 'success', failure: 'failed', neutral: 'success' };

function statusName(workflow: string): string {
  return `agentflow/${workflow}`;
}

export class GitLabSink implements Sink {
  readonly name = 'gitlab';

  constructor(
    private readonly api: GitLabApi,
    private readonly posted: PostedStore,
    private readonly defaultMaxInline: number,
    /** Quiets rules and agents people keep dismissing in a repository (`NOTIFIER_QUIET_*`); absent: off. */
    private readonly quieting?: Pick<Quieting, 'apply'>,
  ) {}

  target(event: NotifierEvent): string | null {
    if (event.kind === 'push-files' || event.kind === 'alert' || event.kind === 'budget-alert') return null;
    const change =
      event.kind === 'progress'
        ? event.progress.change
        : event.kind === 'gate-reassessment'
          ? event.regated.original.change
          : event.report.change;
    if (change.platform !== 'gitlab') return null;
    return change.pr ? `gitlab:${change.repo}!${change.pr}` : `gitlab:${change.repo}@${change.headSha}`;
  }

  async deliver(event: NotifierEvent): Promise<SinkResult> {
    if (event.kind === 'push-files') return { state: 'skipped', detail: 'pushing files is GitHub-only' };
    if (event.kind === 'alert' || event.kind === 'budget-alert')
      return { state: 'skipped', detail: 'alerts go to Slack' };
    if (event.kind === 'progress') {
      const p = event.progress;
      await this.status(
        p.change.projectId,
        p.change.repo,
        p.change.headSha,
        p.workflow,
        'running',
        `step ${p.stepId} ${p.state}`,
      );
      return { state: 'delivered', detail: 'commit status running' };
    }
    if (event.kind === 'gate-reassessment') return this.reassess(event.regated);
    const report = event.report;
    if (report.rollout === 'shadow' || report.rollout === 'off')
      return { state: 'skipped', detail: `rollout is ${report.rollout}` };
    const failure = event.kind === 'failed' ? `${event.failure.code}: ${event.failure.reason}` : undefined;
    const outputs = readOutputs(report, this.defaultMaxInline);
    let { conclusion, reason } = checkConclusion(report, Boolean(failure));
    const c = report.change;
    const project = projectPath(c.projectId, c.repo);
    const data: Record<string, unknown> = {};
    if (c.pr) {
      const key: PrKey = { platform: 'gitlab', repo: c.repo, pr: c.pr, workflow: report.workflow };
      const mr = await this.api.request<MergeRequest>('GET', `/projects/${project}/merge_requests/${c.pr}`);
      const stale = mr.diff_refs.head_sha !== c.headSha;
      const diffs = await this.api.all<{ new_path: string; diff: string }>(
        `/projects/${project}/merge_requests/${c.pr}/diffs`,
      );
      const inlineRefs = await this.posted.inline(key);
      const dismissed = await this.posted.dismissed(key);
      ({ conclusion, reason } = resultConclusion(report, Boolean(failure), dismissed));
      const quiet = this.quieting
        ? await this.quieting.apply('gitlab', c.repo, report.findings, report.runId)
        : undefined;
      // As shown: quieted findings one severity lower (or kept from inline); the gate stays the agents' own.
      const shown: RunReport = quiet ? { ...report, findings: quiet.findings } : report;
      // One voice per merge request (ADR 0079): the note and the discussions are decided and
      // written with the MR's lock held, across workflows.
      await this.posted.exclusivePr(key, async (store) => {
        const onMr = await store.inlineOnPr(key);
        const placement = placeFindings({
          findings: shown.findings,
          findingStates: report.findingStates,
          diffLines: new Map(diffs.map((d) => [d.new_path, diffLinesOf(d.diff)])),
          notInline: quiet?.summaryOnly,
          // This run's own discussions (a redelivery) stay its inline placement, so the section reads the same.
          dismissed,
          alreadyPosted: new Set(onMr.filter((r) => r.runId !== report.runId).map((r) => r.fingerprint)),
          maxInline: stale ? 0 : outputs.maxInlineComments,
          inlineEnabled: outputs.inlineComments && !stale,
          annotationsEnabled: false,
        });
        const quietNote = renderQuietNotes(quiet?.notes ?? []);
        if (outputs.githubComment)
          data.note = await this.writeSection(
            store,
            project,
            key,
            report,
            renderSummary({
              report: shown,
              placement,
              conclusion,
              conclusionReason: reason,
              failure,
              quietNote,
            }),
            mr.diff_refs.head_sha,
          );
        if (quiet?.notes.length) data.quieted = quiet.notes.map((n) => `${n.kind}:${n.key}`);
        data.discussions = await this.discuss(store, project, key, report, mr, placement.inline);
        for (const ref of inlineRefs.filter(
          (r) => !r.resolved && report.findingStates[r.fingerprint] === 'fixed' && r.threadId,
        )) {
          await this.api.request(
            'PUT',
            `/projects/${project}/merge_requests/${c.pr}/discussions/${ref.threadId}?resolved=true`,
          );
          await store.markResolved(key, ref.fingerprint);
        }
      });
    }
    if (outputs.checkRun) {
      await this.status(
        c.projectId,
        c.repo,
        c.headSha,
        report.workflow,
        failure ? 'canceled' : STATUS[conclusion],
        reason,
      );
      // Recorded like a GitHub check run, so a later dismissal knows what the status says.
      await this.posted.saveCheckRun(
        { platform: 'gitlab', repo: c.repo, headSha: c.headSha, workflow: report.workflow },
        statusName(report.workflow),
        report.runId,
        true,
        failure ? 'neutral' : conclusion,
      );
    }
    return {
      state: 'delivered',
      detail: `note ${JSON.stringify(data.note ?? 'off')}, status ${conclusion}`,
      data,
    };
  }

  private async status(
    projectId: number | undefined,
    repo: string,
    sha: string,
    workflow: string,
    state: string,
    description: string,
  ): Promise<void> {
    await this.api.request('POST', `/projects/${projectPath(projectId, repo)}/statuses/${sha}`, {
      state,
      name: statusName(workflow),
      description: description.slice(0, 255),
    });
  }

  /**
   * A finished run's findings were dismissed (a 👎 award or `/agentflow dismiss`): the commit status
   * of its head takes the conclusion judged without them, and the note says which and by whom.
   * Only while the run's head is the MR's head, and only what this run wrote.
   */
  private async reassess(r: Regated): Promise<SinkResult> {
    const report = r.original;
    const c = report.change;
    if (!c.pr) return { state: 'skipped', detail: 'not a merge request' };
    if (report.rollout === 'shadow' || report.rollout === 'off')
      return { state: 'skipped', detail: `rollout is ${report.rollout}` };
    const outputs = readOutputs(report, this.defaultMaxInline);
    const project = projectPath(c.projectId, c.repo);
    const mr = await this.api.request<MergeRequest>('GET', `/projects/${project}/merge_requests/${c.pr}`);
    if (mr.diff_refs.head_sha !== c.headSha)
      return {
        state: 'skipped',
        detail: `the MR moved on to ${mr.diff_refs.head_sha.slice(0, 12)}: the run for it judges the gate`,
      };
    const key: PrKey = { platform: 'gitlab', repo: c.repo, pr: c.pr, workflow: report.workflow };
    const data: Record<string, unknown> = {};
    if (outputs.checkRun) {
      const checkKey = {
        platform: 'gitlab' as const,
        repo: c.repo,
        headSha: c.headSha,
        workflow: report.workflow,
      };
      data.status = await this.posted.exclusiveCheckRun(checkKey, async (locked) => {
        const found = await locked.checkRun(checkKey);
        if (!found || found.runId !== report.runId || !found.completed)
          return {
            action: 'kept',
            reason: 'the status on this head belongs to another run, or is not written yet',
          };
        const shown = found.conclusion ?? r.before.conclusion;
        if (shown === r.after.conclusion) return { action: 'kept', conclusion: shown };
        await this.status(
          c.projectId,
          c.repo,
          c.headSha,
          report.workflow,
          STATUS[r.after.conclusion],
          r.after.reason,
        );
        await locked.saveCheckRun(checkKey, found.id, report.runId, true, r.after.conclusion);
        return { action: 'updated', from: shown, conclusion: r.after.conclusion };
      });
    }
    if (outputs.githubComment) {
      const ref = await this.posted.summary(key);
      if (ref && ref.runId === report.runId) {
        const diffs = await this.api.all<{ new_path: string; diff: string }>(
          `/projects/${project}/merge_requests/${c.pr}/diffs`,
        );
        // Shown as the first render showed them: quieted findings stay quieted (a dismissal may quiet one more).
        const quiet = this.quieting
          ? await this.quieting.apply('gitlab', c.repo, r.adjusted.findings, report.runId)
          : undefined;
        const shown: RunReport = quiet ? { ...r.adjusted, findings: quiet.findings } : r.adjusted;
        const placement = placementOfPosted({
          findings: shown.findings,
          findingStates: r.adjusted.findingStates,
          diffLines: new Map(diffs.map((d) => [d.new_path, diffLinesOf(d.diff)])),
          runId: report.runId,
          posted: await this.posted.inlineOnPr(key),
        });
        const section = renderSummary({
          report: shown,
          placement,
          conclusion: r.after.conclusion,
          conclusionReason: r.after.reason,
          dismissedAfter: r.dismissed,
          quietNote: renderQuietNotes(quiet?.notes ?? []),
        });
        // Only this workflow's section of the MR's note changes (ADR 0079).
        data.note = await this.posted.exclusivePr(key, async () => {
          const notes = await this.api.all<Note>(`/projects/${project}/merge_requests/${c.pr}/notes`);
          const note = notes.find((n) => String(n.id) === ref.commentId);
          const body = note ? rewriteSectionOf(note.body, key.workflow, report.runId, section) : null;
          if (body === null)
            return {
              action: 'kept',
              reason: note
                ? 'the section shows another run'
                : `note ${ref.commentId} is gone from the merge request`,
            };
          await this.api.request(
            'PUT',
            `/projects/${project}/merge_requests/${c.pr}/notes/${ref.commentId}`,
            { body },
          );
          return { action: 'updated', noteId: ref.commentId };
        });
      } else {
        data.note = { action: 'kept', reason: 'the note shows another run' };
      }
    }
    return {
      state: 'delivered',
      detail: `status ${r.after.conclusion} after ${r.dismissed.length} dismissal(s), note ${JSON.stringify(data.note ?? 'off')}`,
      data,
    };
  }

  /** This workflow's section of the MR's one note (see `planSection`). */
  private async writeSection(
    store: PostedStore,
    project: string,
    key: PrKey,
    report: RunReport,
    section: string,
    currentHead: string,
  ): Promise<Record<string, unknown>> {
    const notes = await this.api.all<Note>(`/projects/${project}/merge_requests/${key.pr}/notes`);
    const plan = planSection({
      comments: notes.map((n) => ({ id: String(n.id), body: n.body })),
      workflow: key.workflow,
      report,
      sectionBody: section,
      currentHead,
    });
    const ref = { headSha: report.change.headSha, runId: report.runId, finishedAt: report.finishedAt };
    switch (plan.action) {
      case 'kept':
        return { action: 'kept', noteId: plan.commentId, reason: plan.reason };
      case 'unchanged':
        await store.saveSummary(key, { commentId: plan.commentId, ...ref });
        return { action: 'unchanged', noteId: plan.commentId };
      case 'update':
        await this.api.request(
          'PUT',
          `/projects/${project}/merge_requests/${key.pr}/notes/${plan.commentId}`,
          { body: plan.body },
        );
        await store.saveSummary(key, { commentId: plan.commentId, ...ref });
        return { action: 'updated', noteId: plan.commentId };
      case 'create': {
        const note = await this.api.request<Note>(
          'POST',
          `/projects/${project}/merge_requests/${key.pr}/notes`,
          { body: plan.body },
        );
        await store.saveSummary(key, { commentId: String(note.id), ...ref });
        return { action: 'created', noteId: String(note.id) };
      }
    }
  }

  private async discuss(
    store: PostedStore,
    project: string,
    key: PrKey,
    report: RunReport,
    mr: MergeRequest,
    inline: Finding[],
  ): Promise<number> {
    if (inline.length === 0) return 0;
    const existing = await this.api.all<Discussion>(
      `/projects/${project}/merge_requests/${key.pr}/discussions`,
    );
    let posted = 0;
    for (const f of inline) {
      let discussion = existing.find((d) =>
        d.notes.some((n) => n.body.includes(findingMarker(f.fingerprint))),
      );
      if (!discussion) {
        discussion = await this.api.request<Discussion>(
          'POST',
          `/projects/${project}/merge_requests/${key.pr}/discussions`,
          {
            body: renderInline(f, 'gitlab'),
            position: {
              position_type: 'text',
              base_sha: mr.diff_refs.base_sha,
              start_sha: mr.diff_refs.start_sha,
              head_sha: mr.diff_refs.head_sha,
              new_path: f.file,
              new_line: f.endLine,
            },
          },
        );
        posted += 1;
      }
      await store.saveInline(
        key,
        {
          fingerprint: f.fingerprint,
          commentId: String(discussion.notes[0]?.id ?? ''),
          threadId: discussion.id,
          resolved: false,
        },
        report.runId,
        report.change.headSha,
      );
    }
    return posted;
  }
}
