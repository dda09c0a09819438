/**
 * Scoring for the review-quality bench. A finding matches a labelled problem when it is on the
 * same file, its lines overlap the labelled lines (within `slack` lines), and its category is in
 * the same family. Precision is counted by the finding's category family, recall by the labelled
 * problem's; noise is unmatched findings per pull request.
 */
import type { Finding } from '@agentflow/contracts';

export interface LabelledProblem {
  file: string;
  startLine: number;
  endLine: number;
  category: string;
}

export interface CaseOutcome {
  id: string;
  expected: LabelledProblem[];
  findings: Finding[];
}

const FAMILIES: Record<string, string[]> = {
  bug: ['bug', 'crash', 'correctness', 'error-handling', 'reliability'],
  memory: ['memory', 'leak', 'retain-cycle', 'memory-leak'],
  concurrency: ['concurrency', 'threading', 'race', 'coroutines', 'lifecycle'],
  security: ['security', 'privacy', 'secrets'],
  performance: ['performance', 'main-thread', 'responsiveness'],
  testing: ['testing', 'tests'],
};

export function family(category: string): string {
  const c = category.toLowerCase();
  for (const [name, members] of Object.entries(FAMILIES)) if (members.includes(c)) return name;
  return c;
}

export function matches(f: Finding, p: LabelledProblem, slack = 2): boolean {
  if (f.file !== p.file) return false;
  if (family(f.category) !== family(p.category)) return false;
  if (f.startLine === 0) return false;
  return f.startLine <= p.endLine + slack && p.startLine <= f.endLine + slack;
}

export interface Score {
  precision: number | null;
  recall: number | null;
  byCategory: Record<
    string,
    { precision: number | null; recall: number | null; findings: number; labelled: number }
  >;
  noisePerPr: number;
  cleanNoisePerPr: number;
}

const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 1000) / 1000);

export function score(outcomes: CaseOutcome[]): Score {
  const tpFindings: Record<string, number> = {};
  const allFindings: Record<string, number> = {};
  const found: Record<string, number> = {};
  const labelled: Record<string, number> = {};
  let noise = 0;
  let cleanNoise = 0;
  let cleanCases = 0;
  for (const o of outcomes) {
    let unmatched = 0;
    for (const f of o.findings) {
      const fam = family(f.category);
      allFindings[fam] = (allFindings[fam] ?? 0) + 1;
      if (o.expected.some((p) => matches(f, p))) tpFindings[fam] = (tpFindings[fam] ?? 0) + 1;
      else unmatched++;
    }
    for (const p of o.expected) {
      const fam = family(p.category);
      labelled[fam] = (labelled[fam] ?? 0) + 1;
      if (o.findings.some((f) => matches(f, p))) found[fam] = (found[fam] ?? 0) + 1;
    }
    noise += unmatched;
    if (o.expected.length === 0) {
      cleanCases++;
      cleanNoise += unmatched;
    }
  }
  const byCategory: Score['byCategory'] = {};
  for (const fam of new Set([...Object.keys(allFindings), ...Object.keys(labelled)])) {
    byCategory[fam] = {
      precision: ratio(tpFindings[fam] ?? 0, allFindings[fam] ?? 0),
      recall: ratio(found[fam] ?? 0, labelled[fam] ?? 0),
      findings: allFindings[fam] ?? 0,
      labelled: labelled[fam] ?? 0,
    };
  }
  const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  return {
    precision: ratio(sum(tpFindings), sum(allFindings)),
    recall: ratio(sum(found), sum(labelled)),
    byCategory,
    noisePerPr: outcomes.length ? Math.round((noise / outcomes.length) * 100) / 100 : 0,
    cleanNoisePerPr: cleanCases ? Math.round((cleanNoise / cleanCases) * 100) / 100 : 0,
  };
}
