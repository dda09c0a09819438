/**
 * Where a finished job goes back to the step that launched it: a JetStream stream of its own, one
 * subject per run and step, so the launching step (or the coordinator on its behalf) consumes it
 * durably with a filtered consumer. The message id makes a repeated hand-back (a restart between
 * publish and the record update) a no-op.
 */
import type { JobFinished, StreamSpec, Topology } from '@agentflow/contracts';
import type { MessageBus } from '@agentflow/bus';

export function gatewayJobResultsStream(topology: Topology): StreamSpec {
  const p = topology.prefix;
  return {
    name: `${p.toUpperCase().replace(/[^A-Z0-9_-]/g, '_')}_GATEWAY_JOBS`,
    subjects: [`${p}.jobs.done.>`],
    retention: 'limits',
    maxAgeMs: 14 * 86_400_000,
    duplicateWindowMs: 2 * 3_600_000,
  };
}

/** Subject of a job's hand-back; tokens that NATS would split on are replaced. */
export function jobDoneSubject(topology: Topology, runId: string | undefined, stepId: string | undefined): string {
  const token = (s: string | undefined) => (s && s.length ? s.replace(/[.*>\s]/g, '_') : '_');
  return `${topology.prefix}.jobs.done.${token(runId)}.${token(stepId)}`;
}

export interface JobResultSink {
  finished(message: JobFinished): Promise<void>;
}

export class BusJobResultSink implements JobResultSink {
  constructor(private readonly bus: MessageBus, private readonly topology: Topology) {}

  async finished(message: JobFinished): Promise<void> {
    const subject = jobDoneSubject(this.topology, message.attribution.runId, message.attribution.stepId);
    await this.bus.publish(subject, new TextEncoder().encode(JSON.stringify(message)), { msgId: `job:${message.jobId}` });
  }
}
