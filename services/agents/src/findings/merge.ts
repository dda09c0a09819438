/**
 * The merge rule between deterministic and model findings, enforced here and nowhere else:
 * findings from the analysers (`analyzer`, `sarif`, `coverage`) pass through unchanged; model
 * output can add findings but can never lower, replace or remove a deterministic one. A model
 * finding that duplicates a deterministic one (same file, overlapping lines, same category) is
 * dropped in favour of the deterministic one, whatever severity the model gave it.
 */
import type { Finding } from '@agentflow/contracts';

export function isDeterministic(f: Finding): boolean {
  return f.source !== 'model';
}

function overlaps(a: Finding, b: Finding): boolean {
  if (a.file !== b.file) return false;
  if (a.startLine === 0 || b.startLine === 0) return a.startLine === b.startLine;
  return a.startLine <= b.endLine && b.startLine <= a.endLine;
}

export interface MergeOutcome {
  findings: Finding[];
  /** Model findings dropped because a deterministic finding already covers them. */
  shadowed: number;
}

export function mergeFindings(deterministic: Finding[], model: Finding[]): MergeOutcome {
  const rules = deterministic.filter(isDeterministic).map((f) => ({ ...f }));
  const kept: Finding[] = [];
  const seen = new Set<string>();
  let shadowed = 0;
  for (const m of model) {
    // Whatever the model claimed, its findings are model findings.
    const finding: Finding = { ...m, source: 'model' };
    if (rules.some((r) => overlaps(r, finding) && (r.category === finding.category || r.fingerprint === finding.fingerprint))) {
      shadowed++;
      continue;
    }
    const key = finding.fingerprint;
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(finding);
  }
  return { findings: [...rules, ...kept], shadowed };
}
