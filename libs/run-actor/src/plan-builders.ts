/**
 * Builders for plans and run requests in tests and benches: a valid plan with the defaults the
 * workflow library would fill in, so a test states only what it is about.
 */
import type { AgentTypeId, ChangeRef, PlanStep, RunRequested, WorkflowPlan } from '@agentflow/contracts';

export type StepSpec = Partial<PlanStep> & { id: string };

export function buildStep(spec: StepSpec): PlanStep {
  return {
    phase: 'main',
    agentType: 'code-review' as AgentTypeId,
    agentName: spec.id,
    tasks: ['find_bugs'],
    dependsOn: [],
    providers: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }],
    model: {},
    timeoutMs: 60_000,
    retries: 1,
    batch: false,
    options: {},
    ...spec,
  };
}

export function buildPlan(steps: StepSpec[], overrides: Partial<WorkflowPlan> = {}): WorkflowPlan {
  return {
    id: 'pr-review',
    name: 'PR review',
    source: { file: 'workflows/pr-review.yml', sha256: '0'.repeat(64) },
    steps: steps.map(buildStep),
    runActions: [],
    outputs: {
      githubComment: true,
      inlineComments: true,
      checkRun: true,
      slack: false,
      database: true,
      createFiles: false,
      filesMode: 'branch-pr',
      format: 'markdown',
      maxInlineComments: 8,
    },
    gate: { failOn: 'blocker', sources: [], minConfidence: 0.7 },
    timeoutMs: 900_000,
    ignore: [],
    pathInstructions: [],
    ...overrides,
  };
}

export function buildChange(overrides: Partial<ChangeRef> = {}): ChangeRef {
  return {
    platform: 'github',
    repo: 'acme/ios-app',
    pr: 42,
    headSha: 'b'.repeat(40),
    baseSha: 'a'.repeat(40),
    ...overrides,
  };
}

export function buildRunRequest(
  runId: string,
  plan: WorkflowPlan,
  overrides: Partial<RunRequested> = {},
): RunRequested {
  return {
    runId,
    change: buildChange(),
    plan,
    trigger: 'pull_request.opened',
    attribution: { team: 'mobile', project: 'ios-app', repo: 'acme/ios-app' },
    rollout: 'gate',
    dataClass: 'internal',
    ...overrides,
  } as RunRequested;
}
