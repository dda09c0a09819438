/**
 * Typed messaging on top of {@link MessageBus}: envelopes in, envelopes out. Services use this,
 * not raw bytes. It sets `Nats-Msg-Id`, carries W3C trace context in headers, moves bodies over
 * 256 KB through the object store as `{ref, sha256, size}`, and decodes + validates on receipt
 * (an invalid message raises `InvalidMessageError`, which the consumer dead-letters).
 */
import type { BodyOf, Envelope, MessageType } from '@agentflow/contracts';
import type { Headers, InboundMessage, PubAck } from './bus';

export interface EmitOptions {
  runId?: string;
  /** Deterministic id (`runId:stepId:attempt`, a delivery id). Defaults to the envelope id. */
  msgId?: string;
  attempt?: number;
  headers?: Headers;
  expectedLastSubjectSequence?: number;
}

export interface Messenger {
  emit<T extends MessageType>(
    subject: string,
    type: T,
    body: BodyOf<T> | Record<string, unknown>,
    options?: EmitOptions,
  ): Promise<PubAck>;
  /** Decode an inbound message (resolving an object-store reference), validated as one of `types`. */
  read<T extends MessageType>(msg: InboundMessage, types: T | readonly T[]): Promise<Envelope<BodyOf<T>>>;
}
