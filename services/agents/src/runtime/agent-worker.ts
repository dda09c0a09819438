/**
 * The bus side of the agents: one durable consumer per served agent type on
 * `af.tasks.<type>`, a `task.started` notice, the result on `af.results.<runId>` with the
 * deterministic id `runId:stepId:attempt`, and a subscription to `af.runs.*.cancel` that aborts
 * the run's in-flight work. The message is acked only after the result is published.
 */
import {
  DEFAULT_CONSUMER,
  decodeEnvelope,
  stepMessageId,
  type AgentTask,
  type AgentTypeId,
  type ConsumerSpec,
  type Topology,
} from '@agentflow/contracts';
import type { ConsumerHandle, MessageBus, Messenger, ServiceHandle } from '@agentflow/bus';
import { createLogger, type Logger } from '@agentflow/telemetry';
import { CancellationRegistry } from './cancellation';
import type { TaskRunner } from './task-runner';

export interface AgentWorkerOptions {
  agentTypes: AgentTypeId[];
  /** Tasks in flight per agent type in this process. */
  concurrency: number;
  /** @default the `agents` logger */
  logger?: Pick<Logger, 'warn'>;
}

/** Failures the coordinator retries (see `RETRYABLE_ERROR_CODES` in the run actor), for the warning's "what next". */
const RETRIED = new Set(['timeout', 'gateway_unavailable', 'agent_crashed', 'unparseable_output']);

export function taskConsumerSpec(topology: Topology, agentType: string): ConsumerSpec {
  return {
    ...DEFAULT_CONSUMER,
    stream: topology.streams.tasks.name,
    durable: `agents-${agentType}`,
    filterSubject: topology.subjects.tasks(agentType),
  };
}

export class AgentWorker {
  readonly cancellations = new CancellationRegistry();
  private consumers: ConsumerHandle[] = [];
  private cancelSubscription?: ServiceHandle;
  private log?: Pick<Logger, 'warn'>;

  constructor(
    private readonly bus: MessageBus,
    private readonly messenger: Messenger,
    private readonly topology: Topology,
    private readonly runner: TaskRunner,
    private readonly options: AgentWorkerOptions,
  ) {}

  async start(): Promise<void> {
    const decoder = new TextDecoder();
    this.cancelSubscription = await this.bus.subscribe(this.topology.subjects.runCancel('*'), (msg) => {
      try {
        const envelope = decodeEnvelope('run.cancel', JSON.parse(decoder.decode(msg.data)));
        this.cancellations.cancel(envelope.body.runId, envelope.body.reason);
      } catch {
        // A malformed cancel notice cancels nothing; the coordinator's own timeout still applies.
      }
    });
    await this.bus.ensureStream(this.topology.streams.tasks);
    await this.bus.ensureStream(this.topology.streams.results);
    for (const type of this.options.agentTypes) {
      const spec = taskConsumerSpec(this.topology, type);
      this.consumers.push(
        await this.bus.consume(
          spec,
          async (msg) => {
            // Long reviews outlive the ack wait: the consumer runner heartbeats the message meanwhile.
            const envelope = await this.messenger.read(msg, 'task.requested');
            // A step waiting on a vendor job gives its slot back, so PR reviews are not held up behind nightly batches.
            await this.handle(envelope.body, () => msg.waiting?.());
          },
          { concurrency: this.options.concurrency },
        ),
      );
    }
  }

  /** Runs one task and publishes its result (exported for tests that drive the worker without a consumer). */
  async handle(task: AgentTask, onWaiting?: () => void): Promise<void> {
    const id = stepMessageId(task.runId, task.stepId, task.attempt);
    const results = this.topology.subjects.results(task.runId);
    const { signal, release } = this.cancellations.open(task.runId);
    try {
      if (!signal.aborted) {
        await this.messenger.emit(
          results,
          'task.started',
          {
            runId: task.runId,
            stepId: task.stepId,
            attempt: task.attempt,
            agentType: task.agentType,
            startedAt: Date.now(),
          },
          { runId: task.runId, msgId: `${id}:started`, attempt: task.attempt },
        );
      }
      const result = await this.runner.run(task, signal, { onWaiting });
      if (
        result.status === 'failed' &&
        (RETRIED.has(result.errorCode ?? '') || result.errorCode === 'cancelled')
      ) {
        (this.options.logger ?? (this.log ??= createLogger('agents'))).warn(
          {
            runId: task.runId,
            stepId: task.stepId,
            attempt: task.attempt,
            errorCode: result.errorCode,
            error: result.errorMessage,
          },
          result.errorCode === 'cancelled'
            ? 'task ended cancelled: its run was cancelled, nothing retries it'
            : `task failed with ${result.errorCode}: the coordinator retries the step while its retries last`,
        );
      }
      await this.messenger.emit(results, 'task.result', result, {
        runId: task.runId,
        msgId: id,
        attempt: task.attempt,
      });
    } finally {
      release();
    }
  }

  /** Stops pulling and waits for in-flight tasks (each publishes its result first). */
  async stop(timeoutMs = 30_000): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.stop(timeoutMs)));
    this.consumers = [];
    await this.cancelSubscription?.stop();
  }
}
