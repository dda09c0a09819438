import { costCentreOf, renderCostCsv, renderCostTable, type CostReport } from './ledger';

const report: CostReport = {
  period: '2026-11',
  by: 'repo',
  rows: [
    {
      key: 'acme/ios-app',
      costCentre: 'mobile-ios',
      calls: 3,
      inputTokens: 100,
      outputTokens: 50,
      usedUsd: 0.5,
      wasteUsd: 0.25,
      totalUsd: 0.75,
    },
    {
      key: 'acme/"odd",repo',
      calls: 1,
      inputTokens: 1,
      outputTokens: 1,
      usedUsd: 0,
      wasteUsd: 0,
      totalUsd: 0,
    },
  ],
  waste: [{ kind: 'retry', calls: 1, usd: 0.25 }],
  totalUsd: 0.75,
  wasteUsd: 0.25,
  cachedCalls: 2,
  mergedPullRequests: 2,
  mergedPullRequestsUsedUsd: 0.5,
  costPerMergedPullRequestUsd: 0.25,
  reviewedPullRequests: 3,
  reviewedPullRequestsUsd: 0.75,
  costPerReviewedPullRequestUsd: 0.25,
};

describe('cost report', () => {
  it('maps a repository to its cost centre: exact entry first, then the longest prefix', () => {
    const map = { 'acme/*': 'mobile', 'acme/android-*': 'mobile-android', 'acme/ios-app': 'mobile-ios' };
    expect(costCentreOf('acme/ios-app', map)).toBe('mobile-ios');
    expect(costCentreOf('acme/android-app', map)).toBe('mobile-android');
    expect(costCentreOf('acme/web', map)).toBe('mobile');
    expect(costCentreOf('other/x', map)).toBeUndefined();
  });

  it('shows waste apart from used spend in the table', () => {
    const text = renderCostTable(report);
    expect(text).toContain('Cost for 2026-11, by repo');
    expect(text).toMatch(/acme\/ios-app\s+mobile-ios\s+3\s+100\s+50\s+\$0\.5000\s+\$0\.2500\s+\$0\.7500/);
    expect(text).toContain('total $0.7500 (used $0.5000, waste $0.2500); 2 answered from cache at no cost');
    expect(text).toContain('waste: retry $0.2500 (1 call)');
    expect(text).toContain(
      'cost per merged PR: $0.2500 = $0.5000 used spend (whenever spent) / 2 PRs merged in 2026-11',
    );
    expect(text).toContain(
      'cost per reviewed PR: $0.2500 = $0.7500 spend in 2026-11 (waste included) / 3 PRs with spend in 2026-11, merged or not',
    );
  });

  it('quotes CSV cells that need it', () => {
    const lines = renderCostCsv(report).split('\n');
    expect(lines[0]).toBe('repo,cost_centre,calls,input_tokens,output_tokens,used_usd,waste_usd,total_usd');
    expect(lines[1]).toBe('acme/ios-app,mobile-ios,3,100,50,0.500000,0.250000,0.750000');
    expect(lines[2]).toBe('"acme/""odd"",repo",,1,1,1,0.000000,0.000000,0.000000');
    expect(lines[3]).toBe('');
    expect(lines.slice(4)).toEqual([
      'pull_requests,count,spend_usd,usd_per_pull_request,counted',
      'merged,2,0.500000,0.250000,"merged in the period; used spend of their runs, whenever spent"',
      'reviewed,3,0.750000,0.250000,"with spend in the period, merged or not; all that spend, waste included"',
    ]);
  });
});
