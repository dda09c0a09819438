/**
 * Turns a job's hand-back into the step's AgentResult: a finished job succeeds with the vendor's
 * summary, the branch/PR it produced in `data`, and findings where the vendor's result mapping
 * gave any; an errored, expired or cancelled job is a step failure carrying the vendor's reason.
 */
import {
  Finding,
  validateBody,
  type AgentResult,
  type AgentTask,
  type JobFinished,
} from '@agentflow/contracts';
import { fingerprintOf } from '@agentflow/findings';

/**
 * Certainty given to a vendor finding that states none: the middle of the scale, so neither a
 * gate's confidence floor nor the merge treats it as sure.
 */
export const VENDOR_FINDING_CONFIDENCE = 0.5;

/** Error codes of job steps that did not finish; the coordinator retries neither (a second job costs as much as the first). */
export const JOB_ERROR_CODES = {
  failed: 'job_failed',
  expired: 'job_expired',
  cancelled: 'cancelled',
} as const;

/**
 * Findings a generic vendor's mapping put in `data.findings` (file, startLine, endLine, severity,
 * category, message; optionally confidence, ruleId). What only agentflow knows is filled in: the
 * agent type, the provider as the model, source `model` (an AI product's opinion, not a
 * deterministic analyser) and a fingerprint. Entries that are still not valid findings are dropped
 * and counted: a vendor's report format is not ours to trust, and one bad entry must not lose the rest.
 */
export function mappedFindings(
  task: AgentTask,
  provider: string,
  data: Record<string, unknown> | undefined,
): { findings: Finding[]; dropped: number } {
  const raw = data?.findings;
  if (!Array.isArray(raw)) return { findings: [], dropped: 0 };
  const findings: Finding[] = [];
  for (const entry of raw) {
    if (!entry || typeof entry !== 'object') continue;
    const e = entry as Record<string, unknown>;
    try {
      findings.push(
        validateBody(Finding, {
          confidence: VENDOR_FINDING_CONFIDENCE,
          ...e,
          // The one recipe (`@agentflow/findings`), whatever id the vendor's report carried.
          fingerprint: fingerprintOf({
            file: String(e.file ?? ''),
            category: String(e.category ?? ''),
            ruleId: typeof e.ruleId === 'string' ? e.ruleId : undefined,
            message: String(e.message ?? ''),
          }),
          agent: task.agentType,
          model: provider,
          source: 'model',
        }),
      );
    } catch {
      // Counted below; the summary still reaches the run.
    }
  }
  return { findings, dropped: raw.length - findings.length };
}

export function jobResult(task: AgentTask, done: JobFinished): AgentResult {
  const base = { runId: task.runId, stepId: task.stepId, attempt: task.attempt, agentType: task.agentType };
  const usage = {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: done.costUsd,
    vendorMs: 0,
    models: [done.provider],
  };
  const job = {
    jobId: done.jobId,
    provider: done.provider,
    vendorStatus: done.vendorStatus,
    finishedAt: done.finishedAt,
  };
  if (done.state === 'finished') {
    const outcome = done.outcome ?? {};
    const { findings, dropped } = mappedFindings(task, done.provider, outcome.data);
    // The findings travel as findings; the rest of the mapped fields stay for later steps to read.
    const { findings: _mapped, ...vendorData } = outcome.data ?? {};
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
        ...(Object.keys(vendorData).length ? { vendorData } : {}),
        ...(dropped ? { droppedFindings: dropped } : {}),
      },
    };
  }
  const errorCode =
    done.state === 'expired'
      ? JOB_ERROR_CODES.expired
      : done.state === 'cancelled'
        ? JOB_ERROR_CODES.cancelled
        : JOB_ERROR_CODES.failed;
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
