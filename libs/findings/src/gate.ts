import { SEVERITY_RANK, type Finding, type GateRule } from '@agentflow/contracts';

/**
 * Whether a finding counts against the gate: at or above `failOn`, from an allowed source (all
 * when `sources` is empty), and, for a model finding, at least `minConfidence` sure. The run actor
 * judges the gate with it and the notifier judges it again after a dismissal (ADR 0075).
 */
export function failsGate(finding: Finding, gate: GateRule): boolean {
  if (gate.failOn === 'never') return false;
  if (SEVERITY_RANK[finding.severity] < SEVERITY_RANK[gate.failOn]) return false;
  if (gate.sources.length > 0 && !gate.sources.includes(finding.source)) return false;
  if (finding.source === 'model' && finding.confidence < gate.minConfidence) return false;
  return true;
}
