/**
 * Request/reply for job-style vendors on `topology.subjects.gatewayJobs`, served by every gateway
 * replica in one queue group. Bodies are plain JSON: a {@link JobLaunch} (`op: launch`) or a
 * {@link JobQuery} (`op: status` / `op: cancel`); the answer is always a {@link JobReply}, never
 * silence, so the caller learns what to do from `errorCode`.
 */
import {
  AgentflowError,
  JobLaunch,
  JobQuery,
  validateBody,
  type JobReply,
  type Topology,
} from '@agentflow/contracts';
import type { MessageBus, ReplyMessage, ServiceHandle } from '@agentflow/bus';
import { BudgetExceeded } from '../errors';
import type { GatewayLogger } from '../log/gateway-logger';
import type { JobRunner } from './job-runner';

export const GATEWAY_JOBS_QUEUE = 'gateway-jobs';

const encoder = new TextEncoder();

export class JobsTransport {
  private handle: ServiceHandle | null = null;

  constructor(
    private readonly bus: MessageBus,
    private readonly topology: Topology,
    private readonly runner: JobRunner,
    private readonly logger: GatewayLogger,
  ) {}

  async start(): Promise<void> {
    this.handle = await this.bus.serve(this.topology.subjects.gatewayJobs, GATEWAY_JOBS_QUEUE, (msg) =>
      this.onRequest(msg),
    );
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
    this.handle = null;
  }

  private async onRequest(msg: ReplyMessage): Promise<void> {
    const reply = await this.answer(msg);
    msg.respond(encoder.encode(JSON.stringify(reply)));
  }

  /** Decodes and runs one request; every failure becomes a `failed` reply with its code. */
  async answer(msg: Pick<ReplyMessage, 'data'>): Promise<JobReply> {
    try {
      const plain = JSON.parse(new TextDecoder().decode(msg.data)) as { op?: string };
      if (plain.op === 'launch') return await this.runner.launch(validateBody(JobLaunch, plain));
      const query = validateBody(JobQuery, plain);
      return query.op === 'status'
        ? await this.runner.status(query.jobId)
        : await this.runner.cancel(query.jobId);
    } catch (e) {
      const code =
        e instanceof AgentflowError
          ? e.code === 'invalid_message'
            ? 'invalid_request'
            : e.code
          : e instanceof SyntaxError
            ? 'invalid_request'
            : 'gateway_unavailable';
      if (code === 'gateway_unavailable')
        this.logger.warn('job request failed', { error: e instanceof Error ? e.message : String(e) });
      return {
        status: 'failed',
        errorCode: code,
        errorMessage: e instanceof Error ? e.message : String(e),
        ...(e instanceof BudgetExceeded ? { retryAt: e.retryAt } : {}),
      };
    }
  }
}

/** Sends a job request from an agent and waits for the reply. */
export async function requestJob(
  bus: MessageBus,
  topology: Topology,
  body: JobLaunch | JobQuery,
  timeoutMs = 60_000,
): Promise<JobReply> {
  const reply = await bus.request(topology.subjects.gatewayJobs, encoder.encode(JSON.stringify(body)), {
    timeoutMs,
  });
  return JSON.parse(new TextDecoder().decode(reply.data)) as JobReply;
}
