/**
 * The workflow IR: every YAML form compiles to this validated DAG of steps. It travels inside
 * `RunRequested`, so a run keeps the plan it started with when the files change.
 */
import type { AgentTypeId } from './agent-types';

export type RolloutMode = 'off' | 'shadow' | 'comment' | 'gate';

export interface PlanProvider {
  /** Provider name from the providers config. */
  provider: string;
  /** Model id after retired-model mapping. */
  model: string;
}

export interface PlanStep {
  /** Unique within the plan: the agent's name, or `<phase>.<agent>` when phases are used. */
  id: string;
  /** Phase name; flat workflows have one phase, `main`. */
  phase: string;
  agentType: AgentTypeId;
  /** The name the workflow used (an alias or a declared agent name). */
  agentName: string;
  tasks: string[];
  /** Step ids that must finish before this one starts. */
  dependsOn: string[];
  /** The provider chain the gateway walks, fallbacks included. Empty for agents that use no model. */
  providers: PlanProvider[];
  model: {
    maxTokens?: number;
    temperature?: number;
    focus?: string;
    complexity?: 'simple' | 'medium' | 'complex';
  };
  /** @default 300000 (5 minutes) */
  timeoutMs: number;
  /** Coordinator retries for a crash, timeout or unparseable output. @default 1 */
  retries: number;
  /** A condition evaluated once when the step becomes ready, e.g. `analysis.succeeded`, `review.findings.blocker > 0`. */
  if?: string;
  /** Send through the vendor's Batch API. */
  batch: boolean;
  /** Free-form agent settings from the workflow (`create_files`, `push`, path instructions, ...). */
  options: Record<string, unknown>;
}

/** Which findings fail the check run. */
export interface GateRule {
  /** Findings at or above this severity fail the gate. @default 'blocker' */
  failOn: 'blocker' | 'major' | 'minor' | 'info' | 'never';
  /** Only findings from these sources may fail it. @default all sources */
  sources: Array<'analyzer' | 'model' | 'sarif' | 'coverage'>;
  /** Minimum confidence of a model finding to count. @default 0.7 */
  minConfidence: number;
  /**
   * The conclusion when every model step failed and no finding fails the gate: nothing reviewed
   * the change but the rules, so it is never `success`. `failure` for teams that would rather
   * block (workflow `gate.when_models_fail: fail`). @default 'neutral'
   */
  whenModelsFail?: 'neutral' | 'failure';
}

export interface PlanOutputs {
  githubComment: boolean;
  inlineComments: boolean;
  checkRun: boolean;
  slack: boolean;
  slackChannel?: string;
  database: boolean;
  createFiles: boolean;
  /** How generated files land: a branch with a PR, or a commit on the PR branch. */
  filesMode: 'branch-pr' | 'commit-to-pr' | 'branch';
  format: 'markdown' | 'text';
  /** Inline comments per push, major and worse. @default 8 */
  maxInlineComments: number;
}

export interface RunLevelAction {
  /** Provider whose exhaustion triggers the action, or `*` for any. */
  ifProviderFails: string;
  /** Slack channel or webhook name to notify. */
  notify?: string;
  /** `false`: stop the run. */
  continue: boolean;
}

/** A comparison from a trigger condition: `"> 100"` -> `{ op: '>', value: 100 }`, `"< 80%"` -> `{ op: '<', value: 80 }`. */
export interface PlanComparison {
  op: '>' | '>=' | '<' | '<=' | '==' | '!=';
  value: number;
}

/** Trigger conditions, all ANDed. Absent fields do not constrain. */
export interface PlanTriggerConditions {
  /** At least one changed file (not ignored) matches one glob; a glob without `/` matches the file name at any depth. */
  filesChanged?: string[];
  /** Additions + deletions over the changed files that are not ignored. */
  linesChanged?: PlanComparison;
  /** Line coverage in percent. When the event carries no coverage the workflow is skipped with that reason, unless `whenUnknown` is `run`. */
  testCoverage?: PlanComparison & { whenUnknown: 'skip' | 'run' };
  /** The PR carries at least one of these labels. */
  labels?: string[];
  /** The PR carries none of these labels. */
  labelsIgnore?: string[];
  /** Base branch (PR target, or pushed branch) matches one glob. */
  branches?: string[];
  branchesIgnore?: string[];
  /** Only these authors (globs). */
  authors?: string[];
  authorsIgnore?: string[];
  /** Draft PRs. @default 'skip' */
  draft: 'skip' | 'include' | 'only';
  /** Authors that are bots (`renovate[bot]`, `dependabot[bot]`, ...). @default 'skip' */
  bots: 'skip' | 'include';
}

/** What starts a workflow; read by `matchWorkflows` in `@agentflow/workflow`. */
export interface PlanTrigger {
  /**
   * `pull_request` (actions opened, synchronize, reopened, ready_for_review), `pull_request.<action>`,
   * `push`, `manual`, `issue_comment`, `schedule`.
   */
  events: string[];
  /** Comment commands for `issue_comment`, such as `/agentflow review`. */
  commands: string[];
  /** Cron expressions (UTC, five fields) for `schedule`. */
  schedules: string[];
  conditions: PlanTriggerConditions;
}

export interface WorkflowPlan {
  /** Workflow id: the file name without extension, or `id:` in the file. */
  id: string;
  /** `name:` from the file. */
  name: string;
  /** File the plan was compiled from, and sha256 of its text. */
  source: { file: string; sha256: string };
  steps: PlanStep[];
  runActions: RunLevelAction[];
  outputs: PlanOutputs;
  gate: GateRule;
  concurrency?: { group: string; cancelInProgress: boolean };
  /** Whole-run deadline. @default 900000 (15 minutes) */
  timeoutMs: number;
  /**
   * `true`: the first step that fails (without `continue_on_error`) ends the run and cancels the
   * steps still running. By default the other steps run to the end and the report says which
   * failed. @default false
   */
  failFast?: boolean;
  /** Paths no agent receives (lockfiles, generated code). */
  ignore: string[];
  /** Per-glob review instructions. */
  pathInstructions: Array<{ path: string; instructions: string }>;
  /** Conventions file read from the base branch (`AGENTS.md`), if any. */
  conventionsFile?: string;
  /** What starts the workflow. A plan without one fires only for a `manual` event naming it. */
  trigger?: PlanTrigger;
  /**
   * Data classes this workflow may receive; every provider in every step's chain accepts all of
   * them. A repository or changed path of another class does not run it. @default every class
   */
  dataClasses?: string[];
}
