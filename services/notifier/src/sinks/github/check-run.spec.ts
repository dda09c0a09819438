import type { RunProgress, RunReport, StepState } from '@agentflow/contracts';
import { startFakeGitHub, type FakeGitHub } from '@agentflow/fake-platforms';
import { PgliteDatabase, runMigrations, type SqlDatabase } from '@agentflow/store';
import { PostedStore } from '../posted-store';
import { PROGRESS_INTERVAL_MS } from './check-run';
import { GitHubAccess } from './github-access';
import { GitHubSink } from './github-sink';

const HEAD = 'c'.repeat(40);
const change = { platform: 'github' as const, repo: 'acme/app', headSha: HEAD };

const progress = (runId: string, steps: Record<string, StepState>, workflow = 'review'): RunProgress => ({
  runId,
  stepId: Object.keys(steps)[0],
  state: 'running',
  attempt: 1,
  change,
  workflow,
  steps,
});
const report = (runId: string, over: Partial<RunReport> = {}): RunReport => ({
  runId,
  workflow: 'review',
  change,
  findings: [],
  findingStates: {},
  notReviewed: [],
  proposedFiles: [],
  steps: {},
  usage: {
    inputTokens: 1,
    outputTokens: 1,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: 0,
    vendorMs: 0,
    models: [],
  },
  startedAt: 0,
  finishedAt: 1,
  gateConclusion: 'success',
  gateSummary: 'ok',
  rollout: 'comment',
  outputs: {},
  ...over,
});

describe('GitHub check run: one per run, inside the write budget', () => {
  let db: SqlDatabase;
  let gh: FakeGitHub;
  let now = 1_000_000;
  const warnings: string[] = [];
  let access: GitHubAccess;
  const sink = () =>
    new GitHubSink({
      access,
      posted: new PostedStore(db),
      defaultMaxInline: 8,
      maxWaitMs: 3000,
      clock: () => now,
      log: { warn: (m) => warnings.push(m) },
    });
  /** Successful check-run writes (creates and updates) of a run, as GitHub counts content-creating requests. */
  const writesOf = (runId: string) => {
    const ids = new Set(gh.state.checkRuns.filter((c) => c.external_id === runId).map((c) => c.id));
    return gh.requests.filter(
      (r) =>
        r.status < 300 &&
        ((r.method === 'POST' &&
          r.path.endsWith('/check-runs') &&
          (r.body as { external_id?: string }).external_id === runId) ||
          (r.method === 'PATCH' && ids.has(Number(r.path.split('/').pop())))),
    ).length;
  };

  beforeAll(async () => {
    db = await PgliteDatabase.open();
    await runMigrations(db);
    gh = await startFakeGitHub();
    access = new GitHubAccess({ apiUrl: gh.apiUrl, token: 'ghs_checks' });
  }, 60_000);
  afterAll(async () => {
    await gh.close();
    await db.close();
  });

  it('a run under 30 s makes 2 check-run writes: created in progress, progress coalesced, completed once', async () => {
    const s = sink();
    await s.deliver({
      kind: 'progress',
      progress: progress('r-short', { a: 'running', b: 'pending', c: 'pending', d: 'pending' }),
    });
    now += 5_000;
    await s.deliver({
      kind: 'progress',
      progress: progress('r-short', { a: 'succeeded', b: 'running', c: 'pending', d: 'pending' }),
    });
    now += 5_000;
    await s.deliver({
      kind: 'progress',
      progress: progress('r-short', { a: 'succeeded', b: 'succeeded', c: 'running', d: 'running' }),
    });
    now += 5_000;
    await s.deliver({ kind: 'completed', report: report('r-short') });
    // A redelivered result and a late progress event write nothing more.
    await s.deliver({ kind: 'completed', report: report('r-short') });
    await s.deliver({
      kind: 'progress',
      progress: progress('r-short', { a: 'succeeded', b: 'succeeded', c: 'succeeded', d: 'running' }),
    });
    expect(gh.state.checkRuns.filter((c) => c.external_id === 'r-short')).toHaveLength(1);
    expect(gh.state.checkRuns.find((c) => c.external_id === 'r-short')).toMatchObject({
      status: 'completed',
      conclusion: 'success',
    });
    expect(writesOf('r-short')).toBe(2);
  });

  it('any run makes at most 2 check-run writes plus one per 30 s of its length, and never the same progress twice', async () => {
    const s = sink();
    const started = now;
    // 20 step events, 5 s apart (95 s), one more step done at each.
    for (let i = 0; i < 20; i++) {
      const steps: Record<string, StepState> = Object.fromEntries(
        Array.from({ length: 20 }, (_, n) => [
          `s${n}`,
          n < i ? 'succeeded' : n === i ? 'running' : 'pending',
        ]),
      );
      await s.deliver({ kind: 'progress', progress: progress('r-long', steps) });
      now += 5_000;
    }
    await s.deliver({ kind: 'completed', report: report('r-long') });
    const length = now - started;
    expect(writesOf('r-long')).toBeLessThanOrEqual(2 + Math.floor(length / PROGRESS_INTERVAL_MS));
    // Created at 0 s, updated at 30, 60 and 90 s, completed: the budget is used, not undercut.
    expect(writesOf('r-long')).toBe(5);

    const same = { a: 'running' as const };
    await s.deliver({ kind: 'progress', progress: progress('r-same', same) });
    now += PROGRESS_INTERVAL_MS * 3;
    await s.deliver({ kind: 'progress', progress: progress('r-same', same) });
    expect(writesOf('r-same')).toBe(1);
  });

  it('a notifier killed after GitHub created the check run and before recording it takes that check run over, never a second one', async () => {
    // The crash point: GitHub stores the check run, then the notifier dies before its record.
    const octokit = await access.octokit(undefined);
    let killed = false;
    octokit.hook.after('request', (response, options) => {
      if (!killed && options.method === 'POST' && String(options.url).endsWith('/check-runs')) {
        killed = true;
        throw new Error('notifier killed between the platform write and its record');
      }
    });
    await expect(
      sink().deliver({ kind: 'progress', progress: progress('r-crash', { a: 'running' }) }),
    ).rejects.toThrow(/killed/);
    expect(gh.state.checkRuns.filter((c) => c.external_id === 'r-crash')).toHaveLength(1);
    expect((await new PostedStore(db).checkRun({ ...change, workflow: 'review' }))?.runId).not.toBe(
      'r-crash',
    );

    // The restarted notifier: the next progress event and the result land on that same check run.
    now += PROGRESS_INTERVAL_MS;
    const restarted = sink();
    await restarted.deliver({ kind: 'progress', progress: progress('r-crash', { a: 'succeeded' }) });
    await restarted.deliver({ kind: 'completed', report: report('r-crash') });
    const runs = gh.state.checkRuns.filter((c) => c.external_id === 'r-crash');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(
      warnings.some(
        (w) => w.includes(`check run ${runs[0].id} of run r-crash`) && w.includes('taking it over'),
      ),
    ).toBe(true);
  });

  it('a result whose completion was written but not recorded is not written again', async () => {
    const octokit = await access.octokit(undefined);
    let killed = false;
    octokit.hook.after('request', (response, options) => {
      if (
        !killed &&
        options.method === 'POST' &&
        String(options.url).endsWith('/check-runs') &&
        (options as { external_id?: string }).external_id === 'r-crash-2'
      ) {
        killed = true;
        throw new Error('notifier killed between the platform write and its record');
      }
    });
    const key = {
      platform: 'github' as const,
      repo: 'acme/app',
      headSha: 'd'.repeat(40),
      workflow: 'review',
    };
    const result = report('r-crash-2', { change: { ...change, headSha: key.headSha } });
    await expect(sink().deliver({ kind: 'completed', report: result })).rejects.toThrow(/killed/);
    await sink().deliver({ kind: 'completed', report: result });
    expect(gh.state.checkRuns.filter((c) => c.external_id === 'r-crash-2')).toHaveLength(1);
    expect(writesOf('r-crash-2')).toBe(1);
    expect(await new PostedStore(db).checkRun(key)).toMatchObject({ runId: 'r-crash-2', completed: true });
  });
});
