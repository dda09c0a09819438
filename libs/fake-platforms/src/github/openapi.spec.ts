/**
 * The fake GitHub checks what it receives against GitHub's REST description: requests GitHub
 * accepts leave no violation, a malformed body and an unknown path are each recorded; and it
 * answers with GitHub's rate limits when told to.
 */
import { startFakeGitHub, type FakeGitHub } from './server';

describe("fake GitHub checked against GitHub's OpenAPI description", () => {
  let fake: FakeGitHub;

  beforeAll(async () => {
    fake = await startFakeGitHub({ checkOpenApi: true });
    fake.seedPullRequest({
      owner: 'acme',
      repo: 'app',
      number: 7,
      headSha: 'a'.repeat(40),
      baseSha: 'b'.repeat(40),
      files: [
        {
          filename: 'src/App.kt',
          status: 'modified',
          additions: 2,
          deletions: 0,
          patch: '@@ -1,1 +1,3 @@\n line\n+added\n+added',
        },
      ],
    });
  });

  afterAll(() => fake.close());

  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${fake.apiUrl}${path}`, {
      method,
      headers: {
        authorization: 'token ghs_test',
        'content-type': 'application/json',
        accept: 'application/vnd.github+json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('records nothing for requests GitHub accepts', async () => {
    const before = fake.violations.length;
    expect((await call('POST', '/repos/acme/app/issues/7/comments', { body: 'summary' })).status).toBe(201);
    expect((await call('GET', '/repos/acme/app/pulls/7/files?per_page=100&page=1')).status).toBe(200);
    const review = await call('POST', '/repos/acme/app/pulls/7/reviews', {
      commit_id: 'a'.repeat(40),
      event: 'COMMENT',
      body: 'review',
      comments: [{ path: 'src/App.kt', line: 2, side: 'RIGHT', body: 'inline' }],
    });
    expect(review.status).toBe(200);
    const check = await call('POST', '/repos/acme/app/check-runs', {
      name: 'agentflow/pr-review',
      head_sha: 'a'.repeat(40),
      status: 'in_progress',
      output: { title: 'Running', summary: 'steps' },
    });
    expect(check.status).toBe(201);
    // Octokit sends ref names with their slashes encoded; either way the path names an operation.
    expect((await call('GET', '/repos/acme/app/git/ref/heads%2Fmain')).status).toBe(200);
    expect((await call('GET', '/repos/acme/app/contents/src/App.kt?ref=' + 'a'.repeat(40))).status).toBe(404);
    expect(fake.violations.slice(before)).toEqual([]);
  });

  it('records a malformed body with what is wrong in it', async () => {
    const before = fake.violations.length;
    await call('POST', '/repos/acme/app/pulls/7/reviews', {
      event: 'COMMENTED',
      comments: [{ line: '2', body: 'inline' }],
    });
    expect(fake.violations.slice(before)).toEqual([
      {
        method: 'POST',
        path: '/repos/acme/app/pulls/7/reviews',
        operation: 'pulls/create-review',
        problems: [
          'body/event must be equal to one of the allowed values: ["APPROVE","REQUEST_CHANGES","COMMENT"]',
          "body/comments/0 must have required property 'path'",
          'body/comments/0/line must be integer',
        ],
      },
    ]);
  });

  it('records an unknown path, a method the path does not serve and an unknown query parameter', async () => {
    const before = fake.violations.length;
    await call('GET', '/repos/acme/app/pulls/7/summary');
    await call('DELETE', '/repos/acme/app/pulls/7');
    await call('GET', '/repos/acme/app/pulls/7/files?perpage=100');
    expect(fake.violations.slice(before).map((v) => v.problems)).toEqual([
      ["no operation in GitHub's REST description serves GET /repos/acme/app/pulls/7/summary"],
      ["DELETE is not an operation of /repos/acme/app/pulls/7 in GitHub's REST description"],
      ["query parameter 'perpage' is not a parameter of pulls/list-files"],
    ]);
  });

  it('records a missing required body and a path parameter of the wrong type', async () => {
    const before = fake.violations.length;
    await call('POST', '/repos/acme/app/check-runs');
    await call('PATCH', '/repos/acme/app/check-runs/latest', { status: 'completed', conclusion: 'neutral' });
    expect(fake.violations.slice(before).map((v) => v.problems)).toEqual([
      ['checks/create requires a JSON body'],
      ['path/check_run_id must be integer'],
    ]);
  });
});

describe('fake GitHub rate limits', () => {
  let fake: FakeGitHub;

  beforeAll(async () => {
    fake = await startFakeGitHub();
  });

  afterAll(() => fake.close());

  const post = () =>
    fetch(`${fake.apiUrl}/repos/acme/app/issues/7/comments`, {
      method: 'POST',
      headers: { authorization: 'token ghs_test', 'content-type': 'application/json' },
      body: JSON.stringify({ body: 'x' }),
    });

  it("answers a secondary rate limit with retry-after and GitHub's message, then serves again", async () => {
    fake.rateLimitNext({ path: '/issues/', status: 429, retryAfter: 7 });
    const limited = await post();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    const body = (await limited.json()) as { message: string; documentation_url: string };
    expect(body.message).toMatch(/^You have exceeded a secondary rate limit/);
    expect(body.documentation_url).toContain('secondary-rate-limits');
    expect((await post()).status).not.toBe(429);
  });

  it('answers a limit without retry-after with x-ratelimit-remaining 0 and the reset time', async () => {
    fake.rateLimitNext({ kind: 'primary', status: 403, resetAfter: 120, times: 2 });
    const now = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 2; i++) {
      const limited = await post();
      expect(limited.status).toBe(403);
      expect(limited.headers.get('retry-after')).toBeNull();
      expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
      const reset = Number(limited.headers.get('x-ratelimit-reset'));
      expect(reset).toBeGreaterThanOrEqual(now + 119);
      expect(reset).toBeLessThanOrEqual(now + 122);
      expect(((await limited.json()) as { message: string }).message).toMatch(/^API rate limit exceeded/);
    }
    expect((await post()).status).toBe(201);
  });
});
