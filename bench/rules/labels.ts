/**
 * Labels of rule findings on public repositories: one JSON object a line, the first line the
 * file's metadata (`{"meta": {...}}`: repository, commit, seed, sample size per rule, date), every
 * other line one judged finding `{file, line, rule, verdict, reason}`. A verdict is `true` (the
 * app's engineers would act on it), `noise` (right but not worth a comment) or `false` (wrong).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { AnalyzerFinding } from '@agentflow/mobile';
import { seededRandom } from '@agentflow/contracts';

export type Verdict = 'true' | 'noise' | 'false';

export interface Label {
  file: string;
  line: number;
  rule: string;
  verdict: Verdict;
  reason: string;
}

export interface LabelsMeta {
  repo: string;
  commit: string;
  seed: number;
  /** Findings sampled per rule when the labels were made, and how many the rule produced then. */
  sample: Record<string, { sampled: number; population: number }>;
  date: string;
}

export interface LabelsFile {
  meta: LabelsMeta;
  labels: Label[];
}

/** `owner-name@commit`, the labels file's name. */
export function repoSlug(ownerAndName: string, commit: string): string {
  return `${ownerAndName.replace('/', '-')}@${commit}`;
}

export function loadLabels(path: string): LabelsFile | undefined {
  if (!existsSync(path)) return undefined;
  const rows = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim());
  const [first, ...rest] = rows.map((r, i) => {
    try {
      return JSON.parse(r) as Record<string, unknown>;
    } catch {
      throw new Error(`${path}:${i + 1}: not JSON`);
    }
  });
  if (!first || typeof first.meta !== 'object')
    throw new Error(`${path}: the first line must be {"meta": {...}}`);
  const labels = rest.map((r, i) => {
    if (
      typeof r.file !== 'string' ||
      typeof r.line !== 'number' ||
      typeof r.rule !== 'string' ||
      !['true', 'noise', 'false'].includes(String(r.verdict)) ||
      typeof r.reason !== 'string'
    ) {
      throw new Error(
        `${path}:${i + 2}: a label needs file, line, rule, verdict (true|noise|false) and reason`,
      );
    }
    return r as unknown as Label;
  });
  return { meta: first.meta as LabelsMeta, labels };
}

export const labelKey = (x: { file: string; line: number; rule: string }) =>
  `${x.rule}\0${x.file}\0${x.line}`;

/**
 * A rule's score against its labels: precision over the labelled findings it still produces, and
 * how many labelled true findings it still produces (a finding counts as kept when the rule reports
 * the same file and line).
 */
export function scoreRule(current: readonly AnalyzerFinding[], labels: readonly Label[]) {
  const found = new Set(current.map((f) => labelKey({ file: f.file, line: f.line, rule: f.ruleId })));
  const judged = labels.filter((l) => found.has(labelKey(l)));
  const count = (v: Verdict) => judged.filter((l) => l.verdict === v).length;
  const labelled = new Set(labels.map(labelKey));
  const trueLabels = labels.filter((l) => l.verdict === 'true');
  return {
    labelled: judged.length,
    true: count('true'),
    noise: count('noise'),
    false: count('false'),
    precision: judged.length ? count('true') / judged.length : null,
    trueKept: trueLabels.filter((l) => found.has(labelKey(l))).length,
    trueLabelled: trueLabels.length,
    unlabelled: current.filter((f) => !labelled.has(labelKey({ file: f.file, line: f.line, rule: f.ruleId })))
      .length,
  };
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * Per rule, the first `size` findings of a seeded shuffle (all of them when the rule fires less),
 * minus those already labelled: what is left to judge.
 */
export function sampleFindings(
  findings: readonly AnalyzerFinding[],
  labels: readonly Label[],
  options: { size: number; seed: number },
): AnalyzerFinding[] {
  const labelled = new Set(labels.map(labelKey));
  const byRule = new Map<string, AnalyzerFinding[]>();
  for (const f of findings) byRule.set(f.ruleId, [...(byRule.get(f.ruleId) ?? []), f]);
  const out: AnalyzerFinding[] = [];
  for (const [rule, list] of [...byRule].sort(([a], [b]) => a.localeCompare(b))) {
    const ordered = [...list].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
    const next = seededRandom(options.seed ^ hash(rule));
    for (let i = ordered.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [ordered[i], ordered[j]] = [ordered[j]!, ordered[i]!];
    }
    out.push(
      ...ordered
        .slice(0, options.size)
        .filter((f) => !labelled.has(labelKey({ file: f.file, line: f.line, rule: f.ruleId }))),
    );
  }
  return out;
}
