/**
 * How useful agentflow's findings were, measured from what engineers did with them: per agent,
 * rule, category, model or repository, over the findings first posted in a window. One query over
 * `findings` (fixed by a later push, dismissed), `finding_signals` (thread resolved by a person,
 * open at merge, reactions, suggestion applied) and `notifier_inline_comments` (what was posted
 * inline); the summary comments' reactions come from `summary_reactions`.
 * Read by `agentflow usefulness` and the notifier's `agentflow_usefulness_*` gauges; the caveats of
 * each measure are in docs/usefulness.md.
 */
import type { SqlExecutor } from './database';

export const USEFULNESS_GROUPS = ['agent', 'rule', 'category', 'model', 'repo'] as const;
export type UsefulnessGroup = (typeof USEFULNESS_GROUPS)[number];

/** The SQL of each group's key. A finding without a rule id (a model's finding) counts under its category. */
const KEY: Record<UsefulnessGroup, string> = {
  agent: 'f.agent',
  rule: "COALESCE(f.rule_id, 'category:' || f.category)",
  category: 'f.category',
  model: 'f.model',
  repo: "CASE WHEN f.platform = 'github' THEN f.repo ELSE f.platform || ':' || f.repo END",
};

export interface UsefulnessOptions {
  /** @default 'agent' */
  by?: UsefulnessGroup;
  /** Only findings first posted at or after this instant. @default every finding */
  since?: Date;
}

/** One group's counts and the rates they give; a rate is null when its sample is empty. */
export interface UsefulnessRow {
  key: string;
  /** Findings first posted in the window (pull requests only): the sample of the acted-on and dismissal rates. */
  findings: number;
  /** Pull requests those findings were on. */
  pullRequests: number;
  /** Of the findings, those posted as an inline comment. */
  comments: number;
  /** No longer reported by a later push of the same pull request (`findings.state = 'fixed'`). */
  fixed: number;
  /** Whose suggested code was in the file at the pull request's last head and not before (read after the PR ended). */
  suggestionsApplied: number;
  /** Fixed or suggestion applied (a finding counts once). */
  actedOn: number;
  /** Dismissed (👎 or `/agentflow dismiss`). */
  dismissed: number;
  /** Inline comments whose review thread a person resolved (and left resolved). */
  resolved: number;
  /** Findings on pull requests whose merge the ingress recorded: the ignored rate's sample. */
  atMerge: number;
  /** Of those, still open when the pull request merged. */
  openAtMerge: number;
  /** Inline comments whose reactions were read (after the PR ended): the reaction rates' sample. */
  reactionsRead: number;
  /** Of those, with a 👍, ❤️, 🎉 or 🚀 from a person. */
  reactedUp: number;
  /** Of those, with a 👎 or 😕 from a person. */
  reactedDown: number;
  /** actedOn / findings. */
  actedOnRate: number | null;
  /** dismissed / findings. */
  dismissalRate: number | null;
  /** openAtMerge / atMerge. */
  ignoredRate: number | null;
  /** resolved / comments. */
  resolvedRate: number | null;
  /** comments / pullRequests. */
  commentsPerPullRequest: number | null;
  /** reactedUp / reactionsRead. */
  positiveReactionRate: number | null;
  /** reactedDown / reactionsRead. */
  negativeReactionRate: number | null;
}

/** Reactions on the summary comments of pull requests that ended in the window (they judge a whole review, so they are not grouped). */
export interface SummaryReactions {
  /** Summaries whose reactions were read. */
  read: number;
  /** Of those, with at least one person's positive reaction. */
  positive: number;
  /** Of those, with at least one person's negative reaction. */
  negative: number;
}

export interface UsefulnessReport {
  by: UsefulnessGroup;
  since: string | null;
  rows: UsefulnessRow[];
  summaries: SummaryReactions;
}

interface Counts {
  key: string;
  findings: string;
  prs: string;
  comments: string;
  fixed: string;
  applied: string;
  acted_on: string;
  dismissed: string;
  resolved: string;
  at_merge: string;
  open_at_merge: string;
  reactions_read: string;
  reacted_up: string;
  reacted_down: string;
}

const ratio = (n: number, d: number): number | null => (d > 0 ? n / d : null);

export async function usefulnessReport(
  db: SqlExecutor,
  options: UsefulnessOptions = {},
): Promise<UsefulnessReport> {
  const by = options.by ?? 'agent';
  if (!USEFULNESS_GROUPS.includes(by))
    throw new Error(`usefulness: cannot group by ${String(by)}; choose from ${USEFULNESS_GROUPS.join(', ')}`);
  const { rows } = await db.query<Counts>(
    `SELECT ${KEY[by]} AS key,
            count(*) AS findings,
            count(DISTINCT (f.platform, f.repo, f.pr)) AS prs,
            count(ic.comment_id) AS comments,
            count(*) FILTER (WHERE f.state = 'fixed') AS fixed,
            count(*) FILTER (WHERE sa.active) AS applied,
            count(*) FILTER (WHERE f.state = 'fixed' OR sa.active) AS acted_on,
            count(*) FILTER (WHERE f.state = 'dismissed') AS dismissed,
            count(*) FILTER (WHERE rs.active) AS resolved,
            count(om.finding_id) AS at_merge,
            count(*) FILTER (WHERE om.active) AS open_at_merge,
            count(ru.finding_id) AS reactions_read,
            count(*) FILTER (WHERE ru.active) AS reacted_up,
            count(*) FILTER (WHERE rd.active) AS reacted_down
       FROM findings f
       LEFT JOIN notifier_inline_comments ic
              ON ic.platform = f.platform AND ic.repo = f.repo AND ic.pr = f.pr AND ic.workflow = f.workflow AND ic.fingerprint = f.fingerprint
       LEFT JOIN finding_signals rs ON rs.finding_id = f.id AND rs.signal = 'thread_resolved'
       LEFT JOIN finding_signals om ON om.finding_id = f.id AND om.signal = 'open_at_merge'
       LEFT JOIN finding_signals sa ON sa.finding_id = f.id AND sa.signal = 'suggestion_applied'
       LEFT JOIN finding_signals ru ON ru.finding_id = f.id AND ru.signal = 'reacted_up'
       LEFT JOIN finding_signals rd ON rd.finding_id = f.id AND rd.signal = 'reacted_down'
      WHERE f.pr IS NOT NULL AND ($1::timestamptz IS NULL OR f.created_at >= $1::timestamptz)
      GROUP BY 1
      ORDER BY count(*) DESC, 1`,
    [options.since ? options.since.toISOString() : null],
  );
  const { rows: summary } = await db.query<{ read: string; positive: string; negative: string }>(
    `SELECT count(*) AS read, count(*) FILTER (WHERE s.positive > 0) AS positive, count(*) FILTER (WHERE s.negative > 0) AS negative
       FROM summary_reactions s
       JOIN pull_request_outcomes o ON o.platform = s.platform AND o.repo = s.repo AND o.pr = s.pr
      WHERE $1::timestamptz IS NULL OR o.ended_at >= $1::timestamptz`,
    [options.since ? options.since.toISOString() : null],
  );
  return {
    by,
    since: options.since ? options.since.toISOString() : null,
    rows: rows.map((r) => {
      const n = {
        findings: Number(r.findings),
        prs: Number(r.prs),
        comments: Number(r.comments),
        fixed: Number(r.fixed),
        applied: Number(r.applied),
        actedOn: Number(r.acted_on),
        dismissed: Number(r.dismissed),
        resolved: Number(r.resolved),
        atMerge: Number(r.at_merge),
        openAtMerge: Number(r.open_at_merge),
        reactionsRead: Number(r.reactions_read),
        reactedUp: Number(r.reacted_up),
        reactedDown: Number(r.reacted_down),
      };
      return {
        key: r.key,
        findings: n.findings,
        pullRequests: n.prs,
        comments: n.comments,
        fixed: n.fixed,
        suggestionsApplied: n.applied,
        actedOn: n.actedOn,
        dismissed: n.dismissed,
        resolved: n.resolved,
        atMerge: n.atMerge,
        openAtMerge: n.openAtMerge,
        reactionsRead: n.reactionsRead,
        reactedUp: n.reactedUp,
        reactedDown: n.reactedDown,
        actedOnRate: ratio(n.actedOn, n.findings),
        dismissalRate: ratio(n.dismissed, n.findings),
        ignoredRate: ratio(n.openAtMerge, n.atMerge),
        resolvedRate: ratio(n.resolved, n.comments),
        commentsPerPullRequest: ratio(n.comments, n.prs),
        positiveReactionRate: ratio(n.reactedUp, n.reactionsRead),
        negativeReactionRate: ratio(n.reactedDown, n.reactionsRead),
      };
    }),
    summaries: {
      read: Number(summary[0]?.read ?? 0),
      positive: Number(summary[0]?.positive ?? 0),
      negative: Number(summary[0]?.negative ?? 0),
    },
  };
}

const pct = (r: number | null): string => (r === null ? '-' : `${(r * 100).toFixed(1)}%`);

/** The report as a plain-text table, each rate beside the sample it divides by. */
export function renderUsefulnessTable(report: UsefulnessReport): string {
  const header = [
    report.by,
    'findings',
    'PRs',
    'comments/PR',
    'acted-on (fixed/applied)',
    'dismissed',
    'ignored (open at merge)',
    'threads resolved',
    'reactions +/-',
  ];
  const lines = report.rows.map((r) => [
    r.key,
    String(r.findings),
    String(r.pullRequests),
    r.commentsPerPullRequest === null ? '-' : r.commentsPerPullRequest.toFixed(2),
    `${pct(r.actedOnRate)} (${r.actedOn}/${r.findings})`,
    `${pct(r.dismissalRate)} (${r.dismissed}/${r.findings})`,
    `${pct(r.ignoredRate)} (${r.openAtMerge}/${r.atMerge})`,
    `${pct(r.resolvedRate)} (${r.resolved}/${r.comments})`,
    r.reactionsRead ? `${r.reactedUp}/${r.reactedDown} of ${r.reactionsRead}` : '-',
  ]);
  if (lines.length === 0)
    return `no findings on pull requests${report.since ? ` since ${report.since}` : ''}`;
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const title = `usefulness by ${report.by}${report.since ? ` of findings posted since ${report.since}` : ''}`;
  const s = report.summaries;
  const summaries = s.read
    ? [
        `summary comments: ${s.positive} of ${s.read} with a positive reaction, ${s.negative} with a negative one`,
      ]
    : [];
  return [title, row(header), ...lines.map(row), ...summaries].join('\n');
}

/** Findings and dismissals of one rule or agent in one repository: what quieting decides on. */
export interface RepositoryDismissals {
  kind: 'rule' | 'agent';
  /** The rule id (`category:<name>` for a finding without one) or the agent. */
  key: string;
  findings: number;
  dismissed: number;
}

/** Per rule and per agent, the findings first posted in the repository since `since` and how many were dismissed. */
export async function repositoryDismissals(
  db: SqlExecutor,
  where: { platform: string; repo: string; since: Date },
): Promise<RepositoryDismissals[]> {
  const { rows } = await db.query<{
    kind: 'rule' | 'agent';
    key: string;
    findings: string;
    dismissed: string;
  }>(
    `SELECT kind, key, count(*) AS findings, count(*) FILTER (WHERE dismissed) AS dismissed
       FROM (SELECT f.state = 'dismissed' AS dismissed, g.kind, g.key
               FROM findings f
              CROSS JOIN LATERAL (VALUES ('rule', ${KEY.rule}), ('agent', ${KEY.agent})) AS g (kind, key)
              WHERE f.platform = $1 AND f.repo = $2 AND f.pr IS NOT NULL AND f.created_at >= $3::timestamptz) x
      GROUP BY kind, key
      ORDER BY kind, key`,
    [where.platform, where.repo, where.since.toISOString()],
  );
  return rows.map((r) => ({
    kind: r.kind,
    key: r.key,
    findings: Number(r.findings),
    dismissed: Number(r.dismissed),
  }));
}
