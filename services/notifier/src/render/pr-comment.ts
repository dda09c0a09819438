/**
 * One sticky comment per pull request (GitHub) or merge request note (GitLab), whatever number of
 * workflows review it (ADR 0079): each workflow owns one section, delimited by hidden markers and
 * rewritten in place by that workflow's runs only; sections are kept in workflow order so the
 * comment reads the same whichever run finished first. Pure: the sinks do the reading and writing.
 */
import type { RunReport } from '@agentflow/contracts';
import { MAX_COMMENT, readHeadMarker, summaryMarker } from './summary';

/** Marks the pull request's one agentflow comment. */
export const PR_COMMENT_MARKER = '<!-- agentflow:pr-comment -->';

const SECTION =
  /<!-- agentflow:section workflow=(\S+) -->\n([\s\S]*?)\n<!-- agentflow:section-end workflow=\1 -->/g;

function section(workflow: string, body: string): string {
  return `<!-- agentflow:section workflow=${workflow} -->\n${body}\n<!-- agentflow:section-end workflow=${workflow} -->`;
}

/** The sections of a comment body, by workflow (empty for a body that is not the PR comment). */
export function readSections(body: string | null | undefined): Map<string, string> {
  const sections = new Map<string, string>();
  if (!body?.includes(PR_COMMENT_MARKER)) return sections;
  for (const m of body.matchAll(SECTION)) sections.set(m[1], m[2]);
  return sections;
}

const TRUNCATED =
  "\n\n…(truncated: this pull request's comment is full; the check run and the database have the rest)";

/**
 * The comment with `workflow`'s section set to `sectionBody` (added, or replaced in place), every
 * other workflow's section as it was. When the whole would pass GitHub's size limit, the section
 * being written is cut, never another workflow's; its hidden markers (the first two lines) stay,
 * so later runs still know which head it shows.
 */
export function withSection(
  current: string | null | undefined,
  workflow: string,
  sectionBody: string,
): string {
  const sections = readSections(current);
  sections.set(workflow, sectionBody);
  const render = () =>
    [PR_COMMENT_MARKER, ...[...sections.keys()].sort().map((w) => section(w, sections.get(w)!))].join('\n\n');
  let text = render();
  if (text.length > MAX_COMMENT) {
    const markers = sectionBody.split('\n').slice(0, 2).join('\n');
    const room = Math.max(
      markers.length,
      sectionBody.length - (text.length - MAX_COMMENT) - TRUNCATED.length,
    );
    sections.set(workflow, `${sectionBody.slice(0, room)}${TRUNCATED}`);
    text = render();
  }
  return text;
}

/** A comment (GitHub) or note (GitLab) already on the pull request. */
export interface PostedComment {
  id: string;
  body: string;
}

/** What to do with one workflow's section; the sink carries it out. */
export type SectionPlan =
  | { action: 'kept'; commentId: string; reason: string }
  | { action: 'unchanged'; commentId: string }
  /** `adopted`: the workflow's own comment from before one voice becomes the PR's comment. */
  | { action: 'update'; commentId: string; body: string; adopted: boolean }
  | { action: 'create'; body: string };

/**
 * Where this run's section goes: into the PR's comment when there is one, else into this workflow's
 * comment from before one voice (it becomes the PR's comment), else a new comment. A run for an
 * older head (the PR moved on), or an earlier result for the same head, leaves the section alone;
 * a section that would read the same is not written again.
 */
export function planSection(input: {
  comments: readonly PostedComment[];
  workflow: string;
  report: Pick<RunReport, 'runId' | 'change' | 'finishedAt'>;
  sectionBody: string;
  /** The pull request's head now. */
  currentHead: string;
}): SectionPlan {
  const { comments, workflow, report, sectionBody } = input;
  const shared = comments.find((c) => c.body.includes(PR_COMMENT_MARKER));
  const legacy = shared ? undefined : comments.find((c) => c.body.includes(summaryMarker(workflow)));
  const ours = shared ?? legacy;
  if (!ours) return { action: 'create', body: withSection(null, workflow, sectionBody) };
  const shown = shared ? readSections(shared.body).get(workflow) : legacy!.body;
  const marker = shown ? readHeadMarker(shown) : null;
  if (marker) {
    const sameHead = marker.headSha === report.change.headSha;
    if (sameHead && marker.finishedAt > report.finishedAt) {
      return {
        action: 'kept',
        commentId: ours.id,
        reason: `the section already shows a later result for ${marker.headSha.slice(0, 12)} (run ${marker.runId})`,
      };
    }
    if (!sameHead && report.change.headSha !== input.currentHead) {
      return {
        action: 'kept',
        commentId: ours.id,
        reason: `the pull request moved on from ${report.change.headSha.slice(0, 12)}; the section shows ${marker.headSha.slice(0, 12)}`,
      };
    }
  }
  const body = withSection(shared?.body ?? null, workflow, sectionBody);
  if (body === ours.body) return { action: 'unchanged', commentId: ours.id };
  return { action: 'update', commentId: ours.id, body, adopted: !shared };
}

/**
 * The comment with this workflow's section re-rendered for a dismissal, or null when the section
 * no longer shows `runId` (a later run wrote it, and already left the dismissed findings out).
 */
export function rewriteSectionOf(
  current: string,
  workflow: string,
  runId: string,
  sectionBody: string,
): string | null {
  const shared = current.includes(PR_COMMENT_MARKER);
  const shown = shared ? readSections(current).get(workflow) : current;
  if (!shown || readHeadMarker(shown)?.runId !== runId) return null;
  return withSection(shared ? current : null, workflow, sectionBody);
}

/** The hidden marker of the review agentflow posts once per pull request and head. */
export function reviewMarker(headSha: string, runId: string): string {
  return `<!-- agentflow:review head=${headSha} run=${runId} -->`;
}

/** Whether a review body is one agentflow posted (any release), and for which run. */
export function readReviewMarker(
  body: string | null | undefined,
): { headSha: string | null; runId: string } | null {
  const m = /<!-- agentflow:review (?:head=(\S+) )?run=(\S+) -->/.exec(body ?? '');
  return m ? { headSha: m[1] ?? null, runId: m[2] } : null;
}
