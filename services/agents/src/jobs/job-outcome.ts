/**
 * Turns a job's hand-back into the step's AgentResult: a finished job succeeds with the vendor's
 * summary, the branch/PR it produced in `data`, and findings where the vendor's result mapping
 * gave any; an errored, expired or cancelled job is a step failure carrying the vendor's reason.
 */
import { Finding, validateBody, type AgentResult, type AgentTask, type JobFinished } from '@agentflow/contracts';

/** Error codes of job steps that did not finish; the coordinator retries neither (a second job costs as much as the first). */
export const JOB_ERROR_CODES = { failed: 'job_failed', expired: 'job_expired', cancelled: 'cancelled' } as const;

/**
 * Findings a generic vendor's mapping put in `data.findings`. Entries that are not valid findings
 * are dropped and counted: a vendor's report format is not ours to trust, and one bad entry must
 * not lose the rest.
 */
export function mappedFindings(data: Record<string, unknown> | undefined): { findings: Finding[]; dropped: number } {
  const raw = data?.findings;
  if (!Array.isArray(raw)) return { findings: [], dropped: 0 };
  const findings: Finding[] = [];
  for (const entry of raw) {
    try {
      findings.push(validateBody(Finding, entry));
    } catch {
      // Counted below; the summary still reaches the run.
    }
  }
  return { findings, dropped: raw.length - findings.length };
}

export function jobResult(task: AgentTask, done: JobFinished): AgentResult {
  const base = { runId: task.runId, stepId: task.stepId, attempt: task.attempt, agentType: task.agentType };
  const usage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: done.costUsd, vendorMs: 0, models: [done.provider] };
  const job = { jobId: done.jobId, provider: done.provider, vendorStatus: done.vendorStatus, finishedAt: done.finishedAt };
  if (done.state === 'finished') {
    const outcome = done.outcome ?? {};
    const { findings, dropped } = mappedFindings(outcome.data);
    return {
      ...base,
      status: 'succeeded',
      findings,
      notReviewed: [],
      summary: outcome.summary ?? `${done.provider} job ${done.jobId} finished without a summary`,
      usage,
      data: {
        job,
        ...(outcome.branch ? { branch: outcome.branch } : {}),
        ...(outcome.prUrl ? { prUrl: outcome.prUrl } : {}),
        ...(outcome.url ? { url: outcome.url } : {}),
        ...(outcome.data ? { vendorData: outcome.data } : {}),
        ...(dropped ? { droppedFindings: dropped } : {}),
      },
    };
  }
  const errorCode = done.state === 'expired' ? JOB_ERROR_CODES.expired : done.state === 'cancelled' ? JOB_ERROR_CODES.cancelled : JOB_ERROR_CODES.failed;
  return {
    ...base,
    status: 'failed',
    findings: [],
    notReviewed: [],
    usage,
    errorCode,
    errorMessage: done.reason ?? `${done.provider} job ${done.jobId} ended ${done.state}`,
    data: { job },
  };
}
