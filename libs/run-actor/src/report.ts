/**
 * The run's report: every agent's findings merged and de-duplicated, fingerprinted, compared with
 * the previous review, and judged against the workflow's gate.
 */
import {
  dismissalCovers,
  type Finding,
  type NotReviewed,
  type ProposedFile,
  type RunReport,
} from '@agentflow/contracts';
import { failsGate, mergeFindings as mergeAll } from '@agentflow/findings';
import type { RunState } from './state';

export { failsGate };

/**
 * Every step's findings merged into one per problem by the one merge (`@agentflow/findings`):
 * a fingerprint a producer set is kept, the others are computed.
 */
export function mergeFindings(findings: Finding[]): Finding[] {
  return mergeAll(findings).findings;
}

export interface GateVerdict {
  conclusion: 'success' | 'failure' | 'neutral';
  summary: string;
}

const UNFINISHED = new Set(['failed', 'timed_out']);

/** Steps that did not deliver their review: failed, timed out, or not run because their input failed. */
export function incompleteSteps(state: RunState): string[] {
  return Object.values(state.steps)
    .filter(
      (st) => UNFINISHED.has(st.state) || (st.state === 'skipped' && st.errorCode === 'dependency_failed'),
    )
    .map((st) => st.id);
}

/** `step (reason)` for each incomplete step, for the gate summary the check run and comment show. */
function describeIncomplete(state: RunState, ids: string[]): string {
  return ids
    .map((id) => {
      const st = state.steps[id];
      const why = st.errorMessage ?? st.errorCode ?? st.state;
      return `${id} ${st.state === 'timed_out' ? 'timed out' : st.state === 'skipped' ? 'not run' : 'failed'} (${why.length > 160 ? `${why.slice(0, 157)}...` : why})`;
    })
    .join('; ');
}

/** Every step that calls a model was planned, and none of them delivered: only the rules reviewed the change. */
function everyModelStepFailed(state: RunState, incomplete: string[]): boolean {
  // A step skipped by its own false `if:` was never meant to review this change.
  const modelSteps = state.request.plan.steps.filter(
    (p) => p.providers.length > 0 && (state.steps[p.id]?.state !== 'skipped' || incomplete.includes(p.id)),
  );
  return modelSteps.length > 0 && modelSteps.every((p) => incomplete.includes(p.id));
}

/**
 * The check run's conclusion, decided on the findings that exist (ADR 0077): a failed step never
 * discards what the others found, and findings that fail the gate fail it however incomplete the
 * review. Without such findings it is neutral (never blocking) when the run ended early, when it
 * was degraded (deferred, vendors down, budget spent), or when every model step failed (the gate's
 * `whenModelsFail` may say `failure`); never `success` when only the rules looked. In a rollout
 * other than `gate` it is neutral and the summary says what the gate would have concluded.
 */
export function judgeGate(state: RunState, findings: Finding[]): GateVerdict {
  const gate = state.request.plan.gate;
  const failing = findings.filter((f) => failsGate(f, gate));
  const verdict = failing.length > 0 ? 'failure' : 'success';
  const because =
    failing.length > 0
      ? `${failing.length} finding(s) at or above ${gate.failOn}`
      : gate.failOn === 'never'
        ? 'the gate never fails'
        : `no finding at or above ${gate.failOn}`;
  const incomplete = incompleteSteps(state);
  const missing = incomplete.length > 0 ? `; incomplete: ${describeIncomplete(state, incomplete)}` : '';
  if (state.status === 'failed') {
    return {
      conclusion: 'neutral',
      summary: `neutral: the run ended early (${state.outcome?.code ?? 'failed'}); would be ${verdict}: ${because}${missing}`,
    };
  }
  if (state.request.rollout !== 'gate') {
    return {
      conclusion: 'neutral',
      summary: `neutral: rollout is ${state.request.rollout}; would be ${verdict}: ${because}${missing}`,
    };
  }
  if (failing.length > 0) return { conclusion: 'failure', summary: `failure: ${because}${missing}` };
  if (state.degraded.length > 0) {
    return {
      conclusion: 'neutral',
      summary: `neutral: the review was incomplete (${state.degraded.join(', ')}); would be ${verdict}: ${because}${missing}`,
    };
  }
  if (everyModelStepFailed(state, incomplete)) {
    const conclusion = gate.whenModelsFail === 'failure' ? 'failure' : 'neutral';
    return {
      conclusion,
      summary: `${conclusion}: every model step failed, only the deterministic rules reviewed the change (${because})${missing}`,
    };
  }
  return { conclusion: verdict, summary: `${verdict}: ${because}${missing}` };
}

/** Builds the report from the state as it is now (also the partial report of a failed run). */
/** The earlier phases' digest a model agent records in its result (`data.phaseDigest.text`). */
function digestOf(data: Record<string, unknown> | undefined): string | undefined {
  const digest = data?.phaseDigest as { text?: unknown } | undefined;
  return typeof digest?.text === 'string' ? digest.text : undefined;
}

export function buildReport(state: RunState, finishedAt: number): RunReport {
  const all: Finding[] = [];
  const notReviewed: NotReviewed[] = [];
  const proposedFiles: ProposedFile[] = [];
  const reviewedAgents = new Set<string>();
  // With a test runner in the plan, files are proposed only once the team's CI passed on them:
  // the runner's own step, succeeded after its CI wait, carries them (ADR 0083).
  const runners = state.request.plan.steps.filter((s) => s.agentType === 'test-runner').map((s) => s.id);
  const proven = runners.find(
    (id) =>
      state.steps[id]?.state === 'succeeded' &&
      (state.steps[id]?.result?.data as { ci?: unknown } | undefined)?.ci !== undefined,
  );
  for (const step of Object.values(state.steps)) {
    if (!step.result) continue;
    const unproven = runners.length > 0 && step.id !== proven;
    const model = step.result.models[0] ?? 'unknown';
    for (const f of step.result.findings) all.push({ ...f, model: f.model || model });
    for (const item of step.result.notReviewed) {
      // Every agent lists the same lockfiles, images and generated files: the report names each once.
      if (!notReviewed.some((seen) => seen.file === item.file && seen.reason === item.reason))
        notReviewed.push(item);
    }
    if (!unproven) proposedFiles.push(...step.result.proposedFiles);
    if (step.state === 'succeeded') {
      const planned = state.request.plan.steps.find((s) => s.id === step.id);
      if (planned) reviewedAgents.add(planned.agentType);
    }
  }
  const dismissedIds = state.prior.dismissedFingerprints;
  // A dismissal may name the short id shown under the finding: it covers every fingerprint it prefixes.
  const dismissed = { has: (fp: string) => dismissedIds.some((id) => dismissalCovers(id, fp)) };
  const findings = mergeFindings(all).filter((f) => !dismissed.has(f.fingerprint));
  const priorOpen = new Map(state.prior.openFindings.map((f) => [f.fingerprint, f]));
  const findingStates: RunReport['findingStates'] = {};
  for (const f of findings) findingStates[f.fingerprint] = priorOpen.has(f.fingerprint) ? 'open' : 'new';
  for (const [fp, f] of priorOpen) {
    // Fixed only when the agent that raised it reviewed again and did not raise it: a failed step says nothing.
    if (findingStates[fp] || dismissed.has(fp) || !reviewedAgents.has(f.agent)) continue;
    findingStates[fp] = 'fixed';
  }
  const steps: RunReport['steps'] = {};
  for (const step of Object.values(state.steps)) {
    steps[step.id] = {
      state: step.state,
      attempts: step.attempt,
      durationMs:
        step.firstDispatchedAt !== undefined ? (step.finishedAt ?? finishedAt) - step.firstDispatchedAt : 0,
      ...(step.result?.summary !== undefined ? { summary: step.result.summary } : {}),
      ...(digestOf(step.result?.data) !== undefined ? { phaseDigest: digestOf(step.result?.data) } : {}),
      ...(step.errorMessage !== undefined ? { errorMessage: step.errorMessage } : {}),
      ...(step.errorCode !== undefined ? { errorCode: step.errorCode } : {}),
    };
  }
  const gate = judgeGate(state, findings);
  return {
    runId: state.runId,
    workflow: state.request.plan.id,
    change: state.request.change,
    trigger: state.request.trigger,
    ...(state.request.attribution.team ? { team: state.request.attribution.team } : {}),
    ...(state.request.attribution.project ? { project: state.request.attribution.project } : {}),
    findings,
    findingStates,
    notReviewed,
    proposedFiles,
    steps,
    usage: state.usage,
    startedAt: state.startedAt,
    finishedAt,
    gateConclusion: gate.conclusion,
    gateSummary: gate.summary,
    gate: { ...state.request.plan.gate },
    rollout: state.request.rollout,
    outputs: { ...state.request.plan.outputs },
    ...(state.degraded.length > 0 ? { degraded: true } : {}),
    ...(incompleteSteps(state).length > 0 ? { incompleteSteps: incompleteSteps(state) } : {}),
    failingFindings: findings.filter((f) => failsGate(f, state.request.plan.gate)).length,
  };
}
