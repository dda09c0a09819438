/**
 * Cost reports from the `cost_ledger` table: spend that produced a used result apart from waste
 * (superseded or cancelled runs, retries, fallbacks, unusable output, timeouts), grouped as asked,
 * so the totals can be matched line by line with the vendors' invoices; and what a pull request
 * costs, per merged PR (from `pull_request_outcomes`, which the ingress writes on close) and per
 * reviewed PR.
 */
import type { SqlDatabase } from '@agentflow/store';

export const COST_GROUPS = ['team', 'repo', 'project', 'model', 'service', 'day'] as const;
export type CostGroup = (typeof COST_GROUPS)[number];

/** One group's totals. Amounts in USD, tokens as counted by the vendors. */
export interface CostRow {
  key: string;
  /** Cost centre from the repository map (`--by repo` and `--by team` with a map). */
  costCentre?: string;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  usedUsd: number;
  wasteUsd: number;
  totalUsd: number;
}

/** Wasted spend by why it was wasted. */
export interface WasteRow {
  kind: string;
  calls: number;
  usd: number;
}

export interface CostReport {
  /** `YYYY-MM`, or `all` when no month was asked for. */
  period: string;
  by: CostGroup;
  rows: CostRow[];
  waste: WasteRow[];
  totalUsd: number;
  wasteUsd: number;
  cachedCalls: number;
  /**
   * Pull/merge requests merged in the period: recorded `merged` by the ingress (from the close
   * event) with the close received in the period. Counted whether or not agentflow ran on them.
   */
  mergedPullRequests: number;
  /**
   * Used spend (waste left out) of every run on those merged PRs, whenever it was spent: a PR
   * reviewed in October and merged in November counts all its October spend in November.
   */
  mergedPullRequestsUsedUsd: number;
  /** `mergedPullRequestsUsedUsd / mergedPullRequests`; null when no PR merged in the period. */
  costPerMergedPullRequestUsd: number | null;
  /**
   * Pull/merge requests with spend in the period (merged, closed or still open), the second figure:
   * what review costs while PRs are worked on, including those never merged.
   */
  reviewedPullRequests: number;
  /** All spend in the period on their runs (used and waste). */
  reviewedPullRequestsUsd: number;
  /** `reviewedPullRequestsUsd / reviewedPullRequests`; null when no PR had spend in the period. */
  costPerReviewedPullRequestUsd: number | null;
}

/** Repository (`owner/name` or a glob ending in `*`) -> cost centre. */
export type CostCentreMap = Record<string, string>;

/** The cost centre of a repository: an exact entry first, then the longest matching `prefix*`. */
export function costCentreOf(repo: string | null | undefined, map: CostCentreMap): string | undefined {
  if (!repo) return undefined;
  if (map[repo]) return map[repo];
  const globs = Object.keys(map).filter((k) => k.endsWith('*') && repo.startsWith(k.slice(0, -1)));
  globs.sort((a, b) => b.length - a.length);
  return globs[0] ? map[globs[0]] : undefined;
}

const GROUP_SQL: Record<CostGroup, string> = {
  team: "COALESCE(team, '(none)')",
  repo: "COALESCE(repo, '(none)')",
  project: "COALESCE(project, '(none)')",
  model: "provider || '/' || model",
  service: "COALESCE(service, '(none)')",
  day: "to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
};

/** Thrown for a `--month` that is not `YYYY-MM`. */
export class CostQueryError extends Error {
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'CostQueryError';
  }
}

interface Period {
  /** `YYYY-MM` or `all`. */
  period: string;
  params: unknown[];
  /** The condition that `column` lies in the period, on `params`. */
  within(column: string): string;
}

function periodOf(month: string | undefined): Period {
  if (!month) return { period: 'all', params: [], within: () => 'TRUE' };
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12)
    throw new CostQueryError(`--month ${month}: write the month as YYYY-MM, e.g. 2026-11`);
  const start = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
  const end = new Date(Date.UTC(Number(m[1]), Number(m[2]), 1));
  return {
    period: month,
    params: [start.toISOString(), end.toISOString()],
    within: (column) => `${column} >= $1 AND ${column} < $2`,
  };
}

const num = (v: unknown) => Number(v ?? 0);

function foldRows(rows: CostRow[], keyOf: (key: string) => string): CostRow[] {
  const byKey = new Map<string, CostRow>();
  for (const r of rows) {
    const key = keyOf(r.key);
    const into = byKey.get(key) ?? {
      key,
      calls: 0,
      inputTokens: 0,
      outputTokens: 0,
      usedUsd: 0,
      wasteUsd: 0,
      totalUsd: 0,
    };
    into.calls += r.calls;
    into.inputTokens += r.inputTokens;
    into.outputTokens += r.outputTokens;
    into.usedUsd += r.usedUsd;
    into.wasteUsd += r.wasteUsd;
    into.totalUsd += r.totalUsd;
    byKey.set(key, into);
  }
  return [...byKey.values()].sort((a, b) => a.key.localeCompare(b.key));
}

/** Builds the report; `--by team` with a cost-centre map groups repositories by their centre. */
export async function costReport(
  db: SqlDatabase,
  options: { by: CostGroup; month?: string; costCentres?: CostCentreMap },
): Promise<CostReport> {
  const { period, params, within } = periodOf(options.month);
  const where = within('occurred_at');
  const centres = options.costCentres ?? {};
  // With a map, a team is the cost centre its repositories are mapped to (the ledger's own team
  // column is not used then; repositories the map does not name are `(unmapped)`).
  const foldByCentre = options.by === 'team' && Object.keys(centres).length > 0;
  const grouped = await db.query<{
    key: string;
    calls: string;
    input: string;
    output: string;
    used: string;
    waste: string;
  }>(
    `SELECT ${GROUP_SQL[foldByCentre ? 'repo' : options.by]} AS key, count(*) AS calls, COALESCE(sum(input_tokens), 0) AS input, COALESCE(sum(output_tokens), 0) AS output,
            COALESCE(sum(cost_usd) FILTER (WHERE waste_kind IS NULL), 0) AS used, COALESCE(sum(cost_usd) FILTER (WHERE waste_kind IS NOT NULL), 0) AS waste
       FROM cost_ledger WHERE ${where} GROUP BY 1 ORDER BY 1`,
    params,
  );
  let rows: CostRow[] = grouped.rows.map((r) => ({
    key: r.key,
    calls: num(r.calls),
    inputTokens: num(r.input),
    outputTokens: num(r.output),
    usedUsd: num(r.used),
    wasteUsd: num(r.waste),
    totalUsd: num(r.used) + num(r.waste),
  }));
  if (options.by === 'repo') rows = rows.map((r) => ({ ...r, costCentre: costCentreOf(r.key, centres) }));
  if (foldByCentre) rows = foldRows(rows, (repo) => costCentreOf(repo, centres) ?? '(unmapped)');
  const waste = await db.query<{ kind: string; calls: string; usd: string }>(
    `SELECT waste_kind AS kind, count(*) AS calls, COALESCE(sum(cost_usd), 0) AS usd FROM cost_ledger WHERE ${where} AND waste_kind IS NOT NULL GROUP BY 1 ORDER BY 1`,
    params,
  );
  const cached = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM cost_ledger WHERE ${where} AND cached`,
    params,
  );
  // Spend is joined to a PR through its runs (the ledger row has the run, the run has the PR).
  const merged = await db.query<{ n: string; usd: string }>(
    `SELECT (SELECT count(*) FROM pull_request_outcomes o WHERE o.outcome = 'merged' AND ${within('o.ended_at')}) AS n,
            (SELECT COALESCE(sum(c.cost_usd), 0)
               FROM pull_request_outcomes o
               JOIN runs r ON r.platform = o.platform AND r.repo = o.repo AND r.pr = o.pr
               JOIN cost_ledger c ON c.run_id = r.id
              WHERE o.outcome = 'merged' AND ${within('o.ended_at')} AND c.waste_kind IS NULL) AS usd`,
    params,
  );
  const reviewed = await db.query<{ n: string; usd: string }>(
    `SELECT count(DISTINCT (r.platform, r.repo, r.pr)) AS n, COALESCE(sum(c.cost_usd), 0) AS usd
       FROM cost_ledger c JOIN runs r ON r.id = c.run_id WHERE ${within('c.occurred_at')} AND r.pr IS NOT NULL`,
    params,
  );
  const totalUsd = rows.reduce((s, r) => s + r.totalUsd, 0);
  const wasteUsd = rows.reduce((s, r) => s + r.wasteUsd, 0);
  const mergedPullRequests = num(merged.rows[0]?.n);
  const mergedPullRequestsUsedUsd = num(merged.rows[0]?.usd);
  const reviewedPullRequests = num(reviewed.rows[0]?.n);
  const reviewedPullRequestsUsd = num(reviewed.rows[0]?.usd);
  return {
    period,
    by: options.by,
    rows,
    waste: waste.rows.map((w) => ({ kind: w.kind, calls: num(w.calls), usd: num(w.usd) })),
    totalUsd,
    wasteUsd,
    cachedCalls: num(cached.rows[0]?.n),
    mergedPullRequests,
    mergedPullRequestsUsedUsd,
    costPerMergedPullRequestUsd:
      mergedPullRequests > 0 ? mergedPullRequestsUsedUsd / mergedPullRequests : null,
    reviewedPullRequests,
    reviewedPullRequestsUsd,
    costPerReviewedPullRequestUsd:
      reviewedPullRequests > 0 ? reviewedPullRequestsUsd / reviewedPullRequests : null,
  };
}

const usd = (v: number) => `$${v.toFixed(4)}`;

/** A plain-text table, widest cell per column. */
export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function renderCostTable(report: CostReport): string {
  const withCentre = report.rows.some((r) => r.costCentre);
  const header = [
    report.by,
    ...(withCentre ? ['cost centre'] : []),
    'calls',
    'input tok',
    'output tok',
    'used',
    'waste',
    'total',
  ];
  const rows = report.rows.map((r) => [
    r.key,
    ...(withCentre ? [r.costCentre ?? '-'] : []),
    String(r.calls),
    String(r.inputTokens),
    String(r.outputTokens),
    usd(r.usedUsd),
    usd(r.wasteUsd),
    usd(r.totalUsd),
  ]);
  const lines = [
    `Cost ${report.period === 'all' ? 'to date' : `for ${report.period}`}, by ${report.by}`,
    renderTable(header, rows),
    `total ${usd(report.totalUsd)} (used ${usd(report.totalUsd - report.wasteUsd)}, waste ${usd(report.wasteUsd)}); ${report.cachedCalls} answered from cache at no cost`,
  ];
  lines.push(
    report.waste.length
      ? `waste: ${report.waste.map((w) => `${w.kind} ${usd(w.usd)} (${w.calls} call${w.calls === 1 ? '' : 's'})`).join(', ')}`
      : 'waste: none',
  );
  lines.push(...pullRequestLines(report));
  return lines.join('\n');
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The two per-PR figures, each saying what it divides by what. */
export function pullRequestLines(report: CostReport): string[] {
  const during = report.period === 'all' ? 'so far' : `in ${report.period}`;
  return [
    report.costPerMergedPullRequestUsd === null
      ? `cost per merged PR: no pull request merged ${during}`
      : `cost per merged PR: ${usd(report.costPerMergedPullRequestUsd)} = ${usd(report.mergedPullRequestsUsedUsd)} used spend (whenever spent) / ${plural(report.mergedPullRequests, 'PR', 'PRs')} merged ${during}`,
    report.costPerReviewedPullRequestUsd === null
      ? `cost per reviewed PR: no pull request had spend ${during}`
      : `cost per reviewed PR: ${usd(report.costPerReviewedPullRequestUsd)} = ${usd(report.reviewedPullRequestsUsd)} spend ${during} (waste included) / ${plural(report.reviewedPullRequests, 'PR', 'PRs')} with spend ${during}, merged or not`,
  ];
}

const csvCell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/**
 * The group table, then after a blank line the per-PR figures as a second table (one row for merged
 * PRs, one for reviewed PRs; empty cost when there were none).
 */
export function renderCostCsv(report: CostReport): string {
  const header = [
    report.by,
    'cost_centre',
    'calls',
    'input_tokens',
    'output_tokens',
    'used_usd',
    'waste_usd',
    'total_usd',
  ];
  const rows = report.rows.map((r) => [
    r.key,
    r.costCentre ?? '',
    String(r.calls),
    String(r.inputTokens),
    String(r.outputTokens),
    r.usedUsd.toFixed(6),
    r.wasteUsd.toFixed(6),
    r.totalUsd.toFixed(6),
  ]);
  const perPr = [
    ['pull_requests', 'count', 'spend_usd', 'usd_per_pull_request', 'counted'],
    [
      'merged',
      String(report.mergedPullRequests),
      report.mergedPullRequestsUsedUsd.toFixed(6),
      report.costPerMergedPullRequestUsd?.toFixed(6) ?? '',
      'merged in the period; used spend of their runs, whenever spent',
    ],
    [
      'reviewed',
      String(report.reviewedPullRequests),
      report.reviewedPullRequestsUsd.toFixed(6),
      report.costPerReviewedPullRequestUsd?.toFixed(6) ?? '',
      'with spend in the period, merged or not; all that spend, waste included',
    ],
  ];
  const table = (lines: string[][]) => lines.map((r) => r.map(csvCell).join(',')).join('\n');
  return `${table([header, ...rows])}\n\n${table(perPr)}`;
}
