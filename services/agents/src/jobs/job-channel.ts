/**
 * The agents' side of a gateway job: launch it (request/reply on the gateway's job subject), wait
 * for its `JobFinished` on the job-results stream, cancel it. The wait reads the stream, not a live
 * subscription, so a job that finished while no agent was listening is still found; a cancel or
 * deadline on the signal stops the vendor job and ends the wait.
 */
import {
  JobFinished,
  gatewayJobResultsStream,
  jobDoneSubject,
  validateBody,
  type JobLaunch,
  type JobReply,
  type Topology,
} from '@agentflow/contracts';
import type { MessageBus } from '@agentflow/bus';
import { requestJob } from './job-client';

export interface JobChannelOptions {
  bus: MessageBus;
  topology: Topology;
  /** Time between reads of the job-results stream. @default 2000 */
  pollMs?: number;
  /** How long a launch or cancel request waits for the gateway. @default 30000 */
  requestTimeoutMs?: number;
}

const decoder = new TextDecoder();

export class JobChannel {
  private streamReady?: Promise<void>;

  constructor(private readonly o: JobChannelOptions) {}

  /** Launches a job, or re-finds the one launched under the same `requestId`. */
  async launch(body: JobLaunch): Promise<JobReply> {
    this.streamReady ??= this.o.bus.ensureStream(gatewayJobResultsStream(this.o.topology));
    await this.streamReady;
    return requestJob(this.o.bus, this.o.topology, body, this.o.requestTimeoutMs ?? 30_000);
  }

  /** Resolves with the job's hand-back; when `signal` aborts first, cancels the job and throws the signal's reason. */
  async waitFor(runId: string, stepId: string, jobId: string, signal: AbortSignal): Promise<JobFinished> {
    const pollMs = this.o.pollMs ?? 2_000;
    for (;;) {
      const done = await this.find(runId, stepId, jobId);
      if (done) return done;
      if (signal.aborted || !(await sleep(pollMs, signal))) {
        await this.cancel(jobId);
        throw signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason));
      }
    }
  }

  /** Stops the vendor job; best effort, since the gateway's own deadline ends it anyway. */
  async cancel(jobId: string): Promise<void> {
    try {
      await requestJob(
        this.o.bus,
        this.o.topology,
        { op: 'cancel', jobId },
        this.o.requestTimeoutMs ?? 30_000,
      );
    } catch {
      // The gateway is unreachable: the job's launch deadline still expires it there.
    }
  }

  /** The job's hand-back, if published: the subject's last message, else any earlier one (other jobs of the step share the subject). */
  private async find(runId: string, stepId: string, jobId: string): Promise<JobFinished | undefined> {
    const stream = gatewayJobResultsStream(this.o.topology).name;
    const subject = jobDoneSubject(this.o.topology, runId, stepId);
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
