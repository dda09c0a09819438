/**
 * Usefulness on the separate-process stack and the fake GitHub: a scripted history of two pull
 * requests of acme/ios-app. #42 is reviewed, people react on its inline comments and summary (no
 * webhook: the notifier reads them once the PR ended), resolve one review thread
 * (`pull_request_review_thread`), and it is merged with findings still open. #43, the same change,
 * is reviewed and closed without merging. Each signal lands on the finding of the comment it was
 * given on, `agentflow usefulness` prints the measures for that history, and the notifier exports
 * them on /metrics.
 */
import { Command } from 'commander';
import { SAMPLE_APPS } from '../../cli/src/demo/sample-repos';
import { registerUsefulness } from '../../cli/src/commands/usefulness';
import type { UsefulnessReport } from '@agentflow/store';
import { pullRequestPayload, startStack, type Stack } from './stack';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function example(event: string, action: string): Json {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const examples = require('@octokit/webhooks-examples') as Array<{ name: string; examples: Json[] }>;
  return structuredClone(examples.find((d) => d.name === event)!.examples.find((e) => e.action === action)!);
}

async function usefulness(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk) => ((out += String(chunk)), true));
  const stderr = jest
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk) => ((err += String(chunk)), true));
  const saved = process.exitCode;
  try {
    const program = new Command('agentflow').exitOverride();
    registerUsefulness(program);
    await program.parseAsync(['node', 'agentflow', 'usefulness', ...args]);
    return { code: Number(process.exitCode ?? 0), out, err };
  } finally {
    process.exitCode = saved;
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

interface Posted {
  pr: number;
  fingerprint: string;
  comment_id: string;
  agent: string;
  state: string;
}

describe('usefulness signals and measures on the separate-process stack', () => {
  let stack: Stack;
  let posted: Posted[] = [];
  let liked: Posted;
  let disliked: Posted;
  const REPO = 'acme/ios-app';

  const signalsOf = async (fingerprint: string, pr: number) =>
    Object.fromEntries(
      (
        await stack.db.query<{ signal: string; active: boolean; actor: string | null }>(
          `SELECT s.signal, s.active, s.actor FROM finding_signals s JOIN findings f ON f.id = s.finding_id
          WHERE f.repo = $1 AND f.pr = $2 AND f.fingerprint = $3 ORDER BY s.signal`,
          [REPO, pr, fingerprint],
        )
      ).rows.map((r) => [r.signal, r.actor ? `${r.active}:${r.actor}` : r.active]),
    );

  async function closed(pr: number, merged: boolean): Promise<void> {
    const seed = { ...stack.sample('ios-app').seed, number: pr };
    const payload = pullRequestPayload(seed, 'closed', (await stack.github.repository('acme', 'ios-app')).id);
    Object.assign(payload.pull_request, {
      state: 'closed',
      merged,
      merged_at: merged ? new Date().toISOString() : null,
    });
    const sent = await stack.sendWebhook('pull_request', payload);
    expect(sent.status).toBeLessThan(300);
    await waitFor(`the ${merged ? 'merge' : 'close'} of #${pr} recorded`, async () => {
      const { rows } = await stack.db.query(
        'SELECT 1 FROM pull_request_outcomes WHERE repo = $1 AND pr = $2',
        [REPO, pr],
      );
      return rows.length > 0;
    });
  }

  async function waitFor(what: string, ok: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await ok())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(250);
    }
  }

  beforeAll(async () => {
    stack = await startStack({
      samples: SAMPLE_APPS.filter((a) => a.repo === 'ios-app'),
      replicas: { coordinator: 1, gateway: 1, agents: 1, notifier: 1 },
      // Read ended PRs and refresh the gauges every second; no 👎 sweep between pushes.
      serviceEnv: {
        notifier: {
          NOTIFIER_SIGNAL_HARVEST_MS: '1000',
          NOTIFIER_USEFULNESS_REFRESH_MS: '1000',
          NOTIFIER_REACTION_SWEEP_MS: '0',
        },
      },
    });
    const seed = stack.sample('ios-app').seed;
    await stack.waitForRuns(await stack.pullRequestEvent(seed), { timeoutMs: 180_000 });
    // #43: the same change opened again as another pull request.
    const second = { ...seed, number: 43, headRef: 'feature/again' };
    await stack.github.seedPullRequest(second);
    await stack.waitForRuns(await stack.pullRequestEvent(second), { timeoutMs: 180_000 });
    posted = (
      await stack.db.query<Posted>(
        `SELECT ic.pr, ic.fingerprint, ic.comment_id, f.agent, f.state FROM notifier_inline_comments ic
         JOIN findings f ON f.platform = ic.platform AND f.repo = ic.repo AND f.pr = ic.pr AND f.workflow = ic.workflow AND f.fingerprint = ic.fingerprint
        WHERE ic.repo = $1 ORDER BY ic.pr, ic.comment_id`,
        [REPO],
      )
    ).rows.map((r) => ({ ...r, pr: Number(r.pr) }));
    const on42 = posted.filter((p) => p.pr === 42);
    if (on42.length < 2)
      throw new Error(`the review of #42 posted ${on42.length} inline comment(s); the script needs two`);
    [liked, disliked] = on42;

    // People's reactions (GitHub sends no webhook for them) and a thread resolved by a person.
    await stack.github.react(`review_comment:${Number(liked.comment_id)}`, '+1', 'ios-dev');
    await stack.github.react(`review_comment:${Number(liked.comment_id)}`, 'heart', 'ios-lead');
    await stack.github.react(`review_comment:${Number(disliked.comment_id)}`, 'confused', 'ios-dev');
    const summary = (
      await stack.db.query<{ comment_id: string }>(
        'SELECT comment_id FROM notifier_summaries WHERE repo = $1 AND pr = 42 LIMIT 1',
        [REPO],
      )
    ).rows[0];
    await stack.github.react(`issue_comment:${Number(summary.comment_id)}`, 'hooray', 'ios-lead');
    const thread = example('pull_request_review_thread', 'resolved');
    delete thread.installation;
    Object.assign(thread.repository, { name: 'ios-app', full_name: REPO });
    thread.pull_request.number = 42;
    thread.thread.comments = [
      { ...thread.thread.comments[0], id: Number(disliked.comment_id), pull_request_review_id: 1 },
    ];
    Object.assign(thread.sender, { login: 'ios-dev', type: 'User' });
    expect((await stack.sendWebhook('pull_request_review_thread', thread)).status).toBeLessThan(300);
    await waitFor(
      'the resolved thread recorded',
      async () => 'thread_resolved' in (await signalsOf(disliked.fingerprint, 42)),
    );

    await closed(42, true);
    await closed(43, false);
    await waitFor('both pull requests harvested', async () => {
      const { rows } = await stack.db.query('SELECT pr FROM notifier_signal_harvests WHERE repo = $1', [
        REPO,
      ]);
      return rows.length === 2;
    });
  }, 480_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it('records each signal against the finding of the comment it was given on', async () => {
    expect(await signalsOf(liked.fingerprint, 42)).toEqual({
      open_at_merge: liked.state === 'open',
      reacted_down: false,
      reacted_up: 'true:ios-dev',
    });
    expect(await signalsOf(disliked.fingerprint, 42)).toEqual({
      open_at_merge: disliked.state === 'open',
      reacted_down: 'true:ios-dev',
      reacted_up: false,
      thread_resolved: 'true:ios-dev',
    });
    // #43 was closed, not merged: no open-at-merge rows, and its comments were read with no reaction.
    for (const p of posted.filter((x) => x.pr === 43))
      expect(await signalsOf(p.fingerprint, 43)).toEqual({ reacted_down: false, reacted_up: false });
    // Every finding of the merged PR is in the ignored rate's sample.
    const { rows } = await stack.db.query<{ n: string; m: string }>(
      `SELECT count(*) AS n, count(s.finding_id) AS m FROM findings f LEFT JOIN finding_signals s ON s.finding_id = f.id AND s.signal = 'open_at_merge' WHERE f.repo = $1 AND f.pr = 42`,
      [REPO],
    );
    expect(rows[0].m).toBe(rows[0].n);
    expect(
      (
        await stack.db.query('SELECT positive, negative FROM summary_reactions WHERE repo = $1 ORDER BY pr', [
          REPO,
        ])
      ).rows,
    ).toEqual(expect.arrayContaining([{ positive: 1, negative: 0 }]));
    // Reactions were read with the documented endpoints only, and as GitHub describes them.
    const reads = (await stack.github.requests())
      .filter((r) => r.method === 'GET' && r.path.includes('/reactions'))
      .map((r) => r.path.replace(/\d+/g, 'N'));
    expect(new Set(reads)).toEqual(
      new Set([
        '/repos/acme/ios-app/pulls/comments/N/reactions',
        '/repos/acme/ios-app/issues/comments/N/reactions',
      ]),
    );
    expect(await stack.github.violations()).toEqual([]);
  });

  it('prints the measures of that history with agentflow usefulness', async () => {
    const json = await usefulness(['--database', DATABASE_URL, '--schema', stack.schema, '--format', 'json']);
    expect(json.err).toBe('');
    const report = JSON.parse(json.out) as UsefulnessReport;
    const { rows: findings } = await stack.db.query<{ agent: string; pr: number; state: string }>(
      'SELECT agent, pr, state FROM findings WHERE repo = $1 AND pr IS NOT NULL',
      [REPO],
    );
    const total = (f: (r: UsefulnessReport['rows'][number]) => number) =>
      report.rows.reduce((n, r) => n + f(r), 0);
    expect(total((r) => r.findings)).toBe(findings.length);
    expect(total((r) => r.pullRequests)).toBeGreaterThanOrEqual(2);
    expect(total((r) => r.atMerge)).toBe(findings.filter((f) => Number(f.pr) === 42).length);
    expect(total((r) => r.openAtMerge)).toBe(
      findings.filter((f) => Number(f.pr) === 42 && f.state === 'open').length,
    );
    expect(total((r) => r.comments)).toBe(posted.length);
    expect(total((r) => r.reactionsRead)).toBe(posted.length);
    expect([total((r) => r.reactedUp), total((r) => r.reactedDown), total((r) => r.resolved)]).toEqual([
      1, 1, 1,
    ]);
    expect(report.summaries).toMatchObject({ positive: 1, negative: 0 });
    const row = report.rows.find((r) => r.key === liked.agent)!;
    expect(row.positiveReactionRate).toBeCloseTo(row.reactedUp / row.reactionsRead, 10);

    const table = await usefulness(['--database', DATABASE_URL, '--schema', stack.schema, '--by', 'repo']);
    const lines = table.out.trimEnd().split('\n');
    expect(lines[0]).toBe('usefulness by repo');
    expect(lines[2]).toMatch(new RegExp(`^acme/ios-app\\s+${findings.length}\\s+2\\s`));
    expect(lines[2]).toMatch(new RegExp(`\\s1/1 of ${posted.length}$`));
    expect(lines.at(-1)).toMatch(
      /^summary comments: 1 of \d+ with a positive reaction, 0 with a negative one$/,
    );
  });

  it('exports the measures with their samples on the notifier /metrics', async () => {
    let metrics = '';
    await waitFor('the usefulness gauges', async () => {
      metrics = await (await fetch(`${stack.url('notifier-1')}/metrics`)).text();
      return /agentflow_usefulness_sample\{by="repo",group="acme\/ios-app",sample="at_merge"\} [1-9]/.test(
        metrics,
      );
    });
    const findings = Number(
      (
        await stack.db.query<{ n: string }>(
          'SELECT count(*) AS n FROM findings WHERE repo = $1 AND pr IS NOT NULL',
          [REPO],
        )
      ).rows[0].n,
    );
    expect(metrics).toContain(
      `agentflow_usefulness_sample{by="repo",group="acme/ios-app",sample="findings"} ${findings}`,
    );
    expect(metrics).toMatch(
      /agentflow_usefulness_rate\{by="repo",group="acme\/ios-app",measure="ignored"\} [0-9.]+/,
    );
    expect(metrics).toMatch(
      new RegExp(
        `agentflow_usefulness_rate\\{by="agent",group="${liked.agent}",measure="acted_on"\\} [0-9.]+`,
      ),
    );
  });
});
