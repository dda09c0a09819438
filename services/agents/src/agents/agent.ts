/**
 * What an agent type is: a folder under `agents/` exporting one {@link AgentDefinition},
 * registered in `agents/registry.ts`. The runtime gives each task an {@link AgentEnv} and
 * publishes the {@link AgentOutcome} as the contracts' `AgentResult`.
 */
import type {
  AgentTask,
  AgentTypeId,
  AwaitCi,
  Finding,
  NotReviewed,
  PlanStep,
  ProposedFile,
} from '@agentflow/contracts';
import type { FileDiff } from '@agentflow/mobile';
import type { NeverSentPaths } from '@agentflow/workflow';
import type { MobileAnalyzer } from '../analysis/mobile-analyzer';
import type { ProjectFacts } from '../analysis/project-facts';
import type { TokenCounter } from '../context/tokens';
import type { ModelGateway } from '../gateway/model-gateway';
import type { CiArtifactStore } from '../artifacts/report-files';
import type { PushFilesPort, PushQuota } from '../push/push-files';
import type { RepoContext } from '../repo/repo-context';
import type { UsageMeter } from '../runtime/usage-meter';

export interface AgentEnv {
  task: AgentTask;
  /** `task.step` read as the plan step (defaults filled in). */
  step: PlanStep;
  repo: RepoContext;
  /** The whole change, base..head. */
  diff: FileDiff[];
  /** What this review looks at: the whole change, or for an incremental review only what changed since `task.sinceSha`. */
  reviewDiff: FileDiff[];
  /** Set for an incremental review. */
  sinceSha?: string;
  facts: () => Promise<ProjectFacts>;
  analyzer: MobileAnalyzer;
  gateway: ModelGateway;
  /** Paths no prompt may carry (the gateway's own list): left out, and named as not sent by policy. */
  neverSent: NeverSentPaths;
  tokens: TokenCounter;
  push: PushFilesPort;
  pushQuota: PushQuota;
  /** Reads `task.ciArtifacts` from the object store; absent where no bus holds them (tests, local tools). */
  ciArtifacts?: CiArtifactStore;
  usage: UsageMeter;
  /** Aborted when the run is cancelled. */
  signal: AbortSignal;
  now: () => number;
}

export interface AgentOutcome {
  findings: Finding[];
  notReviewed: NotReviewed[];
  proposedFiles?: ProposedFile[];
  summary?: string;
  data?: Record<string, unknown>;
  /** The step is done only once CI reported on this commit (the test runner). */
  awaitCi?: AwaitCi;
}

export interface AgentDefinition {
  readonly id: AgentTypeId;
  /** One line for logs and docs. */
  readonly description: string;
  run(env: AgentEnv): Promise<AgentOutcome>;
}
