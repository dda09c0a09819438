/**
 * Trigger matching behind a port, so the processor does not care where workflows come from. The
 * implementation delegates to `@agentflow/workflow` (`matchWorkflows` with the repository's policy).
 */
import type { RolloutMode, WorkflowPlan } from '@agentflow/contracts';
import { loadWorkflowsOrThrow, matchWorkflows, resolveRepositoryPolicy, type NormalizedEvent, type WorkflowProject } from '@agentflow/workflow';

export interface TriggerDecision {
  fired: WorkflowPlan[];
  skipped: Array<{ workflow: string; reason: string }>;
  /** Rollout in force for the repository. */
  rollout: RolloutMode;
  /** Data class of the change (strictest of the repository and its changed paths). */
  dataClass: string;
}

export interface TriggerMatcher {
  match(event: NormalizedEvent): Promise<TriggerDecision>;
  /** A workflow by id, for runs started by hand (CI API). */
  workflow(id: string): WorkflowPlan | undefined;
}

/** Matches against a loaded workflow directory (`workflows/`). */
export class WorkflowProjectMatcher implements TriggerMatcher {
  constructor(private readonly project: Pick<WorkflowProject, 'plans' | 'settings'>) {}

  static fromDirectory(dir: string): WorkflowProjectMatcher {
    return new WorkflowProjectMatcher(loadWorkflowsOrThrow(dir));
  }

  async match(event: NormalizedEvent): Promise<TriggerDecision> {
    const policy = resolveRepositoryPolicy(this.project.settings, event.repo);
    const result = matchWorkflows(event, this.project.plans, { policy });
    return { fired: result.fired, skipped: result.skipped, rollout: result.rollout ?? policy.rollout, dataClass: result.dataClass ?? policy.dataClass };
  }

  workflow(id: string): WorkflowPlan | undefined {
    return this.project.plans.find((p) => p.id === id);
  }
}
