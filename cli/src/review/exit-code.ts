/**
 * `agentflow review`'s exit codes, for CI systems that read nothing else:
 * 0 passed, 1 the gate failed, 2 usage or configuration error, 3 the review is incomplete (a step
 * failed or the run ended early; the findings that exist were printed and gated). A failed gate
 * wins over an incomplete review: what was found blocks whether or not the rest was looked at.
 */
import type { RunReport } from '@agentflow/contracts';

export const EXIT_PASSED = 0;
export const EXIT_GATE_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INCOMPLETE = 3;

/** The lines `agentflow review --help` prints: one place, so the help and the behaviour agree. */
export const EXIT_CODES_HELP = [
  'Exit codes:',
  '  0  passed: the gate passed (or is neutral) and every step finished',
  "  1  the gate failed: a finding at or above the gate's severity (wins over 3)",
  '  2  usage or configuration error: bad option, not a git repository, workflows that do not load',
  '  3  incomplete: a step failed or the run ended early; the findings that exist were printed and gated',
].join('\n');

export function exitCodeOf(
  report: Pick<RunReport, 'gateConclusion' | 'failingFindings' | 'incompleteSteps'>,
  runFailed = false,
): number {
  if (report.gateConclusion === 'failure' || (report.failingFindings ?? 0) > 0) return EXIT_GATE_FAILED;
  if (runFailed || (report.incompleteSteps?.length ?? 0) > 0) return EXIT_INCOMPLETE;
  return EXIT_PASSED;
}
