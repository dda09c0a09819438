/**
 * @agentflow/workflow: the workflow language. YAML workflows, agents and providers as config,
 * compiled to the `WorkflowPlan` IR; trigger matching; `if:` conditions; rollout and data-class
 * settings; hot reload. Reference: docs/workflows.md.
 */
export {
  compileWorkflow,
  DEFAULT_IGNORE,
  DEFAULT_RUN_TIMEOUT_MS,
  DEFAULT_STEP_TIMEOUT_MS,
  type CompileContext,
  type CompileResult,
} from './compile';
export {
  compileWorkflowFile,
  createCompileContext,
  listWorkflowFiles,
  loadProjectConfig,
  loadWorkflowDirectory,
  loadWorkflowsOrThrow,
  RESERVED_FILES,
  type ProjectConfig,
  type WorkflowProject,
} from './project';
export { loadProvidersConfig, parseProvidersConfig, ProviderCatalog, type ResolvedModel } from './providers';
export { isoToday, judgeModelLifecycle, RETIREMENT_WARNING_DAYS, type LifecycleFinding } from './lifecycle';
export { parseAgentsFile, type AgentDeclarations } from './agents';
export {
  classesReaching,
  DEFAULT_SETTINGS,
  parseRepositorySettings,
  parseSettings,
  resolveRepositoryPolicy,
  ROLLOUT_MODES,
  type OrganisationSettings,
  type RepositoryPolicy,
  type RepositorySettings,
} from './settings';
export type { ChangedFile, NormalizedEvent } from './event';
export {
  concurrencyKey,
  DEFAULT_PR_ACTIONS,
  dueSchedules,
  eventDataClass,
  isBotAuthor,
  matchWorkflows,
  type MatchOptions,
  type MatchResult,
} from './match';
export {
  ConditionEvaluationError,
  ConditionSyntaxError,
  CONDITION_STATUSES,
  conditionRefs,
  evaluateCondition,
  parseCondition,
  type Condition,
  type StepOutcome,
} from './conditions';
export { cronMatches, parseCron, type CronSchedule } from './cron';
export { parseDuration } from './duration';
export { matchesAny, pathMatcher } from './globs';
export {
  DEFAULT_NEVER_SENT,
  loadNeverSentPaths,
  NeverSentPaths,
  neverSentOfSettings,
  parsePolicyList,
} from './never-sent';
export {
  formatDiagnostic,
  hasErrors,
  sortDiagnostics,
  WorkflowConfigError,
  type Diagnostic,
} from './diagnostics';
export {
  WorkflowRegistry,
  type ReloadOutcome,
  type WorkflowRegistryOptions,
  type WorkflowSnapshot,
} from './registry';
export {
  loadRepositoryConfig,
  REPOSITORY_CONFIG_DIR,
  type BaseBranchReader,
  type RepositoryConfig,
} from './repository';
export { findProjectConfigDir, validatePaths, type ValidationReport } from './validate';
