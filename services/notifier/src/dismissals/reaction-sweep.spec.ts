/**
 * The GitHub reaction sweep on PGlite and the fake GitHub: it reads only where a 👎 can unblock
 * someone (a failed latest check, comments of the last 7 days), at most 50 reads per sweep, least
 * recently read first, and one replica sweeps per period. The comments are posted on the fake as the
 * GitHub sink posts them (one review), so their ids are GitHub's and a deleted one answers 404.
 */
import { Octokit } from '@octokit/rest';
import type { FindingDismissed } from '@agentflow/contracts';
import { startFakeGitHub, type FakeGitHub } from '@agentflow/fake-platforms';
import { PgliteDatabase, runMigrations, type SqlDatabase } from '@agentflow/store';
import { GitHubAccess } from '../sinks/github/github-access';
import { GitHubSink } from '../sinks/github/github-sink';
import { PostedStore } from '../sinks/posted-store';
import { REACTION_SWEEP_MAX_CALLS, ReactionSweep } from './reaction-sweep';

const REPO = 'acme/app';
const quiet = { warn: () => undefined };
/** One changed file: line 2 of the new side is an added line, so inline comments may sit on it. */
const FILE = {
  filename: 'src/app.ts',
  status: 'modified' as const,
  additions: 1,
  deletions: 1,
  patch: '@@ -1,3 +1,3 @@\n const a = 1;\n-const b = 2;\n+const b = 3;\n const c = 4;',
};

describe('GitHub reaction sweep', () => {
  let db: SqlDatabase;
  let gh: FakeGitHub;
  let sink: GitHubSink;
  const announced: FindingDismissed[] = [];
  const sweep = () => new ReactionSweep({ db, github: sink, intervalMs: 60_000, log: quiet });
  const reads = () =>
    gh.requests
      .filter((r) => r.method === 'GET' && /\/pulls\/comments\/\d+\/reactions/.test(r.path))
      .map((r) => Number(/comments\/(\d+)\//.exec(r.path)![1]));
  const nextPeriod = () => db.query(`UPDATE notifier_sweeps SET started_at = now() - interval '1 hour'`);
  /** The ids of each PR's inline comments, in the order posted (fingerprint `fp-<pr>-<index>`). */
  const ids: Record<number, number[]> = {};
  const api = () => new Octokit({ baseUrl: gh.apiUrl, auth: 'ghs_sweep' });

  /** A PR whose latest check of workflow `w` concluded `conclusion`, with `comments` inline comments posted on GitHub. */
  async function seedPr(pr: number, conclusion: string, comments: number, ageDays = 0): Promise<void> {
    const head = String(pr).repeat(40).slice(0, 40);
    const [owner, repo] = REPO.split('/');
    gh.seedPullRequest({ owner, repo, number: pr, headSha: head, baseSha: '0'.repeat(40), files: [FILE] });
    await api().pulls.createReview({
      owner,
      repo,
      pull_number: pr,
      commit_id: head,
      event: 'COMMENT',
      comments: Array.from({ length: comments }, (_, i) => ({
        path: FILE.filename,
        line: 2,
        side: 'RIGHT',
        body: `finding ${i}`,
      })),
    });
    const posted = await api().paginate(api().pulls.listReviewComments, {
      owner,
      repo,
      pull_number: pr,
      per_page: 100,
    });
    ids[pr] = posted.map((c) => c.id);
    expect(ids[pr]).toHaveLength(comments);
    await db.query(
      `INSERT INTO runs (id, workflow, platform, repo, pr, head_sha, trigger, status, report, finished_at) VALUES ($1, 'w', 'github', $2, $3, $4, 'pull_request', 'completed', $5, now())`,
      [
        `run-${pr}`,
        REPO,
        pr,
        head,
        JSON.stringify({ change: { platform: 'github', repo: REPO, pr, headSha: head } }),
      ],
    );
    await db.query(
      `INSERT INTO notifier_check_runs (platform, repo, head_sha, workflow, check_run_id, run_id, completed, conclusion) VALUES ('github', $1, $2, 'w', $3, $4, true, $5)`,
      [REPO, head, String(pr), `run-${pr}`, conclusion],
    );
    for (let i = 0; i < comments; i++) {
      await db.query(
        `INSERT INTO notifier_inline_comments (platform, repo, pr, workflow, fingerprint, comment_id, run_id, head_sha, created_at) VALUES ('github', $1, $2, 'w', $3, $4, $5, $6, now() - $7::integer * interval '1 day')`,
        [REPO, pr, `fp-${pr}-${String(i).padStart(2, '0')}`, String(ids[pr][i]), `run-${pr}`, head, ageDays],
      );
    }
  }

  beforeAll(async () => {
    db = await PgliteDatabase.open();
    await runMigrations(db);
    gh = await startFakeGitHub();
    sink = new GitHubSink({
      access: new GitHubAccess({ apiUrl: gh.apiUrl, token: 'ghs_sweep' }),
      posted: new PostedStore(db),
      defaultMaxInline: 8,
      maxWaitMs: 2000,
      announceDismissal: async (d) => {
        announced.push(d);
      },
    });
    await seedPr(5, 'failure', 60);
    await seedPr(6, 'success', 5);
    await seedPr(7, 'failure', 5, 8);
  });
  afterAll(async () => {
    await gh.close();
    await db.close();
  });

  it('reads at most 50 comments per sweep, only on PRs whose latest check failed, and reaches the rest next time', async () => {
    const first = await sweep().sweepOnce();
    expect(first).toEqual({ read: REACTION_SWEEP_MAX_CALLS, dismissed: [] });
    expect(reads()).toHaveLength(50);
    expect(reads().every((id) => ids[5].includes(id))).toBe(true);

    await nextPeriod();
    await sweep().sweepOnce();
    const second = reads().slice(50);
    expect(second).toHaveLength(50);
    // The ten never read come first; the other PRs (a passing check, comments older than 7 days) never.
    expect(new Set(reads()).size).toBe(60);
    expect(reads().some((id) => !ids[5].includes(id))).toBe(false);
  });

  it('sweeps once per period across replicas, so a 👎 is recorded and announced once', async () => {
    gh.setPermission(REPO, 'dev', 'write');
    gh.react(`review_comment:${ids[5][59]}`, '-1', 'dev');
    gh.react(`review_comment:${ids[5][58]}`, '+1', 'dev');
    // As if never read: the newest comment (fp-5-59) is then among the first read.
    await db.query('UPDATE notifier_inline_comments SET reactions_checked_at = NULL');
    await nextPeriod();
    const before = reads().length;
    const [a, b] = await Promise.all([sweep().sweepOnce(), sweep().sweepOnce()]);
    expect([a, b].filter((r) => r === null)).toHaveLength(1);
    expect(announced).toEqual([
      { platform: 'github', repo: REPO, pr: 5, fingerprint: 'fp-5-59', by: 'dev', reason: 'thumbs-down' },
    ]);
    expect(reads().length - before).toBe(50);
    const { rows } = await db.query(
      'SELECT fingerprint_prefix, dismissed_by, source FROM finding_dismissals',
    );
    expect(rows).toEqual([{ fingerprint_prefix: 'fp-5-59', dismissed_by: 'dev', source: 'reaction' }]);
  });

  it('does not read a comment again once its dismissal was announced', async () => {
    for (let i = 0; i < 3; i++) {
      await nextPeriod();
      await sweep().sweepOnce();
    }
    const after = reads().slice(-150);
    expect(after).toHaveLength(150);
    expect(after).not.toContain(ids[5][59]);
    expect(announced).toHaveLength(1);
  });

  it('reads a comment a person deleted as having no reactions and sweeps on past it', async () => {
    await seedPr(8, 'failure', 3);
    const [deleted, , disliked] = ids[8];
    const [owner, repo] = REPO.split('/');
    gh.react(`review_comment:${deleted}`, '-1', 'dev');
    await api().pulls.deleteReviewComment({ owner, repo, comment_id: deleted });
    gh.react(`review_comment:${disliked}`, '-1', 'dev');
    await nextPeriod();

    const result = await sweep().sweepOnce();
    // GitHub answered 404 for the deleted comment; the PR's other comments and PR 5's were read on.
    expect(
      gh.requests
        .filter((r) => r.path === `/repos/${REPO}/pulls/comments/${deleted}/reactions`)
        .map((r) => r.status),
    ).toEqual([404]);
    expect(result).toEqual({
      read: REACTION_SWEEP_MAX_CALLS,
      dismissed: [
        { platform: 'github', repo: REPO, pr: 8, fingerprint: 'fp-8-02', by: 'dev', reason: 'thumbs-down' },
      ],
    });
    const { rows } = await db.query<{ fingerprint: string; read: boolean }>(
      `SELECT fingerprint, reactions_checked_at IS NOT NULL AS read FROM notifier_inline_comments WHERE pr = 8 ORDER BY fingerprint`,
    );
    expect(rows).toEqual([
      { fingerprint: 'fp-8-00', read: true },
      { fingerprint: 'fp-8-01', read: true },
      { fingerprint: 'fp-8-02', read: true },
    ]);
  });
});
