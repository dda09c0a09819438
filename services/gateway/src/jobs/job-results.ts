/**
 * Where a finished job goes back to the step that launched it: a JetStream stream of its own, one
 * subject per run and step, so the launching step (or the coordinator on its behalf) consumes it
 * durably with a filtered consumer. The message id makes a repeated hand-back (a restart between
 * publish and the record update) a no-op.
 */
import {
  gatewayJobResultsStream,
  jobDoneSubject,
  type JobFinished,
  type Topology,
} from '@agentflow/contracts';
import type { MessageBus } from '@agentflow/bus';

// The stream and subject are part of the contracts: agents read them without depending on the gateway.
export { gatewayJobResultsStream, jobDoneSubject };

export interface JobResultSink {
  finished(message: JobFinished): Promise<void>;
}

export class BusJobResultSink implements JobResultSink {
  constructor(
    private readonly bus: MessageBus,
    private readonly topology: Topology,
  ) {}

  async finished(message: JobFinished): Promise<void> {
    const subject = jobDoneSubject(this.topology, message.attribution.runId, message.attribution.stepId);
    await this.bus.publish(subject, new TextEncoder().encode(JSON.stringify(message)), {
      msgId: `job:${message.jobId}`,
    });
  }
}
