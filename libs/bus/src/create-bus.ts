/** Chooses the bus: JetStream when a NATS URL is given, the embedded bus otherwise. */
import { topology as makeTopology, type Topology } from '@agentflow/contracts';
import type { MessageBus } from './bus';
import { EmbeddedBus } from './embedded/embedded-bus';
import { JetStreamBus } from './jetstream-bus';
import type { BusLogger } from './log';

export interface CreateBusOptions {
  /** `nats://host:4222` (comma-separated for several servers). Unset: the in-process embedded bus. */
  natsUrl?: string;
  /** Connection name (the service, or `agentflow-up`). */
  name: string;
  /** Embedded bus only: keep streams and KV in this directory across restarts. Unset: memory only. */
  dataDir?: string;
  /** Topology whose dead-letter subjects the consumers use. @default topology('af') */
  topology?: Topology;
  log?: BusLogger;
}

export async function createBus(options: CreateBusOptions): Promise<MessageBus> {
  const topology = options.topology ?? makeTopology();
  const deadLetterSubject = topology.subjects.dlq;
  if (options.natsUrl) {
    const servers = options.natsUrl
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    return JetStreamBus.connect({ servers, name: options.name, deadLetterSubject, log: options.log });
  }
  return new EmbeddedBus({ dataDir: options.dataDir, deadLetterSubject, log: options.log });
}
