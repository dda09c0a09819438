/**
 * A step whose provider chain starts with a job-style vendor: launch the job through the gateway
 * (idempotent by `runId:stepId:attempt`, so a task redelivered after an agent crash gets the same
 * job back), then wait for its `JobFinished` on the gateway's job-results stream. The wait reads
 * the stream, not a live subscription, so a job that finished while no agent was listening is
 * still found. The worker's heartbeat keeps the task message alive meanwhile; the task deadline
 * and a run cancel end the wait, and both stop the vendor job.
 */
import { JobFinished, validateBody, type AgentResult, type AgentTask, type JobLaunch, type PlanStep, type Topology } from '@agentflow/contracts';
import type { MessageBus } from '@agentflow/bus';
import { gatewayJobResultsStream, jobDoneSubject } from '@agentflow/contracts';
import { requestJob } from './job-client';
import { jobResult } from './job-outcome';
import type { JobStepKinds } from './job-step-kinds';

export interface JobStepOptions {
  bus: MessageBus;
  topology: Topology;
  kinds: JobStepKinds;
  /** Time between reads of the job-results stream. @default 2000 */
  pollMs?: number;
  /** How long a launch or cancel request waits for the gateway. @default 30000 */
  requestTimeoutMs?: number;
  /** Base URL of GitLab for repository links. @default https://gitlab.com */
  gitlabUrl?: string;
}

const decoder = new TextDecoder();

export class JobStepRunner {
  private streamReady?: Promise<void>;

  constructor(private readonly o: JobStepOptions) {}

  /** The job provider of this step, or undefined when it is a chat-model step. */
  providerFor(step: PlanStep): string | undefined {
    return this.o.kinds.jobProvider(step);
  }

  /** Launches (or re-finds) the step's job and waits for its end; `signal` is the cancel-or-deadline signal. */
  async run(task: AgentTask, step: PlanStep, provider: string, signal: AbortSignal): Promise<AgentResult> {
    const { bus, topology } = this.o;
    this.streamReady ??= bus.ensureStream(gatewayJobResultsStream(topology));
    await this.streamReady;
    const reply = await requestJob(bus, topology, this.launchOf(task, step, provider), this.o.requestTimeoutMs ?? 30_000);
    // A refused launch (policy_denied, unknown_provider, vendor_error) keeps the gateway's code.
    if (reply.status !== 'ok' || !reply.jobId) {
      return {
        runId: task.runId, stepId: task.stepId, attempt: task.attempt, agentType: task.agentType,
        status: 'failed', findings: [], notReviewed: [],
        usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0, vendorMs: 0, models: [] },
        errorCode: reply.errorCode ?? 'job_failed',
        errorMessage: reply.errorMessage ?? `the gateway did not launch a ${provider} job`,
      };
    }
    const done = await this.waitFor(task, reply.jobId, signal);
    return jobResult(task, done);
  }

  private launchOf(task: AgentTask, step: PlanStep, provider: string): JobLaunch {
    const opt = step.options;
    const prompt = typeof opt.prompt === 'string' ? opt.prompt : task.tasks.join('\n');
    return {
      op: 'launch',
      requestId: `${task.runId}:${task.stepId}:${task.attempt}`,
      provider,
      prompt,
      repository: typeof opt.repository === 'string' ? opt.repository : this.repositoryUrl(task),
      ref: task.change.headRef ?? task.change.headSha,
      input: opt.input && typeof opt.input === 'object' ? (opt.input as Record<string, unknown>) : undefined,
      attribution: { ...task.attribution, runId: task.runId, stepId: task.stepId, service: 'agents' },
      dataClass: task.dataClass,
      // The gateway stops polling and reports `expired` when the step could no longer use the answer.
      deadline: task.deadline,
    };
  }

  private repositoryUrl(task: AgentTask): string {
    const { platform, repo } = task.change;
    if (platform === 'github') return `https://github.com/${repo}`;
    if (platform === 'gitlab') return `${(this.o.gitlabUrl ?? 'https://gitlab.com').replace(/\/$/, '')}/${repo}`;
    return repo;
  }

  private async waitFor(task: AgentTask, jobId: string, signal: AbortSignal): Promise<JobFinished> {
    const pollMs = this.o.pollMs ?? 2_000;
    for (;;) {
      const done = await this.find(task, jobId);
      if (done) return done;
      if (signal.aborted || !(await sleep(pollMs, signal))) {
        await this.cancel(jobId);
        throw signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason));
      }
    }
  }

  /** The job's hand-back, if published: the subject's last message, else any earlier one (an earlier attempt's job shares the subject). */
  private async find(task: AgentTask, jobId: string): Promise<JobFinished | undefined> {
    const stream = gatewayJobResultsStream(this.o.topology).name;
    const subject = jobDoneSubject(this.o.topology, task.runId, task.stepId);
    const last = await this.o.bus.lastOnSubject(stream, subject);
    if (!last) return undefined;
    const parse = (data: Uint8Array) => validateBody(JobFinished, JSON.parse(decoder.decode(data)));
    const latest = parse(last.data);
    if (latest.jobId === jobId) return latest;
    for (const m of await this.o.bus.readSubject(stream, subject)) {
      const entry = parse(m.data);
      if (entry.jobId === jobId) return entry;
    }
    return undefined;
  }

  /** Stops the vendor job; best effort, since the gateway's own deadline ends it anyway. */
  private async cancel(jobId: string): Promise<void> {
    try {
      await requestJob(this.o.bus, this.o.topology, { op: 'cancel', jobId }, this.o.requestTimeoutMs ?? 30_000);
    } catch {
      // The gateway is unreachable: the job's launch deadline still expires it there.
    }
  }
}

/** Resolves true after `ms`, false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
