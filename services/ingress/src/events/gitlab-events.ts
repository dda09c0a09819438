/** GitLab hook bodies to {@link IngressEvent}s. The trigger names match GitHub's, so workflows need not care. */
import type { ChangeRef } from '@agentflow/contracts';
import { parseCommand } from './commands';
import { at, bool, id, list, prNumber, str, type Json } from './read';
import type { ChangeEvent, IngressEvent } from './types';

const ZERO_SHA = /^0+$/;
const PIPELINE_CONCLUSION: Record<string, string> = {
  success: 'success',
  failed: 'failure',
  canceled: 'cancelled',
  skipped: 'skipped',
  manual: 'action_required',
  running: 'pending',
  pending: 'pending',
  created: 'pending',
  waiting_for_resource: 'pending',
  preparing: 'pending',
  scheduled: 'pending',
};

function mergeRequestAction(payload: Json): ChangeEvent['action'] | null {
  const action = str(payload, 'object_attributes.action');
  if (action === 'open') return 'opened';
  if (action === 'reopen') return 'reopened';
  if (action !== 'update') return null;
  // An update is a push when it carries the previous head; otherwise look at what changed.
  if (str(payload, 'object_attributes.oldrev')) return 'synchronize';
  const draftChange = at(payload, 'changes.draft') ?? at(payload, 'changes.work_in_progress');
  if (draftChange && at(draftChange, 'current') === false) return 'ready_for_review';
  if (at(payload, 'changes.labels')) return 'labeled';
  return null;
}

export function readGitLabEvent(event: string, payload: Json): IngressEvent {
  const repo = str(payload, 'project.path_with_namespace');
  const projectId = id(payload, 'project.id') ?? id(payload, 'project_id');
  switch (event) {
    case 'Merge Request Hook': {
      const mrAction = str(payload, 'object_attributes.action');
      if (mrAction === 'close' || mrAction === 'merge') {
        const iid = prNumber(payload, 'object_attributes.iid');
        if (!repo || !iid)
          return { kind: 'ignored', reason: `merge request ${mrAction} without project or iid` };
        return {
          kind: 'closed',
          platform: 'gitlab',
          repo,
          pr: iid,
          how: mrAction === 'merge' ? 'merged' : 'closed',
        };
      }
      const action = mergeRequestAction(payload);
      if (!action)
        return {
          kind: 'ignored',
          reason: `merge request ${str(payload, 'object_attributes.action') ?? '?'} starts no review`,
        };
      const mr = at(payload, 'object_attributes');
      const iid = prNumber(mr, 'iid');
      const headSha = str(mr, 'last_commit.id');
      if (!repo || !iid || !headSha)
        return { kind: 'ignored', reason: 'merge request hook without project, iid or last commit' };
      if (str(mr, 'state') === 'closed' || str(mr, 'state') === 'merged')
        return { kind: 'ignored', reason: `merge request is ${str(mr, 'state')}` };
      const change: ChangeRef = {
        platform: 'gitlab',
        repo,
        pr: iid,
        headSha,
        headRef: str(mr, 'source_branch'),
        baseRef: str(mr, 'target_branch'),
        author: str(payload, 'user.username'),
        title: str(mr, 'title'),
        projectId,
      };
      const labels = list(payload, 'labels')
        .map((l) => str(l, 'title'))
        .filter((t): t is string => Boolean(t));
      const previous = list(payload, 'changes.labels.previous').map((l) => str(l, 'title'));
      return {
        kind: 'change',
        trigger: `pull_request.${action}`,
        action,
        change,
        draft: bool(mr, 'draft') ?? bool(mr, 'work_in_progress') ?? false,
        labels,
        label: action === 'labeled' ? labels.find((l) => !previous.includes(l)) : undefined,
        previousHeadSha: str(mr, 'oldrev'),
      };
    }
    case 'Note Hook': {
      if (str(payload, 'object_attributes.noteable_type') !== 'MergeRequest')
        return { kind: 'ignored', reason: 'note is not on a merge request' };
      if (str(payload, 'object_attributes.action') && str(payload, 'object_attributes.action') !== 'create')
        return { kind: 'ignored', reason: 'note was edited, not created' };
      if (bool(payload, 'user.bot') || str(payload, 'user.username')?.endsWith('-bot'))
        return { kind: 'ignored', reason: 'note by a bot' };
      const parsed = parseCommand(str(payload, 'object_attributes.note') ?? '');
      if (!parsed) return { kind: 'ignored', reason: 'note has no /agentflow command' };
      const iid = prNumber(payload, 'merge_request.iid');
      const commenter = str(payload, 'user.username');
      const commentId = id(payload, 'object_attributes.id');
      if (!repo || !iid || !commenter || commentId === undefined)
        return { kind: 'ignored', reason: 'note hook without project, merge request, author or id' };
      return {
        kind: 'command',
        platform: 'gitlab',
        ...parsed,
        repo,
        pr: iid,
        commenter,
        commenterId: id(payload, 'user.id'),
        commentId: String(commentId),
        projectId,
      };
    }
    case 'Emoji Hook': {
      if (str(payload, 'event_type') !== 'award')
        return {
          kind: 'ignored',
          reason: `emoji ${str(payload, 'event_type') ?? '?'} is not a new reaction`,
        };
      if (str(payload, 'object_attributes.name') !== 'thumbsdown')
        return {
          kind: 'ignored',
          reason: `emoji ${str(payload, 'object_attributes.name') ?? '?'} is not a dismissal`,
        };
      if (str(payload, 'object_attributes.awardable_type') !== 'Note')
        return { kind: 'ignored', reason: 'emoji is not on a comment' };
      const iid = prNumber(payload, 'merge_request.iid');
      const noteId = id(payload, 'object_attributes.awardable_id');
      const reactor = str(payload, 'user.username');
      if (!repo || !iid || noteId === undefined || !reactor)
        return { kind: 'ignored', reason: 'emoji hook without project, merge request, comment or user' };
      return {
        kind: 'reaction',
        platform: 'gitlab',
        repo,
        pr: iid,
        commentId: String(noteId),
        reactor,
        reactorId: id(payload, 'user.id'),
        projectId,
      };
    }
    case 'Pipeline Hook': {
      const status = str(payload, 'object_attributes.status');
      const sha = str(payload, 'object_attributes.sha');
      if (!repo || !sha || !status)
        return { kind: 'ignored', reason: 'pipeline hook without project, commit or status' };
      return {
        kind: 'ci',
        ci: {
          platform: 'gitlab',
          repo,
          headSha: sha,
          conclusion: PIPELINE_CONCLUSION[status] ?? 'error',
          name: `pipeline ${id(payload, 'object_attributes.id') ?? ''}`.trim(),
          url: str(payload, 'object_attributes.url'),
          details: {
            kind: 'pipeline',
            id: id(payload, 'object_attributes.id'),
            ref: str(payload, 'object_attributes.ref'),
            status,
            mergeRequest: prNumber(payload, 'merge_request.iid'),
          },
        },
      };
    }
    case 'Push Hook': {
      const after = str(payload, 'after') ?? str(payload, 'checkout_sha');
      const ref = str(payload, 'ref');
      if (!repo || !after || !ref)
        return { kind: 'ignored', reason: 'push hook without project, ref or head' };
      if (ZERO_SHA.test(after)) return { kind: 'ignored', reason: `branch ${ref} was deleted` };
      const before = str(payload, 'before');
      return {
        kind: 'push',
        trigger: 'push',
        change: {
          platform: 'gitlab',
          repo,
          headSha: after,
          baseSha: before && !ZERO_SHA.test(before) ? before : undefined,
          headRef: ref.replace(/^refs\/heads\//, ''),
          author: str(payload, 'user_username'),
          projectId,
        },
      };
    }
    default:
      return { kind: 'ignored', reason: `event ${event} is not handled by agentflow` };
  }
}
