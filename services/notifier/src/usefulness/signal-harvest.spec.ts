/**
 * The signal harvest on PGlite, the fake GitHub and the fake GitLab: once a pull request ended it
 * reads people's reactions on agentflow's inline comments and summary, whether a suggestion was
 * applied, and on GitLab who resolved each discussion, within its request budget, once per PR.
 */
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
    commentId: string | null,
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
        [platform, repo, pr, fp, commentId, headSha, resolved],
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
      files: [],
      contents: { 'src/cart.ts': BEFORE },
    });
    gh.pushToPullRequest('acme', 'shop', 9, H2, [], { 'src/cart.ts': AFTER });
    await finding('github', 'acme/shop', 9, 'fp-suggest', '501', H1, SUGGESTED);
    await finding('github', 'acme/shop', 9, 'fp-liked', '502', H1);
    await finding('github', 'acme/shop', 9, 'fp-disliked', '503', H1);
    await finding('github', 'acme/shop', 9, 'fp-summary-only', null, H1);
    await db.query(
      `INSERT INTO notifier_summaries (platform, repo, pr, workflow, comment_id, head_sha, run_id, finished_at) VALUES ('github', 'acme/shop', 9, 'review', '700', $1, 'r', now())`,
      [H2],
    );
    gh.react('review_comment:502', '+1', 'dev');
    gh.react('review_comment:502', 'heart', 'lead');
    gh.react('review_comment:503', 'confused', 'dev');
    gh.react('review_comment:503', '-1', 'dependabot[bot]');
    gh.state.reactions.at(-1)!.user.type = 'Bot';
    gh.react('issue_comment:700', 'hooray', 'lead');
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
    expect(reads.sort()).toEqual([
      '/repos/acme/shop/issues/comments/700/reactions',
      ...['501', '502', '503'].map((id) => `/repos/acme/shop/pulls/comments/${id}/reactions`),
    ]);

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
    for (let i = 0; i < 5; i++) await finding('github', 'acme/big', 20, `big-${i}`, String(800 + i), H1);
    gh.seedPullRequest({ owner: 'acme', repo: 'small', number: 21, headSha: H1, baseSha: BASE, files: [] });
    await finding('github', 'acme/small', 21, 'small-0', '900', H1);
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
    gh.seedPullRequest({ owner: 'acme', repo: 'flaky', number: 30, headSha: H1, baseSha: BASE, files: [] });
    await finding('github', 'acme/flaky', 30, 'flaky-0', '950', H1);
    await ended('github', 'acme/flaky', 30);
    await nextPeriod();
    gh.failNext({ method: 'GET', path: /\/pulls\/comments\/950\/reactions/, status: 500, times: 1 });
    expect(await harvest().sweepOnce()).toEqual([]);
    expect(warnings.at(-1)).toMatch(
      /^notifier: harvesting signals of acme\/flaky#30 failed, the harvest stops here/,
    );
    await nextPeriod();
    expect((await harvest().sweepOnce())!.map((p) => p.repo)).toEqual(['acme/flaky']);
  });
});
