/**
 * {@link MessageBus} on NATS JetStream (nats.js v3, `@nats-io/*`). Streams and consumers are
 * provisioned idempotently and read back, because nats-server 2.9 silently drops options it does
 * not know; consumers are durable pull consumers run by the shared consumer runner.
 */
import {
  connect,
  headers as natsHeaders,
  nanos,
  millis,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiError,
  ReplayPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
  type ConsumerConfig,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type StreamConfig,
  type StreamInfo,
} from '@nats-io/jetstream';
import { Kvm, KvWatchInclude, type KV, type KvEntry as NatsKvEntry } from '@nats-io/kv';
import { Objm, type ObjectStore as NatsObjectStore } from '@nats-io/obj';
import {
  topology as defaultTopology,
  type BodyRef,
  type ConsumerSpec,
  type StreamSpec,
} from '@agentflow/contracts';
import type {
  ConsumeOptions,
  ConsumerHandle,
  Headers,
  InboundMessage,
  KeyValueStore,
  KvEntry,
  KvOptions,
  MessageBus,
  MessageHandler,
  ObjectStore,
  ObjectStoreOptions,
  PubAck,
  PublishOptions,
  ReplyMessage,
  RequestOptions,
  ServiceHandle,
} from './bus';
import { trackConsumer, startConsumerRunner, type MessageSource } from './consumer-runner';
import { deadLetterRoute } from './dead-letter-routes';
import {
  BusClosedError,
  BusProvisioningError,
  ObjectIntegrityError,
  RequestFailedError,
  RequestSubjectCapturedError,
  RevisionConflictError,
} from './errors';
import { busLog, type BusLogger } from './log';
import { parseJson } from './message-codec';
import { objectName, sha256Hex, verifyBody } from './object-ref';
import { checkConsumerSpec } from './provisioning-rules';
import { RETENTION, verifyConsumerConfig, verifyStreamConfig } from './jetstream-readback';
import { tracedHandler, tracedRequest } from './trace-context';

/** Server error code of a failed expected-last-sequence check (KV compare-and-set, subject sequence). */
const WRONG_LAST_SEQUENCE = 10071;
const STREAM_NOT_FOUND = 10059;
const CONSUMER_NOT_FOUND = 10014;
/** How long one pull request waits on the server for messages. */
const PULL_EXPIRES_MS = 5000;

export interface JetStreamBusOptions {
  /** NATS server URL(s), e.g. `nats://127.0.0.1:4222`. */
  servers: string | string[];
  /** Connection name shown by the server (the service name). */
  name: string;
  /** Dead-letter subject per stream name. @default `topology('af').subjects.dlq` */
  deadLetterSubject?: (stream: string) => string;
  log?: BusLogger;
}

function toHeaders(hdrs: MsgHdrs | undefined): Headers {
  const out: Headers = {};
  if (!hdrs) return out;
  for (const key of hdrs.keys()) out[key] = hdrs.get(key);
  return out;
}

function toNatsHeaders(h: Headers | undefined): MsgHdrs | undefined {
  if (!h || Object.keys(h).length === 0) return undefined;
  const out = natsHeaders();
  for (const [k, v] of Object.entries(h)) out.set(k, v);
  return out;
}

/** The server refused a stream or consumer configuration: say which resource and the server's reason. */
async function refused<T>(resource: string, create: () => Promise<T>): Promise<T> {
  try {
    return await create();
  } catch (error) {
    if (!(error instanceof JetStreamApiError)) throw error;
    throw new BusProvisioningError(
      resource,
      'config',
      'a configuration the server accepts',
      `refused (${error.code}): ${error.message}`,
      'change the spec, or delete the stream/consumer to recreate it if the change cannot be made in place',
    );
  }
}

function apiCode(error: unknown): number | undefined {
  return error instanceof JetStreamApiError ? error.code : undefined;
}

function toReply(msg: Msg): ReplyMessage {
  return {
    subject: msg.subject,
    data: msg.data,
    headers: toHeaders(msg.headers),
    json: <T>() => parseJson<T>(msg.data, msg.subject),
    respond: (data, headers) => {
      msg.respond(data, { headers: toNatsHeaders(headers) });
    },
  };
}

function toKvEntry(e: NatsKvEntry): KvEntry {
  return {
    key: e.key,
    value: e.value,
    revision: e.revision,
    operation: e.operation,
    json: <T>() => parseJson<T>(e.value, e.key),
  };
}

export class JetStreamBus implements MessageBus {
  readonly kind = 'jetstream' as const;
  private readonly handles = new Set<ConsumerHandle>();
  private readonly kvHandles = new Map<string, Promise<KeyValueStore>>();
  private readonly objectHandles = new Map<string, Promise<ObjectStore>>();
  private readonly deadLetterSubject: (stream: string) => string;
  private readonly log: BusLogger;
  private connected = true;
  private closed = false;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    options: JetStreamBusOptions,
  ) {
    this.deadLetterSubject = options.deadLetterSubject ?? defaultTopology().subjects.dlq;
    this.log = options.log ?? busLog;
    void this.watchStatus();
  }

  /** Connects (retrying reconnects forever once connected) and checks that JetStream is enabled. */
  static async connect(options: JetStreamBusOptions): Promise<JetStreamBus> {
    // noAsyncTraces: nats.js otherwise builds an Error (a captured stack) for every request and
    // its timer, including each publish ack and KV read, whether it fails or not; that was the
    // largest single cost of a JetStream publish in the workflow bench. Failed requests still
    // reject with the server's error and the subject; only the caller's async frames are missing.
    const nc = await connect({
      servers: options.servers,
      name: options.name,
      maxReconnectAttempts: -1,
      noAsyncTraces: true,
    });
    try {
      const jsm = await jetstreamManager(nc);
      return new JetStreamBus(nc, jetstream(nc), jsm, options);
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  private async watchStatus(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === 'disconnect') this.connected = false;
      if (status.type === 'reconnect') this.connected = true;
    }
  }

  private assertOpen(operation: string): void {
    if (this.closed) throw new BusClosedError(operation);
  }

  // ---- provisioning -------------------------------------------------------------------------

  async ensureStream(spec: StreamSpec): Promise<void> {
    this.assertOpen('ensureStream');
    const config: Partial<StreamConfig> & { name: string } = {
      name: spec.name,
      subjects: spec.subjects,
      retention: RETENTION[spec.retention],
      max_age: nanos(spec.maxAgeMs),
      duplicate_window: nanos(spec.duplicateWindowMs),
      max_msg_size: spec.maxMsgSize ?? -1,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      num_replicas: 1,
    };
    let info: StreamInfo;
    const existing = await this.streamInfo(spec.name);
    if (!existing) {
      info = await refused(spec.name, () => this.jsm.streams.add(config));
    } else {
      if (existing.config.retention !== config.retention) {
        throw new BusProvisioningError(
          spec.name,
          'retention',
          config.retention,
          existing.config.retention,
          'retention cannot change on a live stream; delete and recreate it',
        );
      }
      info = await refused(spec.name, () => this.jsm.streams.update(spec.name, config));
    }
    verifyStreamConfig(spec, info.config);
  }

  private async streamInfo(name: string): Promise<StreamInfo | null> {
    try {
      return await this.jsm.streams.info(name);
    } catch (error) {
      if (apiCode(error) === STREAM_NOT_FOUND) return null;
      throw error;
    }
  }

  async ensureConsumer(spec: ConsumerSpec): Promise<void> {
    this.assertOpen('ensureConsumer');
    const stream = await this.streamInfo(spec.stream);
    if (!stream) {
      throw new BusProvisioningError(
        `${spec.stream}/${spec.durable}`,
        'stream',
        'an existing stream',
        null,
        'provision the topology (provisionTopology) before consuming',
      );
    }
    checkConsumerSpec(spec, millis(stream.config.duplicate_window ?? 0));
    const config: Partial<ConsumerConfig> = {
      durable_name: spec.durable,
      filter_subject: spec.filterSubject,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      replay_policy: ReplayPolicy.Instant,
      ack_wait: nanos(spec.ackWaitMs),
      max_deliver: spec.maxDeliver,
      max_ack_pending: spec.maxAckPending,
      backoff: spec.backoffMs.length > 0 ? spec.backoffMs.map((ms) => nanos(ms)) : undefined,
    };
    let exists = true;
    try {
      await this.jsm.consumers.info(spec.stream, spec.durable);
    } catch (error) {
      if (apiCode(error) !== CONSUMER_NOT_FOUND) throw error;
      exists = false;
    }
    const info = await refused(`${spec.stream}/${spec.durable}`, () =>
      exists
        ? this.jsm.consumers.update(spec.stream, spec.durable, config)
        : this.jsm.consumers.add(spec.stream, config),
    );
    verifyConsumerConfig(spec, info.config);
  }

  async deleteStream(name: string): Promise<void> {
    try {
      await this.jsm.streams.delete(name);
    } catch (error) {
      if (apiCode(error) !== STREAM_NOT_FOUND) throw error;
    }
  }

  // ---- streams ------------------------------------------------------------------------------

  async publish(subject: string, data: Uint8Array, options: PublishOptions = {}): Promise<PubAck> {
    this.assertOpen('publish');
    try {
      const ack = await this.js.publish(subject, data, {
        msgID: options.msgId,
        headers: toNatsHeaders(options.headers),
        expect:
          options.expectedLastSubjectSequence !== undefined
            ? { lastSubjectSequence: options.expectedLastSubjectSequence }
            : undefined,
      });
      return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
    } catch (error) {
      if (apiCode(error) === WRONG_LAST_SEQUENCE)
        throw new RevisionConflictError(subject, options.expectedLastSubjectSequence ?? 0, { cause: error });
      // No stream answered: nats.js reports it as "JetStream not enabled", but connect() checked
      // that JetStream is on, so the subject is simply not captured by any stream.
      if (
        error instanceof Error &&
        /JetStreamNotEnabled|NoResponders/.test(`${error.name} ${(error.cause as Error | undefined)?.name}`)
      ) {
        throw new BusProvisioningError(
          subject,
          'stream',
          'a stream capturing this subject',
          null,
          'provision the topology (provisionTopology) before publishing',
        );
      }
      throw error;
    }
  }

  async consume(
    spec: ConsumerSpec,
    handler: MessageHandler,
    options?: ConsumeOptions,
  ): Promise<ConsumerHandle> {
    this.assertOpen('consume');
    await this.ensureConsumer(spec);
    const consumer = await this.js.consumers.get(spec.stream, spec.durable);
    const nc = this.nc;
    let current: { stop(): void } | undefined;
    let closed = false;
    const source: MessageSource = {
      async pull(max, deliver) {
        if (closed) return;
        const iter = await consumer.fetch({ max_messages: max, expires: PULL_EXPIRES_MS });
        current = iter;
        // close() ran while the pull request was being made: end it now, not at its expiry.
        if (closed) iter.stop();
        try {
          for await (const m of iter) deliver(inbound(m));
        } finally {
          current = undefined;
        }
      },
      async close() {
        closed = true;
        current?.stop();
      },
      async onMaxDeliveries(listener) {
        const sub: Subscription = nc.subscribe(
          `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${spec.stream}.${spec.durable}`,
          {
            // One replica handles each advisory; the dedupe id covers the rest.
            queue: `af-dlq-backstop`,
            callback: (err, msg) => {
              if (err) return;
              try {
                const advisory = msg.json<{ stream_seq: number; deliveries: number }>();
                listener(advisory.stream_seq, advisory.deliveries);
              } catch {
                // Not an advisory we understand: nothing to dead-letter.
              }
            },
          },
        );
        return () => sub.unsubscribe();
      },
    };
    const handle = startConsumerRunner({
      spec,
      handler,
      options,
      source,
      deadLetterSubject: deadLetterRoute(this, spec.stream) ?? this.deadLetterSubject(spec.stream),
      deadLetters: {
        publish: (subject, data, opts) => this.publish(subject, data, opts),
        load: async (stream, seq) => {
          const stored = await this.jsm.streams.getMessage(stream, { seq });
          return stored
            ? { subject: stored.subject, data: stored.data, headers: toHeaders(stored.header) }
            : null;
        },
      },
      log: this.log,
    });
    return trackConsumer(this.handles, spec, handle);
  }

  async lastOnSubject(
    stream: string,
    subject: string,
  ): Promise<{ seq: number; data: Uint8Array; headers: Headers } | null> {
    const stored = await this.jsm.streams.getMessage(stream, { last_by_subj: subject });
    return stored ? { seq: stored.seq, data: stored.data, headers: toHeaders(stored.header) } : null;
  }

  async readSubject(
    stream: string,
    subject: string,
  ): Promise<Array<{ seq: number; data: Uint8Array; headers: Headers }>> {
    // Message by message with next_by_subj: works on 2.9 (ordered consumers with a filter
    // would need filter_subjects, 2.10).
    const out: Array<{ seq: number; data: Uint8Array; headers: Headers }> = [];
    let seq = 1;
    for (;;) {
      const stored = await this.jsm.streams.getMessage(stream, { seq, next_by_subj: subject } as unknown as {
        seq: number;
      });
      if (!stored) return out;
      out.push({ seq: stored.seq, data: stored.data, headers: toHeaders(stored.header) });
      seq = stored.seq + 1;
    }
  }

  // ---- core request/reply -------------------------------------------------------------------

  request(subject: string, data: Uint8Array, options: RequestOptions): Promise<ReplyMessage> {
    return tracedRequest(subject, options, (traced) => this.requestUntraced(subject, data, traced));
  }

  private async requestUntraced(
    subject: string,
    data: Uint8Array,
    options: RequestOptions,
  ): Promise<ReplyMessage> {
    this.assertOpen('request');
    if (options.signal?.aborted) throw new RequestFailedError(subject, 'aborted');
    const pending = this.nc.request(subject, data, {
      timeout: options.timeoutMs,
      headers: toNatsHeaders(options.headers),
    });
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(new RequestFailedError(subject, 'aborted'));
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return toReply(await Promise.race([pending, aborted]));
    } catch (error) {
      if (error instanceof RequestFailedError) throw error;
      const text = `${(error as Error)?.name} ${(error as Error)?.message} ${String((error as { cause?: Error })?.cause?.name)}`;
      if (/NoResponders|no responders|503/i.test(text))
        throw new RequestFailedError(subject, 'no_responders', { cause: error });
      if (/Timeout/i.test(text)) throw new RequestFailedError(subject, 'timeout', { cause: error });
      throw error;
    } finally {
      if (onAbort) options.signal?.removeEventListener('abort', onAbort);
      pending.catch(() => undefined);
    }
  }

  async serve(
    subject: string,
    queue: string,
    untraced: (msg: ReplyMessage) => Promise<void> | void,
  ): Promise<ServiceHandle> {
    this.assertOpen('serve');
    const handler = tracedHandler(subject, untraced);
    const capturing: string[] = [];
    for await (const name of this.jsm.streams.names(subject)) capturing.push(name);
    if (capturing.length > 0) throw new RequestSubjectCapturedError(subject, capturing[0]);
    const sub = this.nc.subscribe(subject, {
      queue,
      callback: (err, msg) => {
        if (err) return;
        Promise.resolve()
          .then(() => handler(toReply(msg)))
          .catch((error: unknown) =>
            this.log.error({ err: String(error), subject }, 'request handler failed'),
          );
      },
    });
    return { stop: () => sub.drain() };
  }

  async subscribe(subject: string, handler: (msg: ReplyMessage) => void): Promise<ServiceHandle> {
    this.assertOpen('subscribe');
    const sub = this.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return;
        try {
          handler(toReply(msg));
        } catch (error) {
          this.log.error({ err: String(error), subject }, 'subscription handler failed');
        }
      },
    });
    return { stop: () => sub.drain() };
  }

  // ---- KV and object store ------------------------------------------------------------------

  /**
   * Opens (creating if needed) a bucket and checks the history and max age it was asked for on the
   * server: an existing bucket keeps its old settings, which must then be changed on purpose.
   */
  async kv(bucket: string, options: KvOptions = {}): Promise<KeyValueStore> {
    this.assertOpen('kv');
    const key = JSON.stringify([bucket, options.history ?? null, options.maxAgeMs ?? null]);
    let opening = this.kvHandles.get(key);
    if (!opening) {
      opening = this.openKv(bucket, options);
      this.kvHandles.set(key, opening);
      opening.catch(() => this.kvHandles.delete(key));
    }
    return opening;
  }

  private async openKv(bucket: string, options: KvOptions): Promise<KeyValueStore> {
    const kv = await new Kvm(this.js).create(bucket, {
      history: options.history ?? 1,
      ttl: options.maxAgeMs ?? 0,
    });
    const status = await kv.status();
    // Only what the caller asked for is checked: a service opening a provisioned bucket without
    // options binds to it as it is.
    const { history, maxAgeMs } = options;
    if (history !== undefined && status.history !== history)
      throw new BusProvisioningError(
        `KV ${bucket}`,
        'max_msgs_per_subject (history)',
        history,
        status.history,
        'the bucket exists with another history; update or recreate it',
      );
    if (maxAgeMs !== undefined && status.ttl !== maxAgeMs)
      throw new BusProvisioningError(
        `KV ${bucket}`,
        'max_age',
        maxAgeMs,
        status.ttl,
        'the bucket exists with another max age; update or recreate it',
      );
    return new JetStreamKv(bucket, kv);
  }

  async deleteKv(bucket: string): Promise<void> {
    for (const key of this.kvHandles.keys()) if (JSON.parse(key)[0] === bucket) this.kvHandles.delete(key);
    await this.deleteStream(`KV_${bucket}`);
  }

  async objects(bucket: string, options: ObjectStoreOptions = {}): Promise<ObjectStore> {
    this.assertOpen('objects');
    let opening = this.objectHandles.get(bucket);
    if (!opening) {
      const aging = options.maxAgeMs
        ? {
            ttl: nanos(options.maxAgeMs),
            duplicate_window: Math.min(nanos(120_000), nanos(options.maxAgeMs)),
          }
        : {};
      opening = new Objm(this.js).create(bucket, aging).then((os) => new JetStreamObjects(bucket, os));
      this.objectHandles.set(bucket, opening);
      opening.catch(() => this.objectHandles.delete(bucket));
    }
    const store = await opening;
    if (options.maxAgeMs !== undefined) await this.ensureObjectsMaxAge(bucket, options.maxAgeMs);
    return store;
  }

  /** An existing bucket keeps its stream's settings on open: bring its max age to the one asked for. */
  private async ensureObjectsMaxAge(bucket: string, maxAgeMs: number): Promise<void> {
    const name = `OBJ_${bucket}`;
    const info = await this.jsm.streams.info(name);
    if (info.config.max_age === nanos(maxAgeMs)) return;
    // The server refuses a duplicate window longer than the max age.
    const duplicate_window = Math.min(info.config.duplicate_window, nanos(maxAgeMs));
    await this.jsm.streams.update(name, { ...info.config, max_age: nanos(maxAgeMs), duplicate_window });
  }

  async deleteObjects(bucket: string): Promise<void> {
    this.objectHandles.delete(bucket);
    await this.deleteStream(`OBJ_${bucket}`);
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  isHealthy(): boolean {
    return !this.closed && this.connected && !this.nc.isClosed() && !this.nc.isDraining();
  }

  async drain(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.handles].map((h) => h.stop()));
    this.closed = true;
    await this.nc.drain();
  }
}

function inbound(m: JsMsg): InboundMessage {
  return {
    subject: m.subject,
    data: m.data,
    headers: toHeaders(m.headers),
    info: {
      deliveryCount: m.info.deliveryCount,
      redelivered: m.info.redelivered,
      streamSequence: m.info.streamSequence,
      stream: m.info.stream,
      consumer: m.info.consumer,
      timestampMs: Math.floor(m.info.timestampNanos / 1_000_000),
    },
    json: <T>() => parseJson<T>(m.data, m.subject),
    // A confirmed ack: when it is lost the server redelivers, and handlers are idempotent.
    ack: async () => {
      await m.ackAck({ timeout: 5000 });
    },
    nak: (delayMs) => (delayMs && delayMs > 0 ? m.nak(delayMs) : m.nak()),
    // nats-server 2.9 matches `+TERM` exactly: a reason suffix would not terminate the message.
    // The reason travels in the dead-letter copy's headers instead.
    term: () => m.term(),
    working: () => m.working(),
  };
}

class JetStreamKv implements KeyValueStore {
  constructor(
    readonly bucket: string,
    private readonly kv: KV,
  ) {}

  async get(key: string): Promise<KvEntry | null> {
    const e = await this.kv.get(key);
    if (!e || e.operation !== 'PUT') return null;
    return toKvEntry(e);
  }

  async create(key: string, value: Uint8Array): Promise<number> {
    try {
      return await this.kv.create(key, value);
    } catch (error) {
      if (apiCode(error) === WRONG_LAST_SEQUENCE)
        throw new RevisionConflictError(`${this.bucket}/${key}`, 0, { cause: error });
      throw error;
    }
  }

  async update(key: string, value: Uint8Array, revision: number): Promise<number> {
    try {
      return await this.kv.update(key, value, revision);
    } catch (error) {
      if (apiCode(error) === WRONG_LAST_SEQUENCE)
        throw new RevisionConflictError(`${this.bucket}/${key}`, revision, { cause: error });
      throw error;
    }
  }

  put(key: string, value: Uint8Array): Promise<number> {
    return this.kv.put(key, value);
  }

  async delete(key: string): Promise<void> {
    await this.kv.delete(key);
  }

  async purge(key: string): Promise<void> {
    await this.kv.purge(key);
  }

  async keys(filter?: string): Promise<string[]> {
    const out: string[] = [];
    for await (const k of await this.kv.keys(filter)) out.push(k);
    return out;
  }

  async watch(
    onChange: (entry: KvEntry) => void,
    options: { key?: string; includeHistory?: boolean } = {},
  ): Promise<() => void> {
    const iter = await this.kv.watch({
      key: options.key,
      include: options.includeHistory ? KvWatchInclude.LastValue : KvWatchInclude.UpdatesOnly,
    });
    void (async () => {
      for await (const e of iter) onChange(toKvEntry(e));
    })().catch(() => undefined);
    return () => iter.stop();
  }
}

class JetStreamObjects implements ObjectStore {
  constructor(
    readonly bucket: string,
    private readonly os: NatsObjectStore,
  ) {}

  async put(name: string, data: Uint8Array): Promise<BodyRef> {
    await this.os.putBlob({ name }, data);
    return { ref: `${this.bucket}/${name}`, sha256: sha256Hex(data), size: data.byteLength };
  }

  async get(ref: BodyRef | string): Promise<Uint8Array> {
    const name = objectName(this.bucket, typeof ref === 'string' ? ref : ref.ref);
    const data = await this.os.getBlob(name);
    if (!data) throw new ObjectIntegrityError(this.bucket, name, 'not found (expired or deleted)');
    if (typeof ref !== 'string') verifyBody(this.bucket, name, ref, data);
    return data;
  }

  async delete(name: string): Promise<void> {
    await this.os.delete(objectName(this.bucket, name));
  }
}
