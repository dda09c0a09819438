/**
 * A look at a NATS server without changing it, for `agentflow doctor`: does it answer, which
 * version, is JetStream on, and which of the streams and buckets agentflow provisions exist. It
 * creates nothing (provisioning is the services' job at start-up) and closes its connection.
 */
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import type { Topology } from '@agentflow/contracts';

export interface NatsInspection {
  /** The server's version (`2.9.10`). */
  version: string;
  jetstream: boolean;
  /** Why JetStream cannot be used, when it cannot (the server's own words). */
  jetstreamError?: string;
  /** Streams (KV buckets and object stores as their streams: `KV_<bucket>`, `OBJ_<bucket>`) agentflow needs that are absent. */
  missing: string[];
  /** How many of them exist. */
  present: number;
}

/** The streams behind everything the topology names: work streams, KV buckets and the object store. */
export function expectedStreams(topology: Topology): string[] {
  const { streams, buckets } = topology;
  return [
    ...Object.values(streams).map((s) => s.name),
    `KV_${buckets.runs}`,
    `KV_${buckets.cache}`,
    `KV_${buckets.limits}`,
    `KV_${buckets.gatewayRequests}`,
    `OBJ_${buckets.objects}`,
  ];
}

/** Connects once (no reconnects), reads what it can and closes. Rejects only when the server does not answer. */
export async function inspectNats(
  servers: string,
  topology: Topology,
  timeoutMs = 3000,
): Promise<NatsInspection> {
  const nc = await connect({
    servers: servers.split(',').map((s) => s.trim()),
    timeout: timeoutMs,
    maxReconnectAttempts: 0,
    name: 'agentflow-doctor',
  });
  try {
    const version = nc.info?.version ?? 'unknown';
    let jsm;
    try {
      jsm = await jetstreamManager(nc, { timeout: timeoutMs });
    } catch (error) {
      return {
        version,
        jetstream: false,
        jetstreamError: error instanceof Error ? error.message : String(error),
        missing: expectedStreams(topology),
        present: 0,
      };
    }
    const missing: string[] = [];
    let present = 0;
    for (const name of expectedStreams(topology)) {
      try {
        await jsm.streams.info(name);
        present += 1;
      } catch {
        missing.push(name);
      }
    }
    return { version, jetstream: true, missing, present };
  } finally {
    await nc.close();
  }
}
