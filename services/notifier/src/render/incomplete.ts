/**
 * The steps that did not deliver their review (`RunReport.incompleteSteps`), in the words every
 * output uses, so the check run's title and the Slack summary say the same thing and a run whose
 * test runner failed on red CI never reads like a clean pass wherever it is shown.
 */
import type { RunReport } from '@agentflow/contracts';

/** One step that did not deliver, with why (its error message, e.g. what CI said). */
export interface IncompleteStep {
  id: string;
  outcome: 'failed' | 'timed out' | 'not run';
  reason: string;
}

/** Steps named in a headline before "and N more". */
const NAMED = 3;

export function incompleteStepsOf(report: Pick<RunReport, 'incompleteSteps' | 'steps'>): IncompleteStep[] {
  return (report.incompleteSteps ?? []).map((id) => {
    const step = report.steps[id];
    const outcome =
      step?.state === 'timed_out' ? 'timed out' : step?.state === 'skipped' ? 'not run' : 'failed';
    return {
      id,
      outcome,
      reason: step?.errorMessage ?? step?.errorCode ?? step?.state ?? 'not in the report',
    };
  });
}

/**
 * `incomplete: a, b did not finish`, or when every model step failed `every model step failed (a, b);
 * only the rules reviewed`; null when every step delivered.
 */
export function incompleteHeadline(
  report: Pick<RunReport, 'incompleteSteps' | 'gateSummary'>,
): string | null {
  const failed = report.incompleteSteps ?? [];
  if (failed.length === 0) return null;
  const names =
    failed.length > NAMED
      ? `${failed.slice(0, NAMED).join(', ')} and ${failed.length - NAMED} more`
      : failed.join(', ');
  return /every model step failed/.test(report.gateSummary)
    ? `every model step failed (${names}); only the rules reviewed`
    : `incomplete: ${names} did not finish`;
}
