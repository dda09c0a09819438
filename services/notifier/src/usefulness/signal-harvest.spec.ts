/**
 * The signal harvest on PGlite, the fake GitHub and the fake GitLab: once a pull request ended it
 * reads people's reactions on agentflow's inline comments and summary, whether a suggestion was
 * applied, and on GitLab who resolved each discussion, within its request budget, once per PR.
 * Comments are posted on the fakes as the sinks post them, so their ids are the platform's and a
 * deleted one answers 404.
 */
import { Octokit } from '@octokit/rest';
import {
  startFakeGitHub,
  startFakeGitLab,
  type FakeGitHub,
  type FakeGitLab,
} from '@agentflow/fake-platforms';
import { PgliteDatabase, runMigrations, type SqlDatabase } from '@agentflow/store';
import { GitHubAccess } from '../sinks/github/github-access';
import { GitLabApi } from '../sinks/gitlab/gitlab-api';
import { SignalHarvest, suggestionApplied } from './signal-harvest';
import { GitHubSignalReader, GitLabSignalReader } from './signal-readers';

const H1 = '1'.repeat(40);
const H2 = '2'.repeat(40);
const BASE = '0'.repeat(40);
const BEFORE =
  'export function total(items) {\n  let t = 0;\n  for (const i of items) t += i.price;\n  return t;\n}\n';
const SUGGESTED = 'return items.reduce((t, i) => t + i.price, 0);';
const AFTER = `export function total(items) {\n  ${SUGGESTED}\n}\n`;
/** The change from BEFORE to AFTER: line 2 of the new side is an added line, where inline comments sit. */
const CART = {
  filename: 'src/cart.ts',
  status: 'modified' as const,
  additions: 1,
  deletions: 3,
  patch: `@@ -1,5 +1,3 @@\n export function total(items) {\n-  let t = 0;\n-  for (const i of items) t += i.price;\n-  return t;\n+  ${SUGGESTED}\n }`,
};

describe('signal harvest', () => {
  let db: SqlDatabase;
  let gh: FakeGitHub;
  let gl: FakeGitLab;
  const warnings: string[] = [];
  const harvest = (o: { maxRequests?: number; maxPerPullRequest?: number } = {}) =>
    new SignalHarvest({
      db,
      readers: {
        github: new GitHubSignalReader(new GitHubAccess({ apiUrl: gh.apiUrl, token: 'ghs_harvest' })),
        gitlab: new GitLabSignalReader(new GitLabApi(gl.apiUrl, 'glpat', 2000)),
      },
      intervalMs: 60_000,
      log: { warn: (m) => warnings.push(m) },
      ...o,
    });
  const nextPeriod = () => db.query(`UPDATE notifier_sweeps SET started_at = now() - interval '1 hour'`);
  const api = () => new Octokit({ baseUrl: gh.apiUrl, auth: 'ghs_harvest' });
  /** agentflow's inline comments on a GitHub PR, posted as one review as the GitHub sink posts them: their ids. */
  const postInline = async (slug: string, pr: number, count: number): Promise<number[]> => {
    const [owner, repo] = slug.split('/');
    await api().pulls.createReview({
      owner,
      repo,
      pull_number: pr,
      event: 'COMMENT',
      comments: Array.from({ length: count }, (_, i) => ({
        path: CART.filename,
        line: 2,
        side: 'RIGHT',
        body: `finding ${i}`,
      })),
    });
    const { data } = await api().pulls.listReviewComments({ owner, repo, pull_number: pr, per_page: 100 });
    return data.slice(-count).map((c) => c.id);
  };
  /** agentflow's summary comment on a GitHub PR: its id. */
  const postSummary = async (slug: string, pr: number): Promise<number> => {
    const [owner, repo] = slug.split('/');
    const { data } = await api().issues.createComment({
      owner,
      repo,
      issue_number: pr,
      body: 'agentflow review',
    });
    return data.id;
  };
  const signals = async (repo: string, fp: string) =>
    Object.fromEntries(
      (
        await db.query<{ signal: string; active: boolean; actor: string | null }>(
          `SELECT s.signal, s.active, s.actor FROM finding_signals s JOIN findings f ON f.id = s.finding_id WHERE f.repo = $1 AND f.fingerprint = $2 ORDER BY s.signal`,
          [repo, fp],
        )
      ).rows.map((r) => [r.signal, r.actor ? `${r.active}:${r.actor}` : r.active]),
    );

  const finding = async (
    platform: string,
    repo: string,
    pr: number,
    fp: string,
    commentId: string | number | null,
    headSha: string,
    suggestion?: string,
    resolved = false,
  ) => {
    await db.query(
      `INSERT INTO findings (platform, repo, pr, workflow, fingerprint, state, file, start_line, end_line, severity, category, message, confidence, agent, model, source, suggestion,
                             first_seen_run, first_seen_sha, last_seen_run, last_seen_sha)
       VALUES ($1, $2, $3, 'review', $4, 'open', 'src/cart.ts', 2, 4, 'minor', 'style', 'm', 0.9, 'style', 'claude', 'llm', $5, 'r', $6, 'r', $6)`,
      [platform, repo, pr, fp, suggestion ? JSON.stringify({ replacement: suggestion }) : null, headSha],
    );
    if (commentId) {
      await db.query(
        `INSERT INTO notifier_inline_comments (platform, repo, pr, workflow, fingerprint, comment_id, run_id, head_sha, resolved) VALUES ($1, $2, $3, 'review', $4, $5, 'r', $6, $7)`,
        [platform, repo, pr, fp, String(commentId), headSha, resolved],
      );
    }
  };
  const ended = (platform: string, repo: string, pr: number, ago = '1 hour') =>
    db.query(
      `INSERT INTO pull_request_outcomes (platform, repo, pr, outcome, ended_at, delivery_id) VALUES ($1, $2, $3, 'merged', now() - $4::interval, 'd')`,
      [platform, repo, pr, ago],
    );

  beforeAll(async () => {
    db = await PgliteDatabase.open();
    await runMigrations(db);
    gh = await startFakeGitHub();
    gl = await startFakeGitLab();
  });
  afterAll(async () => {
    await gh.close();
    await gl.close();
    await db.close();
  });

  it('tells an applied suggestion from code that was already there or is too small to tell', () => {
    expect(suggestionApplied(SUGGESTED, BEFORE, AFTER)).toBe(true);
    expect(suggestionApplied(`    ${SUGGESTED}\n\n`, BEFORE, AFTER)).toBe(true);
    expect(suggestionApplied(SUGGESTED, AFTER, AFTER)).toBe(false);
    expect(suggestionApplied(SUGGESTED, BEFORE, BEFORE)).toBe(false);
    expect(suggestionApplied('}', BEFORE, AFTER)).toBe(false);
    expect(suggestionApplied(SUGGESTED, BEFORE, undefined)).toBe(false);
  });

  it('reads GitHub reactions of people on the inline comments and the summary, and the suggestion applied in a later push', async () => {
    gh.seedPullRequest({
      owner: 'acme',
      repo: 'shop',
      number: 9,
      headSha: H1,
      baseSha: BASE,
      files: [CART],
      contents: { 'src/cart.ts': BEFORE },
    });
    const [suggest, liked, disliked] = await postInline('acme/shop', 9, 3);
    gh.pushToPullRequest('acme', 'shop', 9, H2, [], { 'src/cart.ts': AFTER });
    const summary = await postSummary('acme/shop', 9);
    await finding('github', 'acme/shop', 9, 'fp-suggest', suggest, H1, SUGGESTED);
    await finding('github', 'acme/shop', 9, 'fp-liked', liked, H1);
    await finding('github', 'acme/shop', 9, 'fp-disliked', disliked, H1);
    await finding('github', 'acme/shop', 9, 'fp-summary-only', null, H1);
    await db.query(
      `INSERT INTO notifier_summaries (platform, repo, pr, workflow, comment_id, head_sha, run_id, finished_at) VALUES ('github', 'acme/shop', 9, 'review', $2, $1, 'r', now())`,
      [H2, String(summary)],
    );
    gh.react(`review_comment:${liked}`, '+1', 'dev');
    gh.react(`review_comment:${liked}`, 'heart', 'lead');
    gh.react(`review_comment:${disliked}`, 'confused', 'dev');
    gh.react(`review_comment:${disliked}`, '-1', 'dependabot[bot]');
    gh.state.reactions.at(-1)!.user.type = 'Bot';
    gh.react(`issue_comment:${summary}`, 'hooray', 'lead');
    await ended('github', 'acme/shop', 9);

    const [pr] = (await harvest().sweepOnce())!;
    // 3 inline comments, 1 summary, the head, the file at H1 and at H2.
    expect(pr).toEqual({
      platform: 'github',
      repo: 'acme/shop',
      pr: 9,
      requests: 7,
      signals: { reacted_up: 1, reacted_down: 1, suggestion_applied: 1, thread_resolved: 0 },
      summaries: 1,
      deleted: 0,
      partial: null,
    });
    expect(await signals('acme/shop', 'fp-suggest')).toEqual({
      reacted_down: false,
      reacted_up: false,
      suggestion_applied: true,
    });
    expect(await signals('acme/shop', 'fp-liked')).toEqual({ reacted_down: false, reacted_up: 'true:dev' });
    // The bot's 👎 is not a person's.
    expect(await signals('acme/shop', 'fp-disliked')).toEqual({
      reacted_down: 'true:dev',
      reacted_up: false,
    });
    expect(await signals('acme/shop', 'fp-summary-only')).toEqual({});
    expect(
      (await db.query(`SELECT positive, negative FROM summary_reactions WHERE repo = 'acme/shop'`)).rows,
    ).toEqual([{ positive: 1, negative: 0 }]);
    const reads = gh.requests
      .filter((r) => r.method === 'GET' && r.path.includes('/reactions'))
      .map((r) => r.path);
    expect(reads.sort()).toEqual(
      [
        `/repos/acme/shop/issues/comments/${summary}/reactions`,
        ...[suggest, liked, disliked].map((id) => `/repos/acme/shop/pulls/comments/${id}/reactions`),
      ].sort(),
    );

    // Harvested once: the next sweep reads nothing more.
    await nextPeriod();
    const before = gh.requests.length;
    expect(await harvest().sweepOnce()).toEqual([]);
    expect(gh.requests.length).toBe(before);
  });

  it('reads GitLab award emoji and the discussions a person resolved, not those agentflow resolved', async () => {
    gl.seedMergeRequest(
      {
        projectId: 42,
        projectPath: 'acme/app',
        iid: 3,
        title: 't',
        state: 'merged',
        author: 'dev',
        sourceBranch: 'f',
        targetBranch: 'main',
        headSha: H2,
        baseSha: BASE,
        diffs: [],
      },
      { 'src/cart.ts': AFTER },
    );
    gl.files.set(H1, { 'src/cart.ts': BEFORE });
    const discussion = (fp: string) => {
      const id = `d-${fp}`;
      gl.notes.push({
        id: gl.notes.length + 900,
        projectId: 42,
        mrIid: 3,
        body: fp,
        author: 'agentflow-bot',
        system: false,
        discussionId: id,
        position: { new_line: 2 },
        resolved: false,
        updated: Date.now(),
      });
      return { id, noteId: gl.notes.at(-1)!.id };
    };
    const a = discussion('gl-resolved');
    const b = discussion('gl-bot-resolved');
    const c = discussion('gl-suggest');
    await finding('gitlab', 'acme/app', 3, 'gl-resolved', String(a.noteId), H1);
    await finding('gitlab', 'acme/app', 3, 'gl-bot-resolved', String(b.noteId), H1, undefined, true);
    await finding('gitlab', 'acme/app', 3, 'gl-suggest', String(c.noteId), H1, SUGGESTED);
    await db.query(
      `INSERT INTO runs (id, workflow, platform, repo, pr, head_sha, trigger, status, report) VALUES ('gl-run', 'review', 'gitlab', 'acme/app', 3, $1, 'merge_request', 'completed', $2)`,
      [H2, JSON.stringify({ change: { platform: 'gitlab', repo: 'acme/app', pr: 3, projectId: 42 } })],
    );
    gl.resolveDiscussion(a.id, 'reviewer');
    gl.resolveDiscussion(b.id, 'agentflow-bot');
    gl.award(a.noteId, 'thumbsup', 'reviewer');
    gl.award(c.noteId, 'thumbsdown', 'dev');
    await ended('gitlab', 'acme/app', 3);
    await nextPeriod();

    const [pr] = (await harvest().sweepOnce())!;
    expect(pr).toMatchObject({
      platform: 'gitlab',
      repo: 'acme/app',
      pr: 3,
      signals: { reacted_up: 1, reacted_down: 1, suggestion_applied: 1, thread_resolved: 1 },
      partial: null,
    });
    expect(await signals('acme/app', 'gl-resolved')).toEqual({
      reacted_down: false,
      reacted_up: 'true:reviewer',
      thread_resolved: 'true:reviewer',
    });
    expect(await signals('acme/app', 'gl-bot-resolved')).toEqual({ reacted_down: false, reacted_up: false });
    expect(await signals('acme/app', 'gl-suggest')).toEqual({
      reacted_down: 'true:dev',
      reacted_up: false,
      suggestion_applied: true,
    });
  });

  it('keeps to the budget: a PR past its cap is read in part and says so, a sweep stops before the next PR', async () => {
    gh.seedPullRequest({ owner: 'acme', repo: 'big', number: 20, headSha: H1, baseSha: BASE, files: [CART] });
    const big = await postInline('acme/big', 20, 5);
    for (let i = 0; i < 5; i++) await finding('github', 'acme/big', 20, `big-${i}`, big[i], H1);
    gh.seedPullRequest({
      owner: 'acme',
      repo: 'small',
      number: 21,
      headSha: H1,
      baseSha: BASE,
      files: [CART],
    });
    const [small] = await postInline('acme/small', 21, 1);
    await finding('github', 'acme/small', 21, 'small-0', small, H1);
    await ended('github', 'acme/big', 20, '2 hours');
    await ended('github', 'acme/small', 21, '1 hour');
    await nextPeriod();
    const first = (await harvest({ maxRequests: 3, maxPerPullRequest: 3 }).sweepOnce())!;
    expect(first.map((p) => [p.repo, p.requests, p.partial])).toEqual([
      ['acme/big', 3, 'over the 3-request cap: not read 2 of 5 inline comments'],
    ]);
    expect(warnings).toContain(
      'notifier: signals of acme/big#20 read in part, over the 3-request cap: not read 2 of 5 inline comments',
    );
    await nextPeriod();
    expect(
      (await harvest({ maxRequests: 3, maxPerPullRequest: 3 }).sweepOnce())!.map((p) => [p.repo, p.requests]),
    ).toEqual([['acme/small', 1]]);
  });

  it('stops at a failed read and harvests that PR on a later sweep', async () => {
    gh.seedPullRequest({
      owner: 'acme',
      repo: 'flaky',
      number: 30,
      headSha: H1,
      baseSha: BASE,
      files: [CART],
    });
    const [flaky] = await postInline('acme/flaky', 30, 1);
    await finding('github', 'acme/flaky', 30, 'flaky-0', flaky, H1);
    await ended('github', 'acme/flaky', 30);
    await nextPeriod();
    gh.failNext({
      method: 'GET',
      path: new RegExp(`/pulls/comments/${flaky}/reactions`),
      status: 500,
      times: 1,
    });
    expect(await harvest().sweepOnce()).toEqual([]);
    expect(warnings.at(-1)).toMatch(
      /^notifier: harvesting signals of acme\/flaky#30 failed, the harvest stops here/,
    );
    await nextPeriod();
    expect((await harvest().sweepOnce())!.map((p) => p.repo)).toEqual(['acme/flaky']);
  });

  it('reads a GitHub comment a person deleted as having no reactions and harvests on: that PR and the next', async () => {
    gh.seedPullRequest({
      owner: 'acme',
      repo: 'gone',
      number: 40,
      headSha: H1,
      baseSha: BASE,
      files: [CART],
    });
    const [deletedInline, kept] = await postInline('acme/gone', 40, 2);
    const summary = await postSummary('acme/gone', 40);
    await finding('github', 'acme/gone', 40, 'gone-deleted', deletedInline, H1);
    await finding('github', 'acme/gone', 40, 'gone-kept', kept, H1);
    await db.query(
      `INSERT INTO notifier_summaries (platform, repo, pr, workflow, comment_id, head_sha, run_id, finished_at) VALUES ('github', 'acme/gone', 40, 'review', $2, $1, 'r', now())`,
      [H1, String(summary)],
    );
    gh.react(`review_comment:${deletedInline}`, '-1', 'dev');
    gh.react(`review_comment:${kept}`, '+1', 'dev');
    gh.react(`issue_comment:${summary}`, '-1', 'lead');
    await api().pulls.deleteReviewComment({ owner: 'acme', repo: 'gone', comment_id: deletedInline });
    await api().issues.deleteComment({ owner: 'acme', repo: 'gone', comment_id: summary });
    gh.seedPullRequest({
      owner: 'acme',
      repo: 'next',
      number: 41,
      headSha: H1,
      baseSha: BASE,
      files: [CART],
    });
    const [next] = await postInline('acme/next', 41, 1);
    await finding('github', 'acme/next', 41, 'next-0', next, H1);
    await ended('github', 'acme/gone', 40, '2 hours');
    await ended('github', 'acme/next', 41, '1 hour');
    await nextPeriod();
    const warned = warnings.length;

    const swept = (await harvest().sweepOnce())!;
    expect(
      gh.requests
        .filter((r) => r.path.includes('/reactions') && r.status === 404)
        .map((r) => r.path)
        .sort(),
    ).toEqual([
      `/repos/acme/gone/issues/comments/${summary}/reactions`,
      `/repos/acme/gone/pulls/comments/${deletedInline}/reactions`,
    ]);
    expect(swept.map((p) => [p.repo, p.deleted, p.signals.reacted_up, p.signals.reacted_down])).toEqual([
      ['acme/gone', 2, 1, 0],
      ['acme/next', 0, 0, 0],
    ]);
    expect(await signals('acme/gone', 'gone-deleted')).toEqual({ reacted_down: false, reacted_up: false });
    expect(await signals('acme/gone', 'gone-kept')).toEqual({ reacted_down: false, reacted_up: 'true:dev' });
    expect(
      (await db.query(`SELECT positive, negative FROM summary_reactions WHERE repo = 'acme/gone'`)).rows,
    ).toEqual([{ positive: 0, negative: 0 }]);
    expect(warnings.slice(warned)).toEqual([]);
  });

  it('reads a GitLab note a person deleted as having no award emoji and harvests the merge request', async () => {
    gl.seedMergeRequest({
      projectId: 42,
      projectPath: 'acme/app',
      iid: 5,
      title: 't',
      state: 'merged',
      author: 'dev',
      sourceBranch: 'g',
      targetBranch: 'main',
      headSha: H1,
      baseSha: BASE,
      diffs: [],
    });
    const gitlab = new GitLabApi(gl.apiUrl, 'glpat', 2000);
    const mr = '/projects/42/merge_requests/5';
    const note = async () =>
      (
        await gitlab.request<{ notes: Array<{ id: number }> }>('POST', `${mr}/discussions`, {
          body: 'finding',
        })
      ).notes[0].id;
    const deleted = await note();
    const kept = await note();
    await finding('gitlab', 'acme/app', 5, 'gl-deleted', String(deleted), H1);
    await finding('gitlab', 'acme/app', 5, 'gl-kept', String(kept), H1);
    await db.query(
      `INSERT INTO runs (id, workflow, platform, repo, pr, head_sha, trigger, status, report) VALUES ('gl-run-5', 'review', 'gitlab', 'acme/app', 5, $1, 'merge_request', 'completed', $2)`,
      [H1, JSON.stringify({ change: { platform: 'gitlab', repo: 'acme/app', pr: 5, projectId: 42 } })],
    );
    gl.award(deleted, 'thumbsdown', 'reviewer');
    gl.award(kept, 'thumbsup', 'reviewer');
    await gitlab.request('DELETE', `${mr}/notes/${deleted}`);
    await ended('gitlab', 'acme/app', 5);
    await nextPeriod();

    const [pr] = (await harvest().sweepOnce())!;
    expect(
      gl.requests.filter((r) => r.path.includes(`/notes/${deleted}/award_emoji`)).map((r) => r.status),
    ).toEqual([404]);
    expect(pr).toMatchObject({
      repo: 'acme/app',
      pr: 5,
      deleted: 1,
      signals: { reacted_up: 1, reacted_down: 0 },
    });
    expect(await signals('acme/app', 'gl-deleted')).toEqual({ reacted_down: false, reacted_up: false });
    expect(await signals('acme/app', 'gl-kept')).toEqual({
      reacted_down: false,
      reacted_up: 'true:reviewer',
    });
  });
});
