/** Creates (or checks) everything a topology needs on a bus: streams, KV buckets, the object store. */
import type { Topology } from '@agentflow/contracts';
import type { KvOptions, MessageBus } from './bus';
import { setDeadLetterRoute } from './dead-letter-routes';
import { RequestSubjectCapturedError } from './errors';
import { subjectMatches } from './subject-match';

export interface ProvisionOptions {
  /** Options per KV bucket. @default `topology.bucketSettings` (runs: 5 revisions kept; the others: 1) */
  kv?: Partial<Record<'runs' | 'cache' | 'limits' | 'gatewayRequests', KvOptions>>;
}

/** Idempotent: run it at every start-up. Fails with a typed error when the server dropped an option or a request subject sits on a stream. */
export async function provisionTopology(
  bus: MessageBus,
  topology: Topology,
  options: ProvisionOptions = {},
): Promise<void> {
  const streams = Object.values(topology.streams);
  for (const requestSubject of [topology.subjects.gatewayGenerate, topology.subjects.gatewayJobs]) {
    const capturing = streams.find((s) =>
      s.subjects.some((pattern) => subjectMatches(pattern, requestSubject)),
    );
    if (capturing) throw new RequestSubjectCapturedError(requestSubject, capturing.name);
  }
  for (const stream of streams) {
    await bus.ensureStream(stream);
    setDeadLetterRoute(bus, stream.name, topology.subjects.dlq(stream.name));
  }
  await bus.kv(topology.buckets.runs, { ...topology.bucketSettings.runs, ...options.kv?.runs });
  await bus.kv(topology.buckets.cache, { ...topology.bucketSettings.cache, ...options.kv?.cache });
  await bus.kv(topology.buckets.limits, { ...topology.bucketSettings.limits, ...options.kv?.limits });
  await bus.kv(topology.buckets.gatewayRequests, {
    ...topology.bucketSettings.gatewayRequests,
    ...options.kv?.gatewayRequests,
  });
  // A body is only read through a message that refers to it: it may go when the longest-kept stream's messages go.
  await bus.objects(topology.buckets.objects, { maxAgeMs: Math.max(...streams.map((s) => s.maxAgeMs)) });
}

/** Removes everything {@link provisionTopology} created (tests, `agentflow` reset). */
export async function deleteTopology(bus: MessageBus, topology: Topology): Promise<void> {
  for (const stream of Object.values(topology.streams)) await bus.deleteStream(stream.name);
  await bus.deleteKv(topology.buckets.runs);
  await bus.deleteKv(topology.buckets.cache);
  await bus.deleteKv(topology.buckets.limits);
  await bus.deleteKv(topology.buckets.gatewayRequests);
  await bus.deleteObjects(topology.buckets.objects);
}
