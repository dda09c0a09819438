/**
 * Quieting what nobody acts on: a rule or agent whose findings were dismissed at more than the
 * configured rate in a repository, over at least the minimum sample, has its findings there moved
 * from inline comments to the summary, or shown one severity lower (which also keeps `major`
 * findings out of inline comments). Judged per repository at each delivery of a run's result;
 * every change (quieted, restored) is a row of `quieting_changes` and a log line, and the summary
 * says what is quieted and why. The gate is not touched: the check is judged on the severities the
 * agents gave, so quieting never lets a blocker through.
 */
import { SEVERITY_RANK, type Finding, type Platform, type Severity } from '@agentflow/contracts';
import { repositoryDismissals, type SqlDatabase } from '@agentflow/store';

export const QUIET_ACTIONS = ['summary', 'lower-severity'] as const;
export type QuietAction = (typeof QUIET_ACTIONS)[number];
export type QuietKind = 'rule' | 'agent';

/** The `NOTIFIER_QUIET_*` settings. */
export interface QuietPolicy {
  /** `NOTIFIER_QUIET_DISMISSAL_RATE`: quiet a group dismissed at more than this share (0 to 1). */
  dismissalRate: number;
  /** `NOTIFIER_QUIET_MIN_SAMPLE`: and only with at least this many findings in the window. @default 20 */
  minSample: number;
  /** `NOTIFIER_QUIET_ACTION`. @default 'summary' */
  action: QuietAction;
  /** `NOTIFIER_QUIET_BY`: which groups may be quieted. @default ['rule', 'agent'] */
  by: QuietKind[];
  /** `NOTIFIER_QUIET_WINDOW_DAYS`: findings first posted this many days back count. @default 90 */
  windowDays: number;
}

export interface QuietGroup {
  kind: QuietKind;
  key: string;
  dismissed: number;
  findings: number;
  action: QuietAction;
}

export interface QuietedRun {
  /** The findings as they are shown: one severity lower where quieted with `lower-severity`. */
  findings: Finding[];
  /** Fingerprints never posted inline (quieted with `summary`). */
  summaryOnly: Set<string>;
  /** The quieted groups this run has findings of, for the summary. */
  notes: QuietGroup[];
}

const LOWER: Record<Severity, Severity> = { blocker: 'major', major: 'minor', minor: 'info', info: 'info' };

/** The group keys of a finding, as `repositoryDismissals` computes them. */
function keysOf(f: Finding): Record<QuietKind, string> {
  return { rule: f.ruleId ?? `category:${f.category}`, agent: f.agent };
}

export class Quieting {
  constructor(
    private readonly db: SqlDatabase,
    private readonly policy: QuietPolicy,
    private readonly log: { log(message: string): void },
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * The groups quieted in the repository now. Records a change for each group whose state differs
   * from its last recorded one; two deliveries deciding at once record it once (the lock).
   */
  async groups(platform: Platform, repo: string, runId?: string): Promise<QuietGroup[]> {
    const since = new Date(this.now().getTime() - this.policy.windowDays * 86_400_000);
    const counts = (await repositoryDismissals(this.db, { platform, repo, since })).filter((c) =>
      this.policy.by.includes(c.kind),
    );
    const over = counts.filter(
      (c) => c.findings >= this.policy.minSample && c.dismissed / c.findings > this.policy.dismissalRate,
    );
    return this.db.withLock(`quieting:${platform}:${repo}`, async (session) => {
      const { rows: last } = await session.query<{ kind: QuietKind; key: string; change: string }>(
        `SELECT DISTINCT ON (kind, key) kind, key, change FROM quieting_changes WHERE platform = $1 AND repo = $2 ORDER BY kind, key, id DESC`,
        [platform, repo],
      );
      const quietedBefore = new Set(
        last.filter((r) => r.change === 'quieted').map((r) => `${r.kind}:${r.key}`),
      );
      const quietedNow = new Set(over.map((c) => `${c.kind}:${c.key}`));
      const record = async (
        c: { kind: QuietKind; key: string; findings: number; dismissed: number },
        change: 'quieted' | 'restored',
      ) => {
        await session.query(
          `INSERT INTO quieting_changes (platform, repo, kind, key, change, action, dismissed, findings, run_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [platform, repo, c.kind, c.key, change, this.policy.action, c.dismissed, c.findings, runId ?? null],
        );
        const verb = change === 'quieted' ? `quieted (${this.policy.action})` : 'restored';
        this.log.log(
          `notifier: ${c.kind} ${c.key} ${verb} in ${repo}: dismissed ${c.dismissed} of ${c.findings} times in ${this.policy.windowDays} days (threshold ${this.policy.dismissalRate} over at least ${this.policy.minSample})`,
        );
      };
      for (const c of over) if (!quietedBefore.has(`${c.kind}:${c.key}`)) await record(c, 'quieted');
      for (const r of last) {
        if (
          r.change !== 'quieted' ||
          quietedNow.has(`${r.kind}:${r.key}`) ||
          !this.policy.by.includes(r.kind)
        )
          continue;
        const c = counts.find((x) => x.kind === r.kind && x.key === r.key) ?? {
          kind: r.kind,
          key: r.key,
          findings: 0,
          dismissed: 0,
        };
        await record(c, 'restored');
      }
      return over.map((c) => ({ ...c, action: this.policy.action }));
    });
  }

  /** A run's findings as quieting shows them in its repository. */
  async apply(platform: Platform, repo: string, findings: Finding[], runId?: string): Promise<QuietedRun> {
    const groups = await this.groups(platform, repo, runId);
    return applyQuieting(findings, groups);
  }
}

/** Pure: which of the findings the groups quiet, and how they are shown. */
export function applyQuieting(findings: Finding[], groups: QuietGroup[]): QuietedRun {
  const byKey = new Map(groups.map((g) => [`${g.kind}:${g.key}`, g]));
  const summaryOnly = new Set<string>();
  const used = new Map<string, QuietGroup>();
  const shown = findings.map((f) => {
    const keys = keysOf(f);
    const hit = [byKey.get(`rule:${keys.rule}`), byKey.get(`agent:${keys.agent}`)].filter(
      (g): g is QuietGroup => g !== undefined,
    );
    if (hit.length === 0) return f;
    for (const g of hit) used.set(`${g.kind}:${g.key}`, g);
    if (hit.some((g) => g.action === 'summary')) summaryOnly.add(f.fingerprint);
    // Lowered once, however many of its groups are quieted.
    return hit.some((g) => g.action === 'lower-severity') && SEVERITY_RANK[f.severity] > SEVERITY_RANK.info
      ? { ...f, severity: LOWER[f.severity] }
      : f;
  });
  return {
    findings: shown,
    summaryOnly,
    notes: [...used.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.key.localeCompare(b.key)),
  };
}

/** The summary's line for the quieted groups ("quieted: rule X, dismissed N of M times here"). */
export function renderQuietNotes(notes: QuietGroup[]): string | null {
  if (notes.length === 0) return null;
  const how: Record<QuietAction, string> = {
    summary: 'listed here instead of inline',
    'lower-severity': 'shown one severity lower',
  };
  const lines = notes.map(
    (n) =>
      `- quieted: ${n.kind} \`${n.key.replace(/`/g, "'")}\`, dismissed ${n.dismissed} of ${n.findings} times here (${how[n.action]})`,
  );
  return `<details><summary>Quieted in this repository (${notes.length})</summary>\n\n${lines.join('\n')}\n\nThe check is judged on the original severities. See docs/usefulness.md.\n\n</details>`;
}
