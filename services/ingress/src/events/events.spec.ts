import { githubExample, gitlabSamples } from '../testing/fixtures';
import { parseCommand } from './commands';
import { readGitHubEvent } from './github-events';
import { readGitLabEvent } from './gitlab-events';

describe('reading deliveries', () => {
  it('parses /agentflow commands from the first line that has one', () => {
    expect(parseCommand('LGTM\n/agentflow review please')).toEqual({
      command: 'review',
      typed: 'review',
      args: ['please'],
    });
    expect(parseCommand('/agentflow dismiss 0123456789ab')).toEqual({
      command: 'dismiss',
      typed: 'dismiss',
      args: ['0123456789ab'],
    });
    expect(parseCommand('/agentflow frobnicate')).toMatchObject({ command: 'help', typed: 'frobnicate' });
    expect(parseCommand('no command here')).toBeNull();
  });

  it('reads pull requests, comments and CI results from the real GitHub examples', () => {
    const opened = readGitHubEvent('pull_request', JSON.parse(githubExample('pull_request', 'opened').body));
    expect(opened).toMatchObject({
      kind: 'change',
      trigger: 'pull_request.opened',
      change: { platform: 'github', repo: 'Codertocat/Hello-World', pr: 2 },
    });
    // A closed PR cancels its runs (merged or not).
    const closed = JSON.parse(githubExample('pull_request', 'closed').body);
    expect(readGitHubEvent('pull_request', closed)).toEqual({
      kind: 'closed',
      platform: 'github',
      repo: 'Codertocat/Hello-World',
      pr: closed.pull_request.number,
      how: closed.pull_request.merged ? 'merged' : 'closed',
    });
    expect(
      readGitHubEvent('pull_request', { ...closed, pull_request: { ...closed.pull_request, merged: true } }),
    ).toMatchObject({ kind: 'closed', how: 'merged' });
    expect(
      readGitLabEvent('Merge Request Hook', {
        project: { id: 3, path_with_namespace: 'acme/android' },
        object_attributes: { action: 'merge', iid: 4, state: 'merged' },
      }),
    ).toEqual({ kind: 'closed', platform: 'gitlab', repo: 'acme/android', pr: 4, how: 'merged' });
    expect(
      readGitLabEvent('Merge Request Hook', {
        project: { id: 3, path_with_namespace: 'acme/android' },
        object_attributes: { action: 'close', iid: 4, state: 'closed' },
      }),
    ).toMatchObject({ kind: 'closed', how: 'closed' });
    const check = readGitHubEvent('check_suite', JSON.parse(githubExample('check_suite', 'completed').body));
    expect(check).toMatchObject({ kind: 'ci', ci: { platform: 'github', conclusion: 'success' } });
    expect(readGitHubEvent('status', JSON.parse(githubExample('status').body))).toMatchObject({ kind: 'ci' });
    const comment = JSON.parse(githubExample('issue_comment', 'created').body);
    comment.issue.pull_request = { url: 'x' };
    comment.comment.body = '/agentflow review';
    comment.comment.user.type = 'User';
    expect(readGitHubEvent('issue_comment', comment)).toMatchObject({
      kind: 'command',
      command: 'review',
      commenter: comment.comment.user.login,
    });
    comment.comment.user.type = 'Bot';
    expect(readGitHubEvent('issue_comment', comment)).toMatchObject({
      kind: 'ignored',
      reason: 'comment by a bot',
    });
    expect(readGitHubEvent('push', JSON.parse(githubExample('push').body)).kind).toMatch(/push|ignored/);
  });

  const samples = gitlabSamples();
  (samples ? it : it.skip)(
    `reads GitLab's documented hook bodies${samples ? '' : ' (skipped: /work/shared/samples is absent)'}`,
    () => {
      const [mr, note, pipeline] = samples!.map((s) => readGitLabEvent(s.event, JSON.parse(s.body)));
      expect(mr).toMatchObject({
        kind: 'change',
        trigger: 'pull_request.opened',
        change: {
          platform: 'gitlab',
          repo: 'gitlabhq/gitlab-test',
          pr: 1,
          headSha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
          projectId: 1,
        },
      });
      expect(note).toMatchObject({ kind: 'ignored', reason: 'note has no /agentflow command' });
      const commandNote = JSON.parse(samples![1].body);
      commandNote.object_attributes.note = '/agentflow test';
      expect(readGitLabEvent('Note Hook', commandNote)).toMatchObject({
        kind: 'command',
        command: 'test',
        pr: 1,
        commenter: 'root',
        commenterId: 1,
        projectId: 5,
      });
      expect(pipeline).toMatchObject({
        kind: 'ci',
        ci: {
          platform: 'gitlab',
          headSha: 'bcbb5ec396a2c0f828686f14fac9b80b780504f2',
          conclusion: 'success',
        },
      });
    },
  );
});
