/**
 * The agent-type catalogue: the one place workflows, the coordinator and the agents agree on names.
 * Workflow files may name an agent by its id, by any alias (the seed's `code-review-agent`,
 * `CodeReviewAgent`), and may only ask it for the tasks listed here.
 */
export interface AgentTypeSpec {
  /** Stable id, used in subjects (`af.tasks.<id>`) and in `AGENT_TYPES`. */
  id: AgentTypeId;
  /** Other names accepted in workflow files, matched case-insensitively. */
  aliases: string[];
  /** The `tasks:` vocabulary this agent accepts. */
  tasks: string[];
  /** Tasks run when a workflow names the agent without `tasks:`. */
  defaultTasks: string[];
  /** One line for `--help` output and docs. */
  description: string;
  /** Whether the agent calls a model through the gateway (false: deterministic, or it drives CI). */
  usesModel: boolean;
}

export const AGENT_TYPE_IDS = [
  'code-review',
  'security',
  'test-coverage',
  'test-generation',
  'test-review',
  'test-runner',
  'documentation',
  'architecture-review',
  'migration-planning',
  'impact-analysis',
  'lint',
] as const;

export type AgentTypeId = (typeof AGENT_TYPE_IDS)[number];

export const AGENT_TYPES: readonly AgentTypeSpec[] = [
  {
    id: 'code-review',
    aliases: ['code-review-agent', 'CodeReviewAgent', 'code-reviewer'],
    tasks: [
      'analyze_code_quality',
      'check_security_issues',
      'suggest_improvements',
      'verify_best_practices',
      'find_bugs',
      'check_performance',
    ],
    defaultTasks: ['analyze_code_quality', 'find_bugs', 'suggest_improvements', 'verify_best_practices'],
    description:
      'Reviews changed Swift, Objective-C, Kotlin and Java code for bugs, quality and platform best practice.',
    usesModel: true,
  },
  {
    id: 'security',
    aliases: ['security-agent', 'SecurityAgent', 'security-scan', 'SecurityScanAgent'],
    tasks: [
      'check_security_issues',
      'scan_secrets',
      'check_privacy',
      'check_permissions',
      'check_network_security',
    ],
    defaultTasks: ['check_security_issues', 'scan_secrets', 'check_privacy', 'check_permissions'],
    description:
      'Finds security and privacy problems: secrets, insecure storage and transport, permissions, manifests.',
    usesModel: true,
  },
  {
    id: 'test-coverage',
    aliases: [
      'test-coverage-agent',
      'TestCoverageAgent',
      'code-analysis-agent',
      'CodeAnalysisAgent',
      'coverage-agent',
    ],
    tasks: ['identify_untested_code', 'analyze_coverage', 'suggest_test_cases', 'generate_missing_tests'],
    defaultTasks: ['identify_untested_code', 'analyze_coverage', 'suggest_test_cases'],
    description:
      'Finds changed code that no test exercises, from the diff, the project structure and coverage reports.',
    usesModel: true,
  },
  {
    id: 'test-generation',
    aliases: ['test-generation-agent', 'TestGenerationAgent', 'test-generator'],
    tasks: ['generate_missing_tests', 'suggest_test_cases', 'generate_unit_tests', 'generate_ui_tests'],
    defaultTasks: ['generate_missing_tests'],
    description:
      'Writes unit tests (XCTest or Swift Testing; JUnit 5 + MockK; JUnit) where the project keeps them.',
    usesModel: true,
  },
  {
    id: 'test-review',
    aliases: ['test-review-agent', 'TestReviewAgent'],
    tasks: ['review_generated_tests', 'review_tests'],
    defaultTasks: ['review_generated_tests'],
    description: 'Reviews tests (generated or written) and what the CI run of them showed.',
    usesModel: true,
  },
  {
    id: 'test-runner',
    aliases: ['test-runner-agent', 'TestRunner', 'TestRunnerAgent'],
    tasks: ['run_tests'],
    defaultTasks: ['run_tests'],
    description: "Pushes proposed tests to a branch and waits for the team's own CI result on that commit.",
    usesModel: false,
  },
  {
    id: 'documentation',
    aliases: ['documentation-agent', 'DocumentationAgent', 'docs-agent', 'doc-agent'],
    tasks: ['generate_docs', 'check_doc_coverage', 'write_migration_guide', 'update_changelog'],
    defaultTasks: ['check_doc_coverage', 'generate_docs'],
    description: 'Checks and writes DocC and KDoc for changed public API; writes migration guides.',
    usesModel: true,
  },
  {
    id: 'architecture-review',
    aliases: [
      'architecture-agent',
      'ArchitectureReviewAgent',
      'architecture-review-agent',
      'architecture-analysis-agent',
      'ArchitectureAnalysisAgent',
    ],
    tasks: [
      'analyze_architecture',
      'check_module_boundaries',
      'check_dependency_injection',
      'check_design_patterns',
    ],
    defaultTasks: ['analyze_architecture', 'check_module_boundaries', 'check_dependency_injection'],
    description:
      'Reviews architecture (MVVM, VIPER, Clean Architecture), module boundaries and dependency injection.',
    usesModel: true,
  },
  {
    id: 'migration-planning',
    aliases: ['migration-planning-agent', 'MigrationPlanningAgent', 'migration-agent'],
    tasks: ['plan_migration', 'write_adr'],
    defaultTasks: ['plan_migration', 'write_adr'],
    description: 'Plans an architecture migration and writes it as an ADR and a migration plan.',
    usesModel: true,
  },
  {
    id: 'impact-analysis',
    aliases: ['impact-analysis-agent', 'ImpactAnalysisAgent'],
    tasks: ['analyze_impact'],
    defaultTasks: ['analyze_impact'],
    description: 'Analyses what a change or a planned migration touches: modules, callers, risk.',
    usesModel: true,
  },
  {
    id: 'lint',
    aliases: ['lint-agent', 'LintAgent', 'linter'],
    tasks: ['run_lint', 'import_sarif'],
    defaultTasks: ['import_sarif', 'run_lint'],
    description:
      'Turns SwiftLint, detekt and Android Lint SARIF and the mobile rules into findings. No model.',
    usesModel: false,
  },
];

const byName = new Map<string, AgentTypeSpec>();
for (const spec of AGENT_TYPES) {
  byName.set(spec.id.toLowerCase(), spec);
  for (const alias of spec.aliases) byName.set(alias.toLowerCase(), spec);
}

/** Resolves an id or alias (case-insensitive) to its agent type, or `undefined`. */
export function resolveAgentType(name: string): AgentTypeSpec | undefined {
  return byName.get(name.trim().toLowerCase());
}

/** Every name a workflow may use for an agent type, for "did you mean" suggestions. */
export function knownAgentNames(): string[] {
  return [...byName.keys()];
}

export function isAgentTypeId(value: string): value is AgentTypeId {
  return (AGENT_TYPE_IDS as readonly string[]).includes(value);
}
