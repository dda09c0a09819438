/**
 * The check run's conclusion. It follows the workflow's gate only in `gate` rollout, and is
 * neutral (never blocking) when the run could not judge the change: deferred, vendors down,
 * budget spent, or the run failed on our side.
 */
import type { RunReport } from '@agentflow/contracts';

const UNJUDGED = /budget|all_providers_failed|deferred|vendor|outage|breaker|deadline/i;

export type CheckConclusion = 'success' | 'failure' | 'neutral';

/** Why the run could not judge the change, or null when it could. */
export function unjudgedReason(report: RunReport): string | null {
  if (report.degraded) return 'the run was degraded (a vendor was down or the budget ran out)';
  for (const [id, step] of Object.entries(report.steps)) {
    if ((step.state === 'failed' || step.state === 'timed_out') && UNJUDGED.test(step.errorMessage ?? ''))
      return `step ${id}: ${step.errorMessage}`;
  }
  return null;
}

export function checkConclusion(
  report: RunReport,
  failed: boolean,
): { conclusion: CheckConclusion; reason: string } {
  if (failed)
    return {
      conclusion: 'neutral',
      reason: "the run did not finish; nothing is blocked on agentflow's own failure",
    };
  const unjudged = unjudgedReason(report);
  if (unjudged) return { conclusion: 'neutral', reason: unjudged };
  if (report.rollout !== 'gate') {
    return {
      conclusion: report.gateConclusion === 'failure' ? 'neutral' : report.gateConclusion,
      reason: `rollout is ${report.rollout}: the check informs, never blocks`,
    };
  }
  return { conclusion: report.gateConclusion, reason: report.gateSummary };
}
