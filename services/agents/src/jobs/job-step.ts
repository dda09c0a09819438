/**
 * A step whose provider chain starts with a job-style vendor: launch the job through the gateway
 * (idempotent by `runId:stepId:attempt`, so a task redelivered after an agent crash gets the same
 * job back), then wait for its `JobFinished` on the gateway's job-results stream. The wait reads
 * the stream, not a live subscription, so a job that finished while no agent was listening is
 * still found. The worker's heartbeat keeps the task message alive meanwhile; the task deadline
 * and a run cancel end the wait, and both stop the vendor job.
 */
import type { AgentResult, AgentTask, JobLaunch, PlanStep } from '@agentflow/contracts';
import type { JobChannel } from './job-channel';
import { jobResult } from './job-outcome';
import type { JobStepKinds } from './job-step-kinds';

export interface JobStepOptions {
  channel: JobChannel;
  kinds: JobStepKinds;
  /** Base URL of GitLab for repository links. @default https://gitlab.com */
  gitlabUrl?: string;
}

export class JobStepRunner {
  constructor(private readonly o: JobStepOptions) {}

  /** The job provider of this step, or undefined when it is a chat-model step. */
  providerFor(step: PlanStep): string | undefined {
    return this.o.kinds.jobProvider(step);
  }

  /** Launches (or re-finds) the step's job and waits for its end; `signal` is the cancel-or-deadline signal. */
  /** `onWaiting` is called once the job is launched and the step only waits for it. */
  async run(
    task: AgentTask,
    step: PlanStep,
    provider: string,
    signal: AbortSignal,
    onWaiting?: () => void,
  ): Promise<AgentResult> {
    const { channel } = this.o;
    const reply = await channel.launch(this.launchOf(task, step, provider));
    // A refused launch (policy_denied, unknown_provider, vendor_error) keeps the gateway's code.
    if (reply.status !== 'ok' || !reply.jobId) {
      return {
        runId: task.runId,
        stepId: task.stepId,
        attempt: task.attempt,
        agentType: task.agentType,
        status: 'failed',
        findings: [],
        notReviewed: [],
        usage: {
          inputTokens: 0,
          outputTokens: 0,
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
          costUsd: 0,
          vendorMs: 0,
          models: [],
        },
        errorCode: reply.errorCode ?? 'job_failed',
        errorMessage: reply.errorMessage ?? `the gateway did not launch a ${provider} job`,
      };
    }
    onWaiting?.();
    const done = await channel.waitFor(task.runId, task.stepId, reply.jobId, signal);
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
    if (platform === 'gitlab')
      return `${(this.o.gitlabUrl ?? 'https://gitlab.com').replace(/\/$/, '')}/${repo}`;
    return repo;
  }
}
