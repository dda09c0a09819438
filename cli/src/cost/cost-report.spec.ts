/**
 * Cost per merged PR and per reviewed PR from the ledger, the runs and the PR outcomes the ingress
 * records, over two months, on PGlite with the real migrations.
 */
import { PgliteDatabase, runMigrations, type SqlDatabase } from '@agentflow/store';
import { costReport, renderCostCsv, renderCostTable } from './ledger';

type Platform = 'github' | 'gitlab';

describe('cost per merged and per reviewed pull request', () => {
  let db: SqlDatabase;
  let spendId = 0;

  const run = (id: string, platform: Platform, pr: number) =>
    db.query(
      `INSERT INTO runs (id, workflow, platform, repo, pr, head_sha, trigger, status) VALUES ($1, 'review', $2, 'acme/ios-app', $3, $4, 'pull_request.opened', 'completed')`,
      [id, platform, pr, id.padEnd(40, '0')],
    );
  const spend = (runId: string | null, at: string, usd: number, waste: string | null = null) =>
    db.query(
      `INSERT INTO cost_ledger (request_id, occurred_at, repo, run_id, provider, model, cost_usd, waste_kind) VALUES ($1, $2, 'acme/ios-app', $3, 'anthropic', 'claude-sonnet-4', $4, $5)`,
      [`req-${++spendId}`, at, runId, usd, waste],
    );
  const ended = (platform: Platform, pr: number, outcome: 'merged' | 'closed', at: string) =>
    db.query(
      `INSERT INTO pull_request_outcomes (platform, repo, pr, outcome, ended_at, delivery_id) VALUES ($1, 'acme/ios-app', $2, $3, $4, $5)`,
      [platform, pr, outcome, at, `d-${platform}-${pr}`],
    );

  beforeAll(async () => {
    db = await PgliteDatabase.open();
    await runMigrations(db);
    // github #1: reviewed in October (with a retry), once more in November, merged in November.
    await run('a1', 'github', 1);
    await spend('a1', '2026-10-20T10:00:00Z', 1.0);
    await spend('a1', '2026-10-20T10:01:00Z', 0.5, 'retry');
    await run('a2', 'github', 1);
    await spend('a2', '2026-11-02T10:00:00Z', 0.2);
    await ended('github', 1, 'merged', '2026-11-03T09:00:00Z');
    // github #2: a superseded run and its replacement in November, merged in November.
    await run('b1', 'github', 2);
    await spend('b1', '2026-11-15T10:00:00Z', 0.1);
    await spend('b1', '2026-11-15T10:02:00Z', 0.3, 'cancelled');
    await run('b2', 'github', 2);
    await spend('b2', '2026-11-16T10:00:00Z', 0.3);
    await ended('github', 2, 'merged', '2026-11-20T09:00:00Z');
    // gitlab !1 (same repository name and number as github #1): reviewed, closed without merging.
    await run('c1', 'gitlab', 1);
    await spend('c1', '2026-11-21T10:00:00Z', 2.0);
    await ended('gitlab', 1, 'closed', '2026-11-25T09:00:00Z');
    // github #4: reviewed and merged in October, the last evening in UTC.
    await run('d1', 'github', 4);
    await spend('d1', '2026-10-28T10:00:00Z', 0.6);
    await ended('github', 4, 'merged', '2026-10-31T23:30:00Z');
    // github #5: reviewed in November, still open.
    await run('e1', 'github', 5);
    await spend('e1', '2026-11-28T10:00:00Z', 0.05);
    // github #6: merged in November with no run (no workflow matched it).
    await ended('github', 6, 'merged', '2026-11-10T09:00:00Z');
    // A local `agentflow review`: spend with no run, so no pull request.
    await spend(null, '2026-11-05T10:00:00Z', 0.7);
  });
  afterAll(async () => {
    await db.close();
  });

  it('divides used spend of the PRs merged in November, whenever spent, by the PRs merged in November', async () => {
    const report = await costReport(db, { by: 'model', month: '2026-11' });
    // #1 $1.00 (October) + $0.20, #2 $0.10 + $0.30 (the waste left out), #6 nothing; gitlab !1 was not merged.
    expect(report.mergedPullRequests).toBe(3);
    expect(report.mergedPullRequestsUsedUsd).toBeCloseTo(1.6, 6);
    expect(report.costPerMergedPullRequestUsd).toBeCloseTo(1.6 / 3, 6);
    // Spend in November on github #1, #2, #5 and gitlab !1, waste included.
    expect(report.reviewedPullRequests).toBe(4);
    expect(report.reviewedPullRequestsUsd).toBeCloseTo(0.2 + 0.7 + 2.0 + 0.05, 6);
    expect(report.costPerReviewedPullRequestUsd).toBeCloseTo(2.95 / 4, 6);
    expect(report.totalUsd).toBeCloseTo(0.2 + 0.7 + 2.0 + 0.05 + 0.7, 6);

    const text = renderCostTable(report);
    expect(text).toContain(
      'cost per merged PR: $0.5333 = $1.6000 used spend (whenever spent) / 3 PRs merged in 2026-11',
    );
    expect(text).toContain(
      'cost per reviewed PR: $0.7375 = $2.9500 spend in 2026-11 (waste included) / 4 PRs with spend in 2026-11, merged or not',
    );
  });

  it('counts a PR merged at 23:30 UTC on 31 October in October', async () => {
    const report = await costReport(db, { by: 'model', month: '2026-10' });
    expect(report.mergedPullRequests).toBe(1);
    expect(report.costPerMergedPullRequestUsd).toBeCloseTo(0.6, 6);
    expect(report.reviewedPullRequests).toBe(2);
    expect(report.costPerReviewedPullRequestUsd).toBeCloseTo((1.5 + 0.6) / 2, 6);
  });

  it('covers every merge without --month', async () => {
    const report = await costReport(db, { by: 'repo' });
    expect(report.mergedPullRequests).toBe(4);
    expect(report.costPerMergedPullRequestUsd).toBeCloseTo((1.2 + 0.4 + 0.6) / 4, 6);
    expect(report.reviewedPullRequests).toBe(5);
    expect(report.costPerReviewedPullRequestUsd).toBeCloseTo(5.05 / 5, 6);
    expect(renderCostTable(report)).toContain(
      'cost per merged PR: $0.5500 = $2.2000 used spend (whenever spent) / 4 PRs merged so far',
    );
  });

  it('says so when no PR merged in the month, and puts both figures in the CSV', async () => {
    const report = await costReport(db, { by: 'model', month: '2026-12' });
    expect(report).toMatchObject({
      mergedPullRequests: 0,
      costPerMergedPullRequestUsd: null,
      reviewedPullRequests: 0,
      costPerReviewedPullRequestUsd: null,
    });
    const text = renderCostTable(report);
    expect(text).toContain('cost per merged PR: no pull request merged in 2026-12');
    expect(text).toContain('cost per reviewed PR: no pull request had spend in 2026-12');
    const csv = renderCostCsv(report).split('\n\n')[1].split('\n');
    expect(csv).toEqual([
      'pull_requests,count,spend_usd,usd_per_pull_request,counted',
      'merged,0,0.000000,,"merged in the period; used spend of their runs, whenever spent"',
      'reviewed,0,0.000000,,"with spend in the period, merged or not; all that spend, waste included"',
    ]);
  });
});
