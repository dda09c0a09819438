/**
 * `if:` conditions. The grammar belongs to the workflow library (`evaluateCondition` in
 * @agentflow/workflow, the default); the actor depends only on this port so a test can count or
 * script evaluations.
 */
import type { StepOutcomeSummary } from '@agentflow/contracts';

/**
 * Evaluates a step's `if:` against what earlier steps did, keyed by step id (a phase name stands
 * for its steps `<phase>.*`). Throws when the expression cannot be read or names no finished step.
 */
export type ConditionEvaluator = (
  expr: string,
  outcomes: Readonly<Record<string, StepOutcomeSummary>>,
) => boolean;
