/**
 * The GitHub reaction sweep on PGlite and the fake GitHub: it reads only where a 👎 can unblock
 * someone (a failed latest check, comments of the last 7 days), at most 50 reads per sweep, least
 * recently read first, and one replica sweeps per period.
 */
import type { FindingDismissed } from '@agentflow/contracts';
import { startFakeGitHub, type FakeGitHub } from '@agentflow/fake-platforms';
import { PgliteDatabase, runMigrations, type SqlDatabase } from '@agentflow/store';
import { GitHubAccess } from '../sinks/github/github-access';
import { GitHubSink } from '../sinks/github/github-sink';
import { PostedStore } from '../sinks/posted-store';
import { REACTION_SWEEP_MAX_CALLS, ReactionSweep } from './reaction-sweep';

const REPO = 'acme/app';
const quiet = { warn: () => undefined };

describe('GitHub reaction sweep', () => {
  let db: SqlDatabase;
  let gh: FakeGitHub;
  let sink: GitHubSink;
  const announced: FindingDismissed[] = [];
  const sweep = () => new ReactionSweep({ db, github: sink, intervalMs: 60_000, log: quiet });
  const reads = () => gh.requests.filter((r) => r.method === 'GET' && /\/pulls\/comments\/\d+\/reactions/.test(r.path)).map((r) => Number(/comments\/(\d+)\//.exec(r.path)![1]));
  const nextPeriod = () => db.query(`UPDATE notifier_sweeps SET started_at = now() - interval '1 hour'`);

  /** A PR whose latest check of workflow `w` concluded `conclusion`, with `comments` inline comments (ids from `firstId`). */
  async function seedPr(pr: number, conclusion: string, comments: number, firstId: number, ageDays = 0): Promise<void> {
    const head = String(pr).repeat(40).slice(0, 40);
    await db.query(
      `INSERT INTO runs (id, workflow, platform, repo, pr, head_sha, trigger, status, report, finished_at) VALUES ($1, 'w', 'github', $2, $3, $4, 'pull_request', 'completed', $5, now())`,
      [`run-${pr}`, REPO, pr, head, JSON.stringify({ change: { platform: 'github', repo: REPO, pr, headSha: head } })],
    );
    await db.query(`INSERT INTO notifier_check_runs (platform, repo, head_sha, workflow, check_run_id, run_id, completed, conclusion) VALUES ('github', $1, $2, 'w', $3, $4, true, $5)`, [REPO, head, String(pr), `run-${pr}`, conclusion]);
    for (let i = 0; i < comments; i++) {
      await db.query(
        `INSERT INTO notifier_inline_comments (platform, repo, pr, workflow, fingerprint, comment_id, run_id, head_sha, created_at) VALUES ('github', $1, $2, 'w', $3, $4, $5, $6, now() - $7::integer * interval '1 day')`,
        [REPO, pr, `fp-${pr}-${String(i).padStart(2, '0')}`, String(firstId + i), `run-${pr}`, head, ageDays],
      );
    }
  }

  beforeAll(async () => {
    db = await PgliteDatabase.open();
    await runMigrations(db);
    gh = await startFakeGitHub();
    sink = new GitHubSink({ access: new GitHubAccess({ apiUrl: gh.apiUrl, token: 'ghs_sweep' }), posted: new PostedStore(db), defaultMaxInline: 8, maxWaitMs: 2000, announceDismissal: async (d) => { announced.push(d); } });
    await seedPr(5, 'failure', 60, 1000);
    await seedPr(6, 'success', 5, 2000);
    await seedPr(7, 'failure', 5, 3000, 8);
  });
  afterAll(async () => {
    await gh.close();
    await db.close();
  });

  it('reads at most 50 comments per sweep, only on PRs whose latest check failed, and reaches the rest next time', async () => {
    const first = await sweep().sweepOnce();
    expect(first).toEqual({ read: REACTION_SWEEP_MAX_CALLS, dismissed: [] });
    expect(reads()).toHaveLength(50);
    expect(reads().every((id) => id >= 1000 && id < 1060)).toBe(true);

    await nextPeriod();
    await sweep().sweepOnce();
    const second = reads().slice(50);
    expect(second).toHaveLength(50);
    // The ten never read come first; the other PRs (a passing check, comments older than 7 days) never.
    expect(new Set(reads()).size).toBe(60);
    expect(reads().some((id) => id >= 2000)).toBe(false);
  });

  it('sweeps once per period across replicas, so a 👎 is recorded and announced once', async () => {
    gh.setPermission(REPO, 'dev', 'write');
    gh.react('review_comment:1059', '-1', 'dev');
    gh.react('review_comment:1058', '+1', 'dev');
    // As if never read: the newest comment (1059) is then among the first read.
    await db.query('UPDATE notifier_inline_comments SET reactions_checked_at = NULL');
    await nextPeriod();
    const before = reads().length;
    const [a, b] = await Promise.all([sweep().sweepOnce(), sweep().sweepOnce()]);
    expect([a, b].filter((r) => r === null)).toHaveLength(1);
    expect(announced).toEqual([{ platform: 'github', repo: REPO, pr: 5, fingerprint: 'fp-5-59', by: 'dev', reason: 'thumbs-down' }]);
    expect(reads().length - before).toBe(50);
    const { rows } = await db.query('SELECT fingerprint_prefix, dismissed_by, source FROM finding_dismissals');
    expect(rows).toEqual([{ fingerprint_prefix: 'fp-5-59', dismissed_by: 'dev', source: 'reaction' }]);
  });

  it('does not read a comment again once its dismissal was announced', async () => {
    for (let i = 0; i < 3; i++) {
      await nextPeriod();
      await sweep().sweepOnce();
    }
    const after = reads().slice(-150);
    expect(after).toHaveLength(150);
    expect(after).not.toContain(1059);
    expect(announced).toHaveLength(1);
  });
});
