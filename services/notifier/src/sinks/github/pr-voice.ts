/**
 * One voice per pull request on GitHub (ADR 0079): one agentflow comment per PR with a section per
 * workflow, one review per PR and head whichever workflow finishes first, one inline comment per
 * finding fingerprint across workflows. Called with the PR's lock held (`PostedStore.exclusivePr`),
 * so two workflows finishing together never both create the comment or the review, nor write
 * over each other's section.
 */
import type { Octokit } from '@octokit/rest';
import type { Finding, RunReport } from '@agentflow/contracts';
import { planSection, readReviewMarker, reviewMarker, rewriteSectionOf } from '../../render/pr-comment';
import { findingMarker, renderInline } from '../../render/summary';
import type { PostedStore, PrKey } from '../posted-store';

type Call = <T>(what: string, fn: () => Promise<T>) => Promise<T>;

function split(repo: string) {
  const [owner, name] = repo.split('/');
  return { owner, repo: name };
}

export interface PrVoiceContext {
  octokit: Octokit;
  /** The store on the session holding the PR lock. */
  store: PostedStore;
  call: Call;
  key: PrKey;
}

/** The review agentflow already posted on this head, by any workflow's run; null when none. */
export async function reviewOnHead(
  ctx: PrVoiceContext,
  headSha: string,
): Promise<{ id: number; runId: string } | null> {
  const { octokit, key, call } = ctx;
  const reviews = await call('list reviews', () =>
    octokit.paginate(octokit.pulls.listReviews, { ...split(key.repo), pull_number: key.pr, per_page: 100 }),
  );
  for (const r of reviews) {
    const marker = readReviewMarker(r.body);
    // Reviews of an older release carry only the run; their commit says the head.
    if (marker && (marker.headSha ?? r.commit_id) === headSha) return { id: r.id, runId: marker.runId };
  }
  return null;
}

/**
 * Writes this workflow's section of the PR comment (see `planSection`): creates the comment when
 * the PR has none, else rewrites it with only this section changed, or leaves it.
 */
export async function writeSection(
  ctx: PrVoiceContext,
  report: RunReport,
  sectionBody: string,
  currentHead: string,
): Promise<Record<string, unknown>> {
  const { octokit, store, key, call } = ctx;
  const listed = await call('list comments', () =>
    octokit.paginate(octokit.issues.listComments, {
      ...split(key.repo),
      issue_number: key.pr,
      per_page: 100,
    }),
  );
  const comments = listed.map((c) => ({ id: String(c.id), body: c.body ?? '' }));
  const plan = planSection({ comments, workflow: key.workflow, report, sectionBody, currentHead });
  const ref = { headSha: report.change.headSha, runId: report.runId, finishedAt: report.finishedAt };
  switch (plan.action) {
    case 'kept':
      return { action: 'kept', commentId: plan.commentId, reason: plan.reason };
    case 'unchanged':
      await store.saveSummary(key, { commentId: plan.commentId, ...ref });
      return { action: 'unchanged', commentId: plan.commentId };
    case 'update':
      await call('update summary comment', () =>
        octokit.issues.updateComment({
          ...split(key.repo),
          comment_id: Number(plan.commentId),
          body: plan.body,
        }),
      );
      await store.saveSummary(key, { commentId: plan.commentId, ...ref });
      return {
        action: 'updated',
        commentId: plan.commentId,
        ...(plan.adopted ? { adopted: 'the workflow comment from before one voice' } : {}),
      };
    case 'create': {
      const created = await call('create summary comment', () =>
        octokit.issues.createComment({ ...split(key.repo), issue_number: key.pr, body: plan.body }),
      );
      await store.saveSummary(key, { commentId: String(created.data.id), ...ref });
      return { action: 'created', commentId: String(created.data.id) };
    }
  }
}

/**
 * Rewrites this workflow's section only if the comment still shows this run there (a dismissal
 * re-judged it); another run's section, or a newer result, is left as it is.
 */
export async function rewriteOwnSection(
  ctx: PrVoiceContext,
  runId: string,
  sectionBody: string,
): Promise<Record<string, unknown>> {
  const { octokit, store, key, call } = ctx;
  const ref = await store.summary(key);
  if (!ref || ref.runId !== runId) return { action: 'kept', reason: 'the summary shows another run' };
  const current = await call('get summary comment', () =>
    octokit.issues.getComment({ ...split(key.repo), comment_id: Number(ref.commentId) }),
  );
  const body = rewriteSectionOf(current.data.body ?? '', key.workflow, runId, sectionBody);
  if (body === null) return { action: 'kept', reason: 'the section shows another run' };
  await call('update summary comment', () =>
    octokit.issues.updateComment({ ...split(key.repo), comment_id: Number(ref.commentId), body }),
  );
  return { action: 'updated', commentId: ref.commentId };
}

/**
 * The head's one review, holding this run's inline comments; a redelivery finds the review its
 * run already posted and records its comments instead of posting again.
 */
export async function postReview(
  ctx: PrVoiceContext,
  report: RunReport,
  inline: Finding[],
  existing: { id: number; runId: string } | null,
): Promise<Record<string, unknown>> {
  const { octokit, store, key, call } = ctx;
  let reviewId = existing?.runId === report.runId ? existing.id : undefined;
  if (reviewId === undefined) {
    const created = await call('create review', () =>
      octokit.pulls.createReview({
        ...split(key.repo),
        pull_number: key.pr,
        commit_id: report.change.headSha,
        event: 'COMMENT',
        body: `${reviewMarker(report.change.headSha, report.runId)}\nagentflow: ${inline.length} comment(s) on this push. The pull request's agentflow comment has the rest.`,
        comments: inline.map((f) => ({
          path: f.file,
          line: f.endLine,
          side: 'RIGHT' as const,
          ...(f.startLine < f.endLine ? { start_line: f.startLine, start_side: 'RIGHT' as const } : {}),
          body: renderInline(f, 'github'),
        })),
      }),
    );
    reviewId = created.data.id;
  }
  const comments = await call('list review comments', () =>
    octokit.paginate(octokit.pulls.listReviewComments, {
      ...split(key.repo),
      pull_number: key.pr,
      per_page: 100,
    }),
  );
  for (const f of inline) {
    const c = comments.find(
      (x) => x.pull_request_review_id === reviewId && x.body.includes(findingMarker(f.fingerprint)),
    );
    if (c)
      await store.saveInline(
        key,
        { fingerprint: f.fingerprint, commentId: String(c.id), threadId: null, resolved: false },
        report.runId,
        report.change.headSha,
      );
  }
  return { reviewId, comments: inline.length };
}
