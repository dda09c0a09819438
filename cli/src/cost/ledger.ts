/**
 * Cost reports from the `cost_ledger` table: spend that produced a used result apart from waste
 * (superseded or cancelled runs, retries, fallbacks, unusable output, timeouts), grouped as asked,
 * so the totals can be matched line by line with the vendors' invoices.
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
   * Pull requests with a run in the period, and the spend on their runs divided by that count. The
   * database records no merges, so this is the cost per reviewed PR; per merged PR is at least this.
   */
  pullRequests: number;
  costPerPullRequestUsd: number | null;
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

function monthRange(month: string | undefined): { where: string; params: unknown[]; period: string } {
  if (!month) return { where: 'TRUE', params: [], period: 'all' };
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw new CostQueryError(`--month ${month}: write the month as YYYY-MM, e.g. 2026-11`);
  const start = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
  const end = new Date(Date.UTC(Number(m[1]), Number(m[2]), 1));
  return { where: 'occurred_at >= $1 AND occurred_at < $2', params: [start.toISOString(), end.toISOString()], period: month };
}

const num = (v: unknown) => Number(v ?? 0);

function foldRows(rows: CostRow[], keyOf: (key: string) => string): CostRow[] {
  const byKey = new Map<string, CostRow>();
  for (const r of rows) {
    const key = keyOf(r.key);
    const into = byKey.get(key) ?? { key, calls: 0, inputTokens: 0, outputTokens: 0, usedUsd: 0, wasteUsd: 0, totalUsd: 0 };
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
export async function costReport(db: SqlDatabase, options: { by: CostGroup; month?: string; costCentres?: CostCentreMap }): Promise<CostReport> {
  const { where, params, period } = monthRange(options.month);
  const centres = options.costCentres ?? {};
  // With a map, a team is the cost centre its repositories are mapped to (the ledger's own team
  // column is not used then; repositories the map does not name are `(unmapped)`).
  const foldByCentre = options.by === 'team' && Object.keys(centres).length > 0;
  const grouped = await db.query<{ key: string; calls: string; input: string; output: string; used: string; waste: string }>(
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
  const cached = await db.query<{ n: string }>(`SELECT count(*) AS n FROM cost_ledger WHERE ${where} AND cached`, params);
  // Merges are not recorded in the database (the ingress ignores closed pull requests), so the
  // divisor is every pull request that had a run in the period: an upper bound on merged PRs.
  const prs = await db.query<{ n: string; usd: string }>(
    `SELECT count(DISTINCT r.repo || '#' || r.pr) AS n, COALESCE(sum(c.cost_usd), 0) AS usd
       FROM cost_ledger c JOIN runs r ON r.id = c.run_id WHERE ${where.replace(/occurred_at/g, 'c.occurred_at')} AND r.pr IS NOT NULL`,
    params,
  );
  const totalUsd = rows.reduce((s, r) => s + r.totalUsd, 0);
  const wasteUsd = rows.reduce((s, r) => s + r.wasteUsd, 0);
  const pullRequests = num(prs.rows[0]?.n);
  return {
    period,
    by: options.by,
    rows,
    waste: waste.rows.map((w) => ({ kind: w.kind, calls: num(w.calls), usd: num(w.usd) })),
    totalUsd,
    wasteUsd,
    cachedCalls: num(cached.rows[0]?.n),
    pullRequests,
    costPerPullRequestUsd: pullRequests > 0 ? num(prs.rows[0]?.usd) / pullRequests : null,
  };
}

const usd = (v: number) => `$${v.toFixed(4)}`;

/** A plain-text table, widest cell per column. */
export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function renderCostTable(report: CostReport): string {
  const withCentre = report.rows.some((r) => r.costCentre);
  const header = [report.by, ...(withCentre ? ['cost centre'] : []), 'calls', 'input tok', 'output tok', 'used', 'waste', 'total'];
  const rows = report.rows.map((r) => [r.key, ...(withCentre ? [r.costCentre ?? '-'] : []), String(r.calls), String(r.inputTokens), String(r.outputTokens), usd(r.usedUsd), usd(r.wasteUsd), usd(r.totalUsd)]);
  const lines = [`Cost ${report.period === 'all' ? 'to date' : `for ${report.period}`}, by ${report.by}`, renderTable(header, rows), `total ${usd(report.totalUsd)} (used ${usd(report.totalUsd - report.wasteUsd)}, waste ${usd(report.wasteUsd)}); ${report.cachedCalls} answered from cache at no cost`];
  lines.push(report.waste.length ? `waste: ${report.waste.map((w) => `${w.kind} ${usd(w.usd)} (${w.calls} call${w.calls === 1 ? '' : 's'})`).join(', ')}` : 'waste: none');
  lines.push(report.costPerPullRequestUsd === null ? 'cost per pull request: no pull request reviewed in the period' : `cost per pull request: ${usd(report.costPerPullRequestUsd)} over ${report.pullRequests} reviewed (merges are not recorded: per merged PR is at least this)`);
  return lines.join('\n');
}

const csvCell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export function renderCostCsv(report: CostReport): string {
  const header = [report.by, 'cost_centre', 'calls', 'input_tokens', 'output_tokens', 'used_usd', 'waste_usd', 'total_usd'];
  const rows = report.rows.map((r) => [r.key, r.costCentre ?? '', String(r.calls), String(r.inputTokens), String(r.outputTokens), r.usedUsd.toFixed(6), r.wasteUsd.toFixed(6), r.totalUsd.toFixed(6)]);
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n');
}
