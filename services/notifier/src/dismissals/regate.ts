/**
 * The gate judged again over a finished run's findings minus the ones dismissed since: the same
 * rule (`report.gate`, `failsGate`) the coordinator judged with, so a dismissed blocker clears the
 * check now rather than at the next push.
 */
import { createHash } from 'node:crypto';
import type { Finding, RunReport } from '@agentflow/contracts';
import { failsGate } from '@agentflow/findings';
import { checkConclusion, type CheckConclusion } from '../render/conclusion';

/** Who dismissed a finding and how. */
export interface Dismisser {
  by: string;
  /** `command` (`/agentflow dismiss`), `reaction` (👎 / GitLab award), `state` (only `findings.state` says so). */
  source: 'command' | 'reaction' | 'state';
}

export interface DismissedFinding extends Dismisser {
  finding: Finding;
}

export interface Regated {
  /** The run's report as published. */
  original: RunReport;
  /** The report as it reads now: dismissed findings left out, the gate judged again. */
  adjusted: RunReport;
  dismissed: DismissedFinding[];
  /** What the check said for the original report, and what it says now. */
  before: { conclusion: CheckConclusion; reason: string };
  after: { conclusion: CheckConclusion; reason: string };
}

/**
 * Null when nothing in the report is dismissed, or when the report predates `RunReport.gate`
 * (the gate rule is unknown: the next run judges it).
 */
export function regate(
  report: RunReport,
  dismisserOf: (fingerprint: string) => Dismisser | undefined,
): Regated | null {
  const dismissed: DismissedFinding[] = [];
  const remaining: Finding[] = [];
  for (const finding of report.findings) {
    const who = dismisserOf(finding.fingerprint);
    if (who) dismissed.push({ finding, ...who });
    else remaining.push(finding);
  }
  if (dismissed.length === 0 || !report.gate) return null;
  const gate = report.gate;
  const failing = remaining.filter((f) => failsGate(f, gate));
  const verdict = failing.length > 0 ? 'failure' : 'success';
  const after = `${dismissed.length} dismissal(s)`;
  const because =
    failing.length > 0
      ? `${failing.length} finding(s) at or above ${gate.failOn} remain after ${after}`
      : gate.failOn === 'never'
        ? 'the gate never fails'
        : `no finding at or above ${gate.failOn} after ${after}`;
  // A neutral gate (degraded run, rollout other than `gate`) stays neutral: a dismissal judges findings, not the run.
  const adjusted: RunReport = {
    ...report,
    findings: remaining,
    gateConclusion: report.gateConclusion === 'neutral' ? 'neutral' : verdict,
    gateSummary:
      report.gateConclusion === 'neutral'
        ? `${report.gateSummary}; would be ${verdict} after ${after}`
        : `${verdict}: ${because}`,
  };
  return {
    original: report,
    adjusted,
    dismissed,
    before: checkConclusion(report, false),
    after: checkConclusion(adjusted, false),
  };
}

/**
 * The check for a result being posted now: judged without findings dismissed after the report was
 * built (a dismissal racing the result, a 👎 read while posting), so the result never posts a
 * conclusion a dismissal already cleared. A failed run keeps `checkConclusion`'s neutral.
 */
export function resultConclusion(
  report: RunReport,
  failed: boolean,
  dismissed: (fingerprint: string) => boolean,
): { conclusion: CheckConclusion; reason: string } {
  const judged = checkConclusion(report, failed);
  if (failed) return judged;
  return (
    regate(report, (fp) => (dismissed(fp) ? { by: 'unknown', source: 'state' } : undefined))?.after ?? judged
  );
}

/** The ledger kind of one reassessment: each distinct set of dismissed findings is delivered once. */
export function reassessmentKind(r: Pick<Regated, 'dismissed'>): string {
  const fingerprints = r.dismissed.map((d) => d.finding.fingerprint).sort();
  return `dismissals:${createHash('sha256').update(fingerprints.join('\n')).digest('hex').slice(0, 16)}`;
}
