/**
 * Trigger matching behind a port, so the processor does not care where workflows come from. The
 * implementation delegates to `@agentflow/workflow`: the organisation's config directory, layered
 * with the repository's own `.agentflow/` folder read at the change's base commit
 * (`loadRepositoryConfig`), then `matchWorkflows` with the merged policy.
 */
import {
  describeError,
  isRetryable,
  type Platform,
  type PlanComparison,
  type RolloutMode,
  type WorkflowPlan,
} from '@agentflow/contracts';
import {
  loadRepositoryConfig,
  loadWorkflowsOrThrow,
  matchWorkflows,
  resolveRepositoryPolicy,
  type BaseBranchReader,
  type Diagnostic,
  type NormalizedEvent,
  type RepositoryConfig,
  type WorkflowProject,
} from '@agentflow/workflow';
import type { IngressLog } from '../log';
import type { RepoAddress, RepositoryFiles } from '../platform/platform-client';

export interface TriggerDecision {
  fired: WorkflowPlan[];
  skipped: Array<{ workflow: string; reason: string }>;
  /** Rollout in force for the repository. */
  rollout: RolloutMode;
  /** Data class of the change (strictest of the repository and its changed paths). */
  dataClass: string;
  /** Problems in the repository's own `.agentflow/` files (at the base commit); those files were left out. */
  configProblems: Diagnostic[];
  /** The team that pays for the runs, from the settings (`team:`, the `teams:` mapping); absent when none names one. */
  team?: string;
  /** The project the runs are charged to: the settings' `project:`, else the repository. @default the repository */
  project?: string;
  /**
   * Skipped workflows that only the unknown coverage held back: with a coverage that meets their
   * `test_coverage` condition they would fire. The ingress waits for CI's coverage upload for them.
   */
  awaitingCoverage: WorkflowPlan[];
}

/** A coverage (percent) that meets the comparison, to ask whether coverage is all that holds a workflow back. */
function meeting(c: PlanComparison): number {
  const v = Math.min(100, Math.max(0, c.value));
  switch (c.op) {
    case '<':
      return Math.max(0, v - 0.5);
    case '>':
      return Math.min(100, v + 0.5);
    case '!=':
      return v >= 50 ? v - 1 : v + 1;
    default:
      return v;
  }
}

/** The repository and the base commit whose `.agentflow/` folder applies to a change. */
export interface RepositoryAtBase extends RepoAddress {
  platform: Platform;
  /** The change's base commit; without one only the organisation's configuration applies. */
  baseSha?: string;
}

export interface TriggerMatcher {
  /** Matches `event`; with `at`, the repository's `.agentflow/` at that base commit is layered in. */
  match(event: NormalizedEvent, at?: RepositoryAtBase): Promise<TriggerDecision>;
  /** A workflow by id, for runs started by hand (CI API); with `at`, the repository's own workflows count too. */
  workflow(id: string, at?: RepositoryAtBase): Promise<WorkflowPlan | undefined>;
}

export interface RepositoryLayerOptions {
  /** Platform API access to read `.agentflow/` at a commit, by platform; a missing one: the organisation's configuration only. */
  files: Partial<Record<Platform, RepositoryFiles>>;
  log: IngressLog;
  /** Repository configurations kept (one per repository and base commit). @default 512 */
  cacheEntries?: number;
}

type Project = Pick<WorkflowProject, 'plans' | 'settings' | 'providers' | 'catalog' | 'agents'>;

/** Matches against a loaded workflow directory (`workflows/`), layered with each repository's `.agentflow/`. */
export class WorkflowProjectMatcher implements TriggerMatcher {
  /**
   * By `platform:repo@baseSha`. A commit never changes, so an entry never goes stale; the map
   * is kept in least-recently-used order and trimmed to `cacheEntries`.
   */
  private readonly cache = new Map<string, Promise<RepositoryConfig>>();

  constructor(
    private readonly project: Project,
    private readonly layer?: RepositoryLayerOptions,
  ) {}

  static fromDirectory(dir: string, layer?: RepositoryLayerOptions): WorkflowProjectMatcher {
    return new WorkflowProjectMatcher(loadWorkflowsOrThrow(dir), layer);
  }

  async match(event: NormalizedEvent, at?: RepositoryAtBase): Promise<TriggerDecision> {
    const repository = await this.repository(at);
    const policy = repository?.policy ?? resolveRepositoryPolicy(this.project.settings, event.repo);
    const plans = repository?.plans ?? this.project.plans;
    const result = matchWorkflows(event, plans, { policy });
    const awaitingCoverage: WorkflowPlan[] = [];
    if (event.coverage === undefined) {
      for (const skip of result.skipped) {
        const plan = plans.find((p) => p.id === skip.workflow);
        const gate = plan?.trigger?.conditions.testCoverage;
        if (!plan || !gate || gate.whenUnknown !== 'skip') continue;
        if (matchWorkflows({ ...event, coverage: meeting(gate) }, [plan], { policy }).fired.length)
          awaitingCoverage.push(plan);
      }
    }
    return {
      fired: result.fired,
      skipped: result.skipped,
      rollout: result.rollout ?? policy.rollout,
      dataClass: result.dataClass ?? policy.dataClass,
      configProblems: repository?.diagnostics ?? [],
      team: policy.team,
      project: policy.project,
      awaitingCoverage,
    };
  }

  async workflow(id: string, at?: RepositoryAtBase): Promise<WorkflowPlan | undefined> {
    const repository = await this.repository(at);
    return (repository?.plans ?? this.project.plans).find((p) => p.id === id);
  }

  /**
   * The repository's layer at its base commit, or `undefined` when it cannot be read: a platform
   * failure that a retry may cure is thrown (the delivery is redelivered); one it cannot (no access
   * to contents) is logged and the organisation's configuration applies alone.
   */
  private async repository(at: RepositoryAtBase | undefined): Promise<RepositoryConfig | undefined> {
    const files = at && this.layer?.files[at.platform];
    if (!at?.baseSha || !files || !this.layer) return undefined;
    const key = `${at.platform}:${at.repo}@${at.baseSha}`;
    let pending = this.cache.get(key);
    if (pending) {
      this.cache.delete(key);
      this.cache.set(key, pending);
    } else {
      pending = loadRepositoryConfig(baseReader(files, at, at.baseSha), this.project, at.repo);
      this.cache.set(key, pending);
      while (this.cache.size > (this.layer.cacheEntries ?? 512))
        this.cache.delete(this.cache.keys().next().value as string);
    }
    try {
      return await pending;
    } catch (error) {
      this.cache.delete(key);
      if (isRetryable(error)) throw error;
      this.layer.log.warn(
        `.agentflow/ of ${at.repo} at ${at.baseSha.slice(0, 12)} could not be read (${describeError(error)}); matching with the organisation's configuration only`,
      );
      return undefined;
    }
  }
}

/** A reader bound to one commit: `loadRepositoryConfig` cannot reach the pull request's head through it. */
function baseReader(files: RepositoryFiles, address: RepoAddress, sha: string): BaseBranchReader {
  return {
    readFile: (path) => files.fileAt(address, path, sha),
    listFiles: (dir) => files.filesIn(address, dir, sha),
  };
}
