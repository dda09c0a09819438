/**
 * The one merge of findings, used by the agents (a step's rule and model findings) and the run
 * actor (every step's findings in the report). Deterministic findings (`analyzer`, `sarif`,
 * `coverage`) cannot be lowered, replaced or removed by model output.
 */
import { SEVERITY_RANK, type Finding, type Severity } from '@agentflow/contracts';
import { assignFingerprints, compareFindings } from './fingerprint';

/** Whether a finding comes from a deterministic analyser rather than a model. */
export function isDeterministic(f: Finding): boolean {
  return f.source !== 'model';
}

function overlaps(a: Finding, b: Finding): boolean {
  // A whole-file finding (line 0) only overlaps another whole-file finding.
  if (a.startLine === 0 || b.startLine === 0) return a.startLine === 0 && b.startLine === 0;
  return a.startLine <= b.endLine && b.startLine <= a.endLine;
}

/** The same problem: same file, overlapping lines, and the same category or the same fingerprint. */
function twins(a: Finding, b: Finding): boolean {
  if (a.file !== b.file || !overlaps(a, b)) return false;
  return (
    a.category.toLowerCase() === b.category.toLowerCase() ||
    (!!a.fingerprint && a.fingerprint === b.fingerprint)
  );
}

/** Which of two duplicates of the same kind speaks for both: the more severe, then the more confident. */
function preferred(a: Finding, b: Finding): Finding {
  if (SEVERITY_RANK[a.severity] !== SEVERITY_RANK[b.severity])
    return SEVERITY_RANK[a.severity] > SEVERITY_RANK[b.severity] ? a : b;
  return b.confidence > a.confidence ? b : a;
}

function combine(a: Finding, b: Finding): Finding {
  const lead = preferred(a, b);
  const severity: Severity = SEVERITY_RANK[a.severity] >= SEVERITY_RANK[b.severity] ? a.severity : b.severity;
  return {
    ...lead,
    severity,
    startLine: Math.min(a.startLine, b.startLine),
    endLine: Math.max(a.endLine, b.endLine),
    confidence: Math.max(a.confidence, b.confidence),
    suggestion: lead.suggestion ?? (a.suggestion || b.suggestion),
  };
}

export interface MergeOutcome {
  /** One finding per problem, in line order, each with a unique fingerprint. */
  findings: Finding[];
  /** Model findings dropped because a deterministic finding already covers them. */
  shadowed: number;
}

/**
 * Merges findings that are the same problem (same file, overlapping lines, same category or same
 * fingerprint). A deterministic finding absorbs a model duplicate unchanged, whatever severity
 * the model gave it (counted in `shadowed`); two of the same kind become one with the worse
 * severity, the union of their lines and the higher confidence, led by the more severe. Fingerprints
 * already set are kept ({@link assignFingerprints}); the others are computed.
 */
export function mergeFindings(findings: readonly Finding[]): MergeOutcome {
  const merged: Finding[] = [];
  // How many model findings each merged model finding stands for, to count them when shadowed.
  const models: number[] = [];
  let shadowed = 0;
  for (const f of [...findings].sort(compareFindings)) {
    const i = merged.findIndex((m) => twins(m, f));
    if (i < 0) {
      merged.push({ ...f });
      models.push(isDeterministic(f) ? 0 : 1);
      continue;
    }
    const m = merged[i];
    if (isDeterministic(m) === isDeterministic(f)) {
      merged[i] = combine(m, f);
      models[i] += isDeterministic(f) ? 0 : 1;
    } else if (isDeterministic(m)) {
      shadowed++;
    } else {
      shadowed += models[i];
      merged[i] = { ...f };
      models[i] = 0;
    }
  }
  return { findings: assignFingerprints(merged.sort(compareFindings)), shadowed };
}
