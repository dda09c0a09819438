/**
 * The agents' side of the gateway's job subject: launch, status and cancel by request/reply.
 * (A service never imports another service; the wire format is the contracts' JobLaunch/JobQuery/JobReply.)
 */
import type { JobLaunch, JobQuery, JobReply, Topology } from '@agentflow/contracts';
import type { MessageBus } from '@agentflow/bus';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export async function requestJob(
  bus: MessageBus,
  topology: Topology,
  body: JobLaunch | JobQuery,
  timeoutMs = 60_000,
): Promise<JobReply> {
  const reply = await bus.request(topology.subjects.gatewayJobs, encoder.encode(JSON.stringify(body)), {
    timeoutMs,
  });
  return JSON.parse(decoder.decode(reply.data)) as JobReply;
}
