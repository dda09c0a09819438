/**
 * Runs one task: reads the change, gives the agent its environment, and turns whatever happens
 * into an `AgentResult`. Error codes follow the coordinator's contract: `unparseable_output`,
 * `agent_crashed`, `timeout` and `gateway_unavailable` are retried by the coordinator (the last after
 * a backoff); `cancelled` (only for a real cancel of the run), the gateway's codes
 * (`all_providers_failed`, `policy_denied`, ...) and `repo_unavailable` are not; a `deferred`
 * gateway answer becomes a `deferred` result with `retryAt`.
 */
import {
  AgentflowError,
  describeError,
  type AgentResult,
  type AgentTask,
  type PlanStep,
} from '@agentflow/contracts';
import { RequestFailedError } from '@agentflow/bus';
import { RepoReadError, type RepoReaderFactory } from '@agentflow/repo';
import type { AgentOutcome } from '../agents/agent';
import type { CiArtifactStore } from '../artifacts/report-files';
import { PartialReviewError } from '../agents/partial-review';
import { NeverSentPaths } from '@agentflow/workflow';
import { agentFor } from '../agents/registry';
import type { MobileAnalyzer } from '../analysis/mobile-analyzer';
import { readProjectFacts, type ProjectFacts } from '../analysis/project-facts';
import type { TokenCounter } from '../context/tokens';
import type { JobStepRunner } from '../jobs/job-step';
import {
  GatewayDeferredError,
  GatewayFailedError,
  GatewayUnavailableError,
  TaskCancelledError,
  TaskDeadlineError,
  type ModelGateway,
} from '../gateway/model-gateway';
import { UnparseableOutputError } from '../output/parse-output';
import type { PushFilesPort, PushQuota } from '../push/push-files';
import { RepoContext } from '../repo/repo-context';
import { UsageMeter } from './usage-meter';

export interface TaskRunnerDeps {
  readers: RepoReaderFactory;
  gateway: ModelGateway;
  analyzer: MobileAnalyzer;
  tokens: TokenCounter;
  push: PushFilesPort;
  pushQuota: PushQuota;
  /** The never-sent list the gateway enforces (`loadNeverSentPaths`). @default the built-in defaults */
  neverSent?: NeverSentPaths;
  /** Where CI reports uploaded through the CI API are read by reference (`task.ciArtifacts`). */
  ciArtifacts?: CiArtifactStore;
  /** Runs steps whose provider chain starts with a job-style vendor (Cursor, http-job). */
  jobs?: JobStepRunner;
  /** The gateway of a `batch: true` step, gathering its calls into a vendor batch; without it such steps call live. */
  batchGateway?: (task: AgentTask, live: ModelGateway, onWaiting?: () => void) => ModelGateway;
  now?: () => number;
}

/** Workflow files write `max_pushes_per_day`; the agents read `maxPushesPerDay`. Both are accepted. */
function camelKeys(options: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options))
    out[key.replace(/[_-]([a-z])/g, (_, c: string) => c.toUpperCase())] = value;
  return out;
}

/** `task.step` with the plan's defaults filled in. */
export function readStep(task: AgentTask): PlanStep {
  const s = (task.step ?? {}) as Partial<PlanStep>;
  return {
    id: s.id ?? task.stepId,
    phase: s.phase ?? 'main',
    agentType: (s.agentType ?? task.agentType) as PlanStep['agentType'],
    agentName: s.agentName ?? task.agentType,
    tasks: s.tasks ?? task.tasks,
    dependsOn: s.dependsOn ?? [],
    providers: s.providers ?? [],
    model: s.model ?? {},
    timeoutMs: s.timeoutMs ?? 300_000,
    retries: s.retries ?? 1,
    if: s.if,
    batch: s.batch ?? false,
    options: camelKeys(s.options ?? {}),
  };
}

export interface TaskHooks {
  /** Called when the task starts waiting on a vendor job (minutes to hours): its worker slot can go to another task. */
  onWaiting?: () => void;
}

export class TaskRunner {
  private readonly now: () => number;
  private readonly neverSent: NeverSentPaths;

  constructor(private readonly deps: TaskRunnerDeps) {
    this.now = deps.now ?? Date.now;
    this.neverSent = deps.neverSent ?? new NeverSentPaths();
  }

  async run(task: AgentTask, signal: AbortSignal, hooks: TaskHooks = {}): Promise<AgentResult> {
    const usage = new UsageMeter();
    const base = { runId: task.runId, stepId: task.stepId, attempt: task.attempt, agentType: task.agentType };
    const failed = (errorCode: string, error: unknown, extra: Partial<AgentResult> = {}): AgentResult => ({
      ...base,
      status: 'failed',
      findings: [],
      notReviewed: [],
      usage: usage.snapshot(),
      errorCode,
      errorMessage: error instanceof Error ? error.message : describeError(error),
      ...extra,
    });
    const agent = agentFor(task.agentType);
    if (!agent)
      return failed(
        'unknown_agent_type',
        new Error(`no agent serves type "${task.agentType}" in this build`),
      );

    // The task's deadline aborts in-flight calls like a cancel does.
    const deadline = AbortSignal.timeout(Math.max(1, task.deadline - this.now()));
    const combined = AbortSignal.any([signal, deadline]);
    try {
      const step = readStep(task);
      const jobProvider = this.deps.jobs?.providerFor(step);
      // A rules-only step launches no vendor job: its agent runs the deterministic rules alone.
      if (jobProvider && step.options.rulesOnly !== true)
        return await this.deps.jobs!.run(task, step, jobProvider, combined, hooks.onWaiting);
      const reader = await this.deps.readers.forTask(task);
      const head = task.change.headSha;
      const baseSha = task.change.baseSha ?? `${head}^`;
      const repo = new RepoContext(reader, head, baseSha);
      const diff = await reader.diff(baseSha, head);
      let reviewDiff = diff;
      if (task.sinceSha && task.sinceSha !== head) {
        const inPr = new Set(diff.map((f) => f.path));
        reviewDiff = (await reader.diff(task.sinceSha, head)).filter((f) => inPr.has(f.path));
      }
      let facts: Promise<ProjectFacts> | undefined;
      const outcome: AgentOutcome = await agent.run({
        task,
        step,
        repo,
        diff,
        reviewDiff,
        sinceSha: task.sinceSha && task.sinceSha !== head ? task.sinceSha : undefined,
        facts: () => (facts ??= readProjectFacts(repo)),
        analyzer: this.deps.analyzer,
        gateway:
          step.batch && this.deps.batchGateway
            ? this.deps.batchGateway(task, this.deps.gateway, hooks.onWaiting)
            : this.deps.gateway,
        neverSent: this.neverSent,
        tokens: this.deps.tokens,
        push: this.deps.push,
        pushQuota: this.deps.pushQuota,
        ciArtifacts: this.deps.ciArtifacts,
        usage,
        signal: combined,
        now: this.now,
      });
      return {
        ...base,
        status: 'succeeded',
        findings: outcome.findings,
        notReviewed: outcome.notReviewed,
        proposedFiles: outcome.proposedFiles,
        summary: outcome.summary,
        usage: usage.snapshot(),
        data: { ...outcome.data, modelCalls: usage.calls },
        awaitCi: outcome.awaitCi,
      };
    } catch (error) {
      // The deadline aborts through the same signal as a cancel, so the error alone cannot tell them
      // apart: a cancel is what the run's own signal says, a deadline what the timer says.
      if (signal.aborted) return failed('cancelled', error);
      if (deadline.aborted || error instanceof TaskDeadlineError) {
        return failed(
          'timeout',
          new Error(
            `the task passed its deadline (${new Date(task.deadline).toISOString()}); the coordinator retries it`,
            { cause: error },
          ),
        );
      }
      if (error instanceof TaskCancelledError) return failed('cancelled', error);
      if (error instanceof GatewayUnavailableError) return failed(error.code, error);
      if (error instanceof PartialReviewError) {
        // The step failed, but what it found stands: the coordinator keeps these findings in the report.
        const p = error.partial;
        return failed(error.code, error, {
          findings: p.findings,
          notReviewed: p.notReviewed,
          summary: p.summary,
          data: { ...p.data, failedCalls: error.failures },
        });
      }
      if (error instanceof UnparseableOutputError)
        return failed('unparseable_output', error, { data: { excerpt: error.excerpt } });
      if (error instanceof GatewayDeferredError) {
        return {
          ...failed('deferred', error),
          status: 'deferred',
          retryAt: error.retryAt,
          errorCode: error.response.errorCode ?? 'deferred',
        };
      }
      if (error instanceof GatewayFailedError) return failed(error.code, error);
      if (error instanceof RequestFailedError) return failed('timeout', error);
      if (error instanceof RepoReadError)
        return failed(error.retryable ? 'agent_crashed' : 'repo_unavailable', error);
      if (error instanceof AgentflowError && !error.retryable) return failed(error.code, error);
      return failed('agent_crashed', error);
    }
  }
}
