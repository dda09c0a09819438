/**
 * The message bus port. Two implementations keep the same semantics, checked by one contract
 * suite: JetStream (`JetStreamBus`, production) and the in-process `EmbeddedBus` (one machine).
 * Services depend on this interface only.
 */
import type { BodyRef, ConsumerSpec, StreamSpec } from '@agentflow/contracts';

export type Headers = Record<string, string>;

export interface PublishOptions {
  /** `Nats-Msg-Id`: a re-publish with the same id inside the stream's dedupe window is dropped. */
  msgId?: string;
  headers?: Headers;
  /** Fail unless the last message on this subject has this stream sequence (0: no message yet). */
  expectedLastSubjectSequence?: number;
}

export interface PubAck {
  stream: string;
  seq: number;
  /** True when the message id was seen inside the dedupe window and nothing was stored. */
  duplicate: boolean;
}

export interface DeliveryInfo {
  /** 1 on the first delivery. */
  deliveryCount: number;
  redelivered: boolean;
  streamSequence: number;
  stream: string;
  consumer: string;
  /** Epoch ms the message was stored. */
  timestampMs: number;
}

/** A message delivered to a consumer. Exactly one of ack / nak / term settles it. */
export interface InboundMessage {
  subject: string;
  data: Uint8Array;
  headers: Headers;
  info: DeliveryInfo;
  json<T = unknown>(): T;
  ack(): Promise<void>;
  /** Redeliver after `delayMs` (0: at once). */
  nak(delayMs?: number): void;
  /** Never redeliver. */
  term(reason?: string): void;
  /** Extend the ack deadline for a long handler. */
  working(): void;
  /**
   * The handler now waits on work outside this process (a vendor job that runs for minutes or
   * hours): the message stops counting against the consumer's `concurrency`, so another one is
   * pulled meanwhile. Heartbeats, settling and a graceful stop are as before. Set by the consumer
   * runner on the messages it hands to handlers; at most `maxWaiting` at once are let go.
   */
  waiting?(): void;
}

export type MessageHandler = (msg: InboundMessage) => Promise<void>;

export interface ConsumeOptions {
  /** Handlers running at once in this process. @default 16 */
  concurrency?: number;
  /**
   * Nak delay after a retryable failure, by delivery count (1-based). @default exponential from 1 s, capped at 60 s, with jitter
   */
  retryDelayMs?: (deliveryCount: number, error: unknown) => number;
  /**
   * Let the handler settle the message itself (timers nak with the time remaining). When false the
   * consumer acks on success, naks retryable errors, and dead-letters the rest.
   * @default false
   */
  manualSettle?: boolean;
  /**
   * Messages whose handlers said they are {@link InboundMessage.waiting} that stop counting against
   * `concurrency`; past this many, waiting handlers keep their slot. @default 64
   */
  maxWaiting?: number;
}

export interface ConsumerHandle {
  readonly spec: ConsumerSpec;
  /** Stop pulling, wait for in-flight handlers to finish (or `timeoutMs`), then return. */
  stop(timeoutMs?: number): Promise<void>;
  /** Handlers currently running. */
  readonly inFlight: number;
}

export interface KvEntry {
  key: string;
  value: Uint8Array;
  revision: number;
  /** `PUT`, `DEL` or `PURGE`. */
  operation: 'PUT' | 'DEL' | 'PURGE';
  json<T = unknown>(): T;
}

/** KV with revisions; `update` is compare-and-set and throws {@link RevisionConflictError} on a stale revision. */
export interface KeyValueStore {
  readonly bucket: string;
  get(key: string): Promise<KvEntry | null>;
  /** Create only if absent; throws RevisionConflictError when the key exists. Returns the revision. */
  create(key: string, value: Uint8Array): Promise<number>;
  /** Compare-and-set against `revision`. Returns the new revision. */
  update(key: string, value: Uint8Array, revision: number): Promise<number>;
  put(key: string, value: Uint8Array): Promise<number>;
  delete(key: string): Promise<void>;
  /**
   * Removes the key with every revision the bucket kept of it: a delete keeps them (up to the
   * bucket's history), a purge gives their storage back. For records that are done with for good.
   */
  purge(key: string): Promise<void>;
  keys(filter?: string): Promise<string[]>;
  /** Calls back for every change from now on (and, with `includeHistory`, current values first). Returns a stop function. */
  watch(
    onChange: (entry: KvEntry) => void,
    options?: { key?: string; includeHistory?: boolean },
  ): Promise<() => void>;
}

/**
 * Settings of a KV bucket, used when it is created. When the bucket exists, each setting given is
 * checked against it (a mismatch is `BusProvisioningError`); settings left out bind to what exists.
 */
export interface KvOptions {
  /** Revisions kept per key. @default 1 */
  history?: number;
  /** Bucket-wide max age in ms (no per-key TTL on nats-server 2.9). @default none */
  maxAgeMs?: number;
}

export interface ObjectStoreOptions {
  /** Bodies older than this are removed; size it to the longest retention of a stream that can refer to them. */
  maxAgeMs?: number;
}

export interface ObjectStore {
  readonly bucket: string;
  put(name: string, data: Uint8Array): Promise<BodyRef>;
  /** Reads and checks the sha256; throws when missing or corrupt. */
  get(ref: BodyRef | string): Promise<Uint8Array>;
  delete(name: string): Promise<void>;
}

export interface RequestOptions {
  timeoutMs: number;
  headers?: Headers;
  signal?: AbortSignal;
}

export interface ReplyMessage {
  subject: string;
  data: Uint8Array;
  headers: Headers;
  json<T = unknown>(): T;
  respond(data: Uint8Array, headers?: Headers): void;
}

export interface ServiceHandle {
  stop(): Promise<void>;
}

export interface MessageBus {
  /** `jetstream` or `embedded`. */
  readonly kind: 'jetstream' | 'embedded';
  /** Create or update a stream, read it back, and fail when the server silently dropped an option. Idempotent. */
  ensureStream(spec: StreamSpec): Promise<void>;
  /** Create or update a durable pull consumer, read back. Idempotent. */
  ensureConsumer(spec: ConsumerSpec): Promise<void>;
  deleteStream(name: string): Promise<void>;
  publish(subject: string, data: Uint8Array, options?: PublishOptions): Promise<PubAck>;
  /** Pull from a durable consumer and run `handler` per message. See {@link ConsumeOptions} for settling. */
  consume(spec: ConsumerSpec, handler: MessageHandler, options?: ConsumeOptions): Promise<ConsumerHandle>;
  /** Core request/reply (no stream). */
  request(subject: string, data: Uint8Array, options: RequestOptions): Promise<ReplyMessage>;
  /** Serve requests in a queue group. */
  serve(
    subject: string,
    queue: string,
    handler: (msg: ReplyMessage) => Promise<void> | void,
  ): Promise<ServiceHandle>;
  /** Plain subscribe (no stream, at most once) for live notifications. */
  subscribe(subject: string, handler: (msg: ReplyMessage) => void): Promise<ServiceHandle>;
  kv(bucket: string, options?: KvOptions): Promise<KeyValueStore>;
  deleteKv(bucket: string): Promise<void>;
  /**
   * An object-store bucket for large bodies. With `maxAgeMs`, a body is removed that long after it
   * was written (the bucket's setting is brought to it when it differs); without, the bucket keeps
   * whatever setting it has.
   */
  objects(bucket: string, options?: ObjectStoreOptions): Promise<ObjectStore>;
  deleteObjects(bucket: string): Promise<void>;
  /** Last message stored on a subject, with its sequence (for expected-last-subject-sequence appends). */
  lastOnSubject(
    stream: string,
    subject: string,
  ): Promise<{ seq: number; data: Uint8Array; headers: Headers } | null>;
  /** All messages on a subject in order (history replay, dead-letter inspection). */
  readSubject(
    stream: string,
    subject: string,
  ): Promise<Array<{ seq: number; data: Uint8Array; headers: Headers }>>;
  /** Whether the connection is usable (for `/ready`). */
  isHealthy(): boolean;
  /** Stop consumers gracefully, flush, close. */
  drain(): Promise<void>;
}
