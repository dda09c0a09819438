/**
 * How `agentflow review` treats the vendors. With a key (or PROVIDERS_FILE) the workflow runs as
 * deployed. Without one it is offline and runs the deterministic analysers only: made-up findings
 * must never fail a CI gate. `--simulate` opts into the offline fake vendor to see what the model
 * steps would do; its findings are shown, labelled, but no longer count for the gate.
 */
import type { FindingSource, WorkflowPlan } from '@agentflow/contracts';

export type ReviewMode = 'vendors' | 'rules-only' | 'simulated';

const DETERMINISTIC_SOURCES: FindingSource[] = ['analyzer', 'sarif', 'coverage'];

export function reviewMode(offline: boolean, simulate: boolean): ReviewMode {
  if (!offline) return 'vendors';
  return simulate ? 'simulated' : 'rules-only';
}

/** The plan as this mode runs it. */
export function planForMode(plan: WorkflowPlan, mode: ReviewMode): WorkflowPlan {
  if (mode === 'vendors') return plan;
  if (mode === 'rules-only') {
    return {
      ...plan,
      steps: plan.steps.map((s) =>
        s.providers.length ? { ...s, options: { ...s.options, rulesOnly: true } } : s,
      ),
    };
  }
  // An empty list means every source; what is left once the model's are taken out may be nothing.
  const sources = (plan.gate.sources.length ? plan.gate.sources : DETERMINISTIC_SOURCES).filter(
    (s) => s !== 'model',
  );
  const gate: WorkflowPlan['gate'] = sources.length
    ? { ...plan.gate, sources }
    : { ...plan.gate, failOn: 'never' };
  // Simulated findings are for looking at: never gated, never inline comments.
  return { ...plan, gate, outputs: { ...plan.outputs, inlineComments: false } };
}

/** The line printed before the review starts. */
export function modeBanner(mode: ReviewMode): string | undefined {
  if (mode === 'rules-only') {
    return 'agentflow review: OFFLINE (no ANTHROPIC_API_KEY or OPENAI_API_KEY): the deterministic analysers only, no model is asked; pass --simulate to try the model steps against the offline fake vendor.';
  }
  if (mode === 'simulated') {
    return 'agentflow review: OFFLINE, --simulate: the model steps are answered by the offline fake vendor; its findings are marked [simulated] and are not gated.';
  }
  return undefined;
}
