/** GitHub deliveries to {@link IngressEvent}s. */
import type { CiEvent, ChangeRef } from '@agentflow/contracts';
import { parseCommand } from './commands';
import { at, bool, id, list, prNumber, str, type Json } from './read';
import type { ChangeEvent, IngressEvent } from './types';

const PR_ACTIONS = new Set(['opened', 'synchronize', 'reopened', 'ready_for_review', 'labeled']);
const CI_CONCLUSIONS = new Set([
  'success',
  'failure',
  'neutral',
  'cancelled',
  'timed_out',
  'skipped',
  'action_required',
]);
const ZERO_SHA = /^0+$/;

function ci(
  repo: string | undefined,
  headSha: string | undefined,
  conclusion: string | undefined,
  name: string | undefined,
  url: string | undefined,
  details: Json,
): IngressEvent {
  if (!repo || !headSha || !name)
    return { kind: 'ignored', reason: 'CI event without repository, commit or name' };
  const normalised =
    conclusion && CI_CONCLUSIONS.has(conclusion) ? conclusion : conclusion === 'stale' ? 'neutral' : 'error';
  const event: CiEvent = { platform: 'github', repo, headSha, conclusion: normalised, name, url, details };
  return { kind: 'ci', ci: event };
}

export function readGitHubEvent(event: string, payload: Json): IngressEvent {
  const repo = str(payload, 'repository.full_name');
  const installationId = id(payload, 'installation.id');
  const action = str(payload, 'action');
  switch (event) {
    case 'pull_request': {
      if (action === 'closed') {
        const number = prNumber(payload, 'pull_request.number') ?? prNumber(payload, 'number');
        if (!repo || !number)
          return { kind: 'ignored', reason: 'pull_request.closed without repository or number' };
        return {
          kind: 'closed',
          platform: 'github',
          repo,
          pr: number,
          how: bool(payload, 'pull_request.merged') ? 'merged' : 'closed',
        };
      }
      if (!action || !PR_ACTIONS.has(action))
        return { kind: 'ignored', reason: `pull_request.${action ?? '?'} starts no review` };
      const pr = at(payload, 'pull_request');
      const number = prNumber(pr, 'number');
      const headSha = str(pr, 'head.sha');
      if (!repo || !number || !headSha)
        return { kind: 'ignored', reason: 'pull_request payload without repository, number or head SHA' };
      if (str(pr, 'state') === 'closed') return { kind: 'ignored', reason: 'pull request is closed' };
      const change: ChangeRef = {
        platform: 'github',
        repo,
        pr: number,
        headSha,
        baseSha: str(pr, 'base.sha'),
        headRef: str(pr, 'head.ref'),
        baseRef: str(pr, 'base.ref'),
        author: str(pr, 'user.login'),
        title: str(pr, 'title'),
        installationId,
      };
      const result: ChangeEvent = {
        kind: 'change',
        trigger: `pull_request.${action}`,
        action: action as ChangeEvent['action'],
        change,
        draft: bool(pr, 'draft') ?? false,
        labels: list(pr, 'labels')
          .map((l) => str(l, 'name'))
          .filter((n): n is string => Boolean(n)),
        label: str(payload, 'label.name'),
        previousHeadSha: action === 'synchronize' ? str(payload, 'before') : undefined,
      };
      return result;
    }
    case 'issue_comment': {
      if (action !== 'created')
        return { kind: 'ignored', reason: `issue_comment.${action ?? '?'} is not a new command` };
      if (!at(payload, 'issue.pull_request'))
        return { kind: 'ignored', reason: 'comment on an issue, not a pull request' };
      if (str(payload, 'comment.user.type') === 'Bot') return { kind: 'ignored', reason: 'comment by a bot' };
      const parsed = parseCommand(str(payload, 'comment.body') ?? '');
      if (!parsed) return { kind: 'ignored', reason: 'comment has no /agentflow command' };
      const number = prNumber(payload, 'issue.number');
      const commenter = str(payload, 'comment.user.login');
      const commentId = id(payload, 'comment.id');
      if (!repo || !number || !commenter || commentId === undefined)
        return { kind: 'ignored', reason: 'comment payload without repository, number, author or id' };
      return {
        kind: 'command',
        platform: 'github',
        ...parsed,
        repo,
        pr: number,
        commenter,
        commentId: String(commentId),
        installationId,
      };
    }
    case 'pull_request_review_thread': {
      if (action !== 'resolved' && action !== 'unresolved')
        return { kind: 'ignored', reason: `pull_request_review_thread.${action ?? '?'} is not a resolution` };
      // agentflow resolves the threads of fixed findings itself (as its App, a Bot): not a person acting on them.
      if (str(payload, 'sender.type') === 'Bot')
        return {
          kind: 'ignored',
          reason: `review thread ${action} by a bot (${str(payload, 'sender.login') ?? '?'})`,
        };
      const number = prNumber(payload, 'pull_request.number');
      const actor = str(payload, 'sender.login');
      const commentIds = list(payload, 'thread.comments')
        .map((c) => id(c, 'id'))
        .filter((n): n is number => n !== undefined)
        .map(String);
      if (!repo || !number || !actor || commentIds.length === 0)
        return {
          kind: 'ignored',
          reason: 'review thread payload without repository, number, sender or comments',
        };
      return {
        kind: 'thread',
        platform: 'github',
        repo,
        pr: number,
        resolved: action === 'resolved',
        commentIds,
        actor,
      };
    }
    case 'check_suite': {
      if (action !== 'completed')
        return { kind: 'ignored', reason: `check_suite.${action ?? '?'} is not a result` };
      const s = at(payload, 'check_suite');
      return ci(
        repo,
        str(s, 'head_sha'),
        str(s, 'conclusion'),
        str(s, 'app.name') ?? str(s, 'app.slug'),
        str(s, 'url'),
        { kind: 'check_suite', id: id(s, 'id'), branch: str(s, 'head_branch') },
      );
    }
    case 'check_run': {
      if (action !== 'completed')
        return { kind: 'ignored', reason: `check_run.${action ?? '?'} is not a result` };
      const r = at(payload, 'check_run');
      // Our own check runs would otherwise wake steps waiting for CI.
      if ((str(r, 'name') ?? '').startsWith('agentflow'))
        return { kind: 'ignored', reason: "agentflow's own check run" };
      return ci(repo, str(r, 'head_sha'), str(r, 'conclusion'), str(r, 'name'), str(r, 'html_url'), {
        kind: 'check_run',
        id: id(r, 'id'),
        app: str(r, 'app.slug'),
        title: str(r, 'output.title'),
        summary: str(r, 'output.summary'),
      });
    }
    case 'workflow_run': {
      if (action !== 'completed')
        return { kind: 'ignored', reason: `workflow_run.${action ?? '?'} is not a result` };
      const w = at(payload, 'workflow_run');
      return ci(repo, str(w, 'head_sha'), str(w, 'conclusion'), str(w, 'name'), str(w, 'html_url'), {
        kind: 'workflow_run',
        id: id(w, 'id'),
        branch: str(w, 'head_branch'),
        event: str(w, 'event'),
      });
    }
    case 'status': {
      const state = str(payload, 'state');
      // Bitrise and other CIs report through commit statuses; pending is progress, not a result.
      const conclusion =
        state === 'success'
          ? 'success'
          : state === 'failure'
            ? 'failure'
            : state === 'error'
              ? 'error'
              : 'pending';
      return ci(
        repo,
        str(payload, 'sha'),
        conclusion,
        str(payload, 'context'),
        str(payload, 'target_url') ?? undefined,
        { kind: 'status', description: str(payload, 'description') },
      );
    }
    case 'push': {
      const after = str(payload, 'after');
      const ref = str(payload, 'ref');
      if (!repo || !after || !ref)
        return { kind: 'ignored', reason: 'push payload without repository, ref or head' };
      if (ZERO_SHA.test(after)) return { kind: 'ignored', reason: `branch ${ref} was deleted` };
      if (!ref.startsWith('refs/heads/'))
        return { kind: 'ignored', reason: `push to ${ref} is not a branch` };
      const before = str(payload, 'before');
      return {
        kind: 'push',
        trigger: 'push',
        change: {
          platform: 'github',
          repo,
          headSha: after,
          baseSha: before && !ZERO_SHA.test(before) ? before : undefined,
          headRef: ref.slice('refs/heads/'.length),
          author: str(payload, 'pusher.name') ?? str(payload, 'sender.login'),
          installationId,
        },
      };
    }
    default:
      return { kind: 'ignored', reason: `event ${event} is not handled by agentflow` };
  }
}
