import { Octokit } from '@octokit/rest';
import { WebClient, ErrorCode } from '@slack/web-api';
import { startFakeGitHub, type FakeGitHub } from './github/server';
import { startFakeSlack, type FakeSlack } from './slack/server';
import { startFakeGitLab, type FakeGitLab } from './gitlab/server';

const patch = '@@ -1,3 +1,4 @@\n import Foundation\n+let token = "abc"\n struct A {}\n }';

describe('fake GitHub through Octokit', () => {
  let gh: FakeGitHub;
  let octokit: Octokit;
  beforeAll(async () => {
    gh = await startFakeGitHub();
    octokit = new Octokit({
      auth: 'ghs_test',
      baseUrl: gh.apiUrl,
      request: { retries: 0 },
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    });
    gh.seedPullRequest({
      owner: 'acme',
      repo: 'app',
      number: 7,
      headSha: 'h1',
      baseSha: 'b1',
      files: [{ filename: 'A.swift', status: 'modified', additions: 1, deletions: 0, patch }],
      contents: { 'A.swift': 'import Foundation\nlet token = "abc"\nstruct A {}\n}' },
    });
  });
  afterAll(() => gh.close());

  it('stores and updates issue comments and serves them paginated', async () => {
    const { data } = await octokit.issues.createComment({
      owner: 'acme',
      repo: 'app',
      issue_number: 7,
      body: 'hello',
    });
    await octokit.issues.updateComment({ owner: 'acme', repo: 'app', comment_id: data.id, body: 'edited' });
    const all = await octokit.paginate(octokit.issues.listComments, {
      owner: 'acme',
      repo: 'app',
      issue_number: 7,
      per_page: 1,
    });
    expect(all.map((c) => c.body)).toEqual(['edited']);
    expect(gh.state.commentsOn('acme/app', 7)).toHaveLength(1);
  });

  it('rejects a review comment outside the diff with 422 and accepts one on a diff line', async () => {
    await expect(
      octokit.pulls.createReview({
        owner: 'acme',
        repo: 'app',
        pull_number: 7,
        event: 'COMMENT',
        comments: [{ path: 'A.swift', line: 40, body: 'x' }],
      }),
    ).rejects.toMatchObject({ status: 422 });
    await octokit.pulls.createReview({
      owner: 'acme',
      repo: 'app',
      pull_number: 7,
      event: 'COMMENT',
      body: 'r',
      comments: [{ path: 'A.swift', line: 2, side: 'RIGHT', body: 'x' }],
    });
    expect(gh.state.reviews).toHaveLength(1);
    expect(gh.state.reviewComments[0]).toMatchObject({ path: 'A.swift', line: 2 });
  });

  it('answers a forced secondary rate limit with 403 and Retry-After, and sends rate-limit headers', async () => {
    gh.failNext({ path: '/check-runs', status: 403, retryAfter: 3 });
    const error = await octokit.checks
      .create({ owner: 'acme', repo: 'app', name: 'x', head_sha: 'h1' })
      .catch((e: { status: number; response: { headers: Record<string, string> } }) => e);
    expect(error).toMatchObject({ status: 403 });
    expect((error as { response: { headers: Record<string, string> } }).response.headers['retry-after']).toBe(
      '3',
    );
    const ok = await octokit.checks.create({
      owner: 'acme',
      repo: 'app',
      name: 'x',
      head_sha: 'h1',
      status: 'completed',
      conclusion: 'neutral',
    });
    expect(ok.headers['x-ratelimit-remaining']).toBeDefined();
    expect(gh.state.checkRuns[0].conclusion).toBe('neutral');
  });

  it('creates a commit on a branch through the git data API and opens a pull request', async () => {
    const base = await octokit.git.getRef({ owner: 'acme', repo: 'app', ref: 'heads/feature/pr-7' });
    const tree = await octokit.git.createTree({
      owner: 'acme',
      repo: 'app',
      base_tree: base.data.object.sha,
      tree: [{ path: 'Tests/ATests.swift', mode: '100644', type: 'blob', content: 'test' }],
    });
    const commit = await octokit.git.createCommit({
      owner: 'acme',
      repo: 'app',
      message: 'tests',
      tree: tree.data.sha,
      parents: [base.data.object.sha],
    });
    await octokit.git.createRef({
      owner: 'acme',
      repo: 'app',
      ref: 'refs/heads/agentflow/tests',
      sha: commit.data.sha,
    });
    const pr = await octokit.pulls.create({
      owner: 'acme',
      repo: 'app',
      title: 'tests',
      head: 'agentflow/tests',
      base: 'main',
    });
    expect(pr.data.number).toBe(8);
    const file = await octokit.repos.getContent({
      owner: 'acme',
      repo: 'app',
      path: 'Tests/ATests.swift',
      ref: 'agentflow/tests',
    });
    expect(Buffer.from((file.data as { content: string }).content, 'base64').toString()).toBe('test');
  });
});

describe('fake Slack through @slack/web-api', () => {
  let slack: FakeSlack;
  beforeAll(async () => (slack = await startFakeSlack()));
  afterAll(() => slack.close());

  it('records chat.postMessage with blocks and answers 429 with Retry-After', async () => {
    const client = new WebClient('xoxb-test', {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
    await client.chat.postMessage({
      channel: '#ci',
      text: 'done',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*done*' } }],
    });
    expect(slack.messages[0]).toMatchObject({ channel: '#ci', text: 'done' });
    expect(slack.messages[0].blocks).toHaveLength(1);
    slack.failNext({ status: 429, retryAfter: 2 });
    const error = await client.chat
      .postMessage({ channel: '#ci', text: 'again' })
      .catch((e: { code: string; retryAfter: number }) => e);
    expect(error).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 2 });
  });

  it('answers conversations.history by channel ID, newest first, in cursor pages, with metadata only when asked', async () => {
    const client = new WebClient('xoxb-test', {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
    const posted = [];
    for (let i = 0; i < 5; i++) {
      posted.push(
        await client.chat.postMessage({
          channel: '#history',
          text: `m${i}`,
          metadata: { event_type: 'agentflow_post', event_payload: { key: `k${i}` } },
        }),
      );
    }
    const id = posted[0].channel!;
    expect(id).toMatch(/^C[A-Z0-9]{8,}$/);
    expect(posted.every((p) => p.channel === id)).toBe(true);
    // A name is not an ID: Slack does not find the channel.
    await expect(client.conversations.history({ channel: '#history' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });

    const first = await client.conversations.history({ channel: id, limit: 2 });
    expect(first.messages!.map((m) => m.text)).toEqual(['m4', 'm3']);
    expect(first.messages![0]).not.toHaveProperty('metadata');
    expect(first.has_more).toBe(true);
    const cursor = first.response_metadata!.next_cursor!;
    expect(cursor).not.toBe('');
    const second = await client.conversations.history({
      channel: id,
      limit: 2,
      cursor,
      include_all_metadata: true,
    });
    expect(second.messages!.map((m) => m.text)).toEqual(['m2', 'm1']);
    expect(second.messages![0].metadata).toEqual({
      event_type: 'agentflow_post',
      event_payload: { key: 'k2' },
    });
    const last = await client.conversations.history({
      channel: id,
      limit: 2,
      cursor: second.response_metadata!.next_cursor!,
    });
    expect(last.messages!.map((m) => m.text)).toEqual(['m0']);
    expect(last.has_more).toBe(false);
    expect(last.response_metadata?.next_cursor ?? '').toBe('');

    // `oldest` is exclusive unless `inclusive`; `limit` is capped at 999.
    const since = await client.conversations.history({ channel: id, oldest: posted[3].ts, limit: 5000 });
    expect(since.messages!.map((m) => m.text)).toEqual(['m4']);
    const sinceInclusive = await client.conversations.history({
      channel: id,
      oldest: posted[3].ts,
      inclusive: true,
    });
    expect(sinceInclusive.messages!.map((m) => m.text)).toEqual(['m4', 'm3']);
    await expect(
      client.conversations.history({ channel: id, cursor: 'bm90LWEtY3Vyc29y' }),
    ).rejects.toMatchObject({ data: { error: 'invalid_cursor' } });
    await expect(
      client.chat.postMessage({ channel: '#history', text: 'bad', metadata: { event_type: 'x' } as never }),
    ).rejects.toMatchObject({ data: { error: 'invalid_metadata_format' } });
  });

  it('rate-limits a method per minute with 429 and the seconds left as Retry-After', async () => {
    const limited = await startFakeSlack({ rateLimitPerMinute: { 'conversations.history': 2 } });
    try {
      const client = new WebClient('xoxb-test', {
        slackApiUrl: limited.apiUrl,
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
      });
      const { channel } = await client.chat.postMessage({ channel: '#busy', text: 'x' });
      await client.conversations.history({ channel: channel! });
      await client.conversations.history({ channel: channel! });
      const error = await client.conversations
        .history({ channel: channel! })
        .catch((e: { code: string; retryAfter: number }) => e);
      expect(error).toMatchObject({ code: ErrorCode.RateLimitedError });
      expect((error as { retryAfter: number }).retryAfter).toBeGreaterThanOrEqual(1);
      expect((error as { retryAfter: number }).retryAfter).toBeLessThanOrEqual(60);
      // Other methods have their own budget.
      await expect(client.chat.postMessage({ channel: '#busy', text: 'y' })).resolves.toMatchObject({
        ok: true,
      });
    } finally {
      await limited.close();
    }
  });
});

describe('fake GitLab', () => {
  let gl: FakeGitLab;
  beforeAll(async () => (gl = await startFakeGitLab()));
  afterAll(() => gl.close());

  it('rejects unauthenticated calls and a discussion off the diff', async () => {
    gl.seedMergeRequest({
      projectId: 5,
      projectPath: 'acme/app',
      iid: 2,
      title: 't',
      state: 'opened',
      author: 'dev',
      sourceBranch: 'f',
      targetBranch: 'main',
      headSha: 'h',
      baseSha: 'b',
      diffs: [
        {
          old_path: 'A.kt',
          new_path: 'A.kt',
          diff: patch,
          new_file: false,
          renamed_file: false,
          deleted_file: false,
        },
      ],
    });
    expect((await fetch(`${gl.url}/api/v4/projects/5/merge_requests/2`)).status).toBe(401);
    const post = (line: number) =>
      fetch(`${gl.url}/api/v4/projects/5/merge_requests/2/discussions`, {
        method: 'POST',
        headers: { 'private-token': 't', 'content-type': 'application/json' },
        body: JSON.stringify({
          body: 'x',
          position: {
            position_type: 'text',
            base_sha: 'b',
            start_sha: 'b',
            head_sha: 'h',
            new_path: 'A.kt',
            new_line: line,
          },
        }),
      });
    expect((await post(40)).status).toBe(400);
    expect((await post(2)).status).toBe(201);
    expect(gl.notes).toHaveLength(1);
  });
});
