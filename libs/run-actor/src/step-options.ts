/**
 * The workflow-level review settings a task carries to its agent. The plan holds `ignore`,
 * `pathInstructions` and `conventionsFile` once for the whole workflow; the agents read them from
 * `task.step.options`, so every task gets them there under those names. A step's own values add
 * to the workflow's (ignore globs, path instructions) or replace it (conventions file). Workflow
 * files write options in snake_case, so a step's `path_instructions` / `conventions_file` count too.
 */
import type { PlanStep, WorkflowPlan } from '@agentflow/contracts';

function list<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

export function taskStepOptions(
  plan: Pick<WorkflowPlan, 'ignore' | 'pathInstructions' | 'conventionsFile'>,
  step: PlanStep,
): Record<string, unknown> {
  const {
    path_instructions: snakeInstructions,
    conventions_file: snakeConventions,
    ...own
  } = step.options ?? {};
  const options: Record<string, unknown> = {
    ...own,
    ignore: [...new Set([...(plan.ignore ?? []), ...list<string>(own.ignore)])],
    pathInstructions: [
      ...(plan.pathInstructions ?? []),
      ...list<{ path: string; instructions: string }>(own.pathInstructions ?? snakeInstructions),
    ],
  };
  const conventionsFile = own.conventionsFile ?? snakeConventions ?? plan.conventionsFile;
  if (typeof conventionsFile === 'string' && conventionsFile) options.conventionsFile = conventionsFile;
  else delete options.conventionsFile;
  return options;
}
