/**
 * {@link MessageBus} in one process, with the semantics the contract suite checks on JetStream:
 * streams with wildcards, limits/workqueue/interest retention, max age, dedupe windows, durable
 * pull consumers (run by the shared consumer runner), KV with revisions, the object store,
 * request/reply with queue groups and plain subscriptions. It exists for one process; it does not
 * pretend to be distributed.
 */
import { topology as defaultTopology, type ConsumerSpec, type StreamSpec } from '@agentflow/contracts';
import type {
  ConsumeOptions,
  ConsumerHandle,
  Headers,
  KeyValueStore,
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
} from '../bus';
import { trackConsumer, startConsumerRunner, type MessageSource } from '../consumer-runner';
import { deadLetterRoute } from '../dead-letter-routes';
import {
  BusClosedError,
  BusProvisioningError,
  RequestFailedError,
  RequestSubjectCapturedError,
  RevisionConflictError,
} from '../errors';
import { busLog, type BusLogger } from '../log';
import { parseJson } from '../message-codec';
import { checkConsumerSpec } from '../provisioning-rules';
import { subjectMatches, subjectsOverlap } from '../subject-match';
import { EmbeddedConsumer } from './embedded-consumer';
import { EmbeddedKv } from './embedded-kv';
import { EmbeddedObjects, type ObjectBacking } from './embedded-objects';
import { FileJournal } from './file-journal';
import { EmbeddedStream, type StoredMessage } from './embedded-stream';
import { tracedHandler, tracedRequest } from '../trace-context';

export interface EmbeddedBusOptions {
  /**
   * Keep streams, consumer positions, KV buckets and object-store bodies in this directory, and
   * restore them when a bus is created on it again. Unset: memory only.
   */
  dataDir?: string;
  /** Dead-letter subject per stream name. @default `topology('af').subjects.dlq` */
  deadLetterSubject?: (stream: string) => string;
  log?: BusLogger;
}

interface Listener {
  subject: string;
  queue?: string;
  handler: (msg: ReplyMessage) => void | Promise<void>;
}

export class EmbeddedBus implements MessageBus {
  readonly kind = 'embedded' as const;
  protected readonly streams = new Map<string, EmbeddedStream>();
  protected readonly consumers = new Map<string, EmbeddedConsumer>();
  protected readonly kvs = new Map<string, EmbeddedKv>();
  protected readonly objectStores = new Map<string, EmbeddedObjects>();
  private readonly listeners = new Set<Listener>();
  private readonly handles = new Set<ConsumerHandle>();
  private readonly roundRobin = new Map<string, number>();
  /**
   * Which stream captures a subject, and each stream's consumers: looked up on every publish and
   * settle, so kept until a stream or consumer is created, changed or deleted.
   */
  private readonly streamOfSubject = new Map<string, EmbeddedStream | null>();
  private readonly consumersByStream = new Map<string, EmbeddedConsumer[]>();
  private readonly deadLetterSubject: (stream: string) => string;
  private readonly log: BusLogger;
  private journal?: FileJournal;
  private closed = false;

  constructor(options: EmbeddedBusOptions = {}) {
    this.deadLetterSubject = options.deadLetterSubject ?? defaultTopology().subjects.dlq;
    this.log = options.log ?? busLog;
    if (options.dataDir) {
      const journal = new FileJournal(options.dataDir);
      this.restore(journal);
      // Set after restoring, so putting state back is not journaled again.
      this.journal = journal;
    }
  }

  /** The data directory, when this bus persists. */
  get dataDir(): string | undefined {
    return this.journal?.dir;
  }

  private restore(journal: FileJournal): void {
    const now = Date.now();
    for (const loaded of journal.loadStreams(now)) {
      const stream = this.createStream(loaded.spec);
      for (const { message, msgId } of loaded.messages) stream.restore(message, msgId);
      for (const d of loaded.dedupe) stream.restoreDedupe(d.msgId, d.seq, d.atMs);
      stream.lastSeq = Math.max(stream.lastSeq, loaded.lastSeq);
    }
    const consumers = journal.loadConsumers(
      (stream, seq) => !this.streams.get(stream)?.messages.has(seq),
      (stream) => this.streams.get(stream)?.lastSeq ?? 0,
    );
    for (const loaded of consumers) {
      if (!this.streams.has(loaded.spec.stream)) continue;
      this.createConsumer(loaded.spec).restoreSettled(loaded.floor, loaded.done);
    }
    for (const loaded of journal.loadKv(now))
      this.createKv(loaded.bucket, loaded.options).restore(loaded.records);
    for (const bucket of journal.objectBuckets()) this.createObjects(bucket, journal);
  }

  private assertOpen(operation: string): void {
    if (this.closed) throw new BusClosedError(operation);
  }

  private consumerKey(stream: string, durable: string): string {
    return `${stream}/${durable}`;
  }

  // ---- provisioning -------------------------------------------------------------------------

  async ensureStream(spec: StreamSpec): Promise<void> {
    this.assertOpen('ensureStream');
    if (spec.duplicateWindowMs > spec.maxAgeMs && spec.maxAgeMs > 0) {
      throw new BusProvisioningError(
        spec.name,
        'duplicate_window',
        `at most max_age (${spec.maxAgeMs} ms)`,
        spec.duplicateWindowMs,
        'shorten the dedupe window',
      );
    }
    for (const other of this.streams.values()) {
      if (other.spec.name === spec.name) continue;
      for (const a of spec.subjects) {
        for (const b of other.spec.subjects) {
          if (subjectsOverlap(a, b)) {
            throw new BusProvisioningError(
              spec.name,
              'subjects',
              `no overlap with stream ${other.spec.name}`,
              a,
              `${b} already captures it; one subject belongs to one stream`,
            );
          }
        }
      }
    }
    const existing = this.streams.get(spec.name);
    if (existing) {
      if (existing.spec.retention !== spec.retention) {
        throw new BusProvisioningError(
          spec.name,
          'retention',
          spec.retention,
          existing.spec.retention,
          'retention cannot change on a live stream; delete and recreate it',
        );
      }
      existing.spec = { ...spec, subjects: [...spec.subjects] };
      this.streamOfSubject.clear();
    } else {
      this.createStream(spec);
    }
    this.journal?.streamEnsured(spec);
  }

  private createStream(spec: StreamSpec): EmbeddedStream {
    const stream = new EmbeddedStream({ ...spec, subjects: [...spec.subjects] });
    stream.onRemove = (seq) => {
      for (const c of this.consumersOf(spec.name)) c.forget(seq);
      this.journal?.removed(spec.name, seq);
    };
    this.streams.set(spec.name, stream);
    this.streamOfSubject.clear();
    return stream;
  }

  private consumersOf(stream: string): EmbeddedConsumer[] {
    let found = this.consumersByStream.get(stream);
    if (!found) {
      found = [...this.consumers.entries()].filter(([key]) => key.startsWith(`${stream}/`)).map(([, c]) => c);
      this.consumersByStream.set(stream, found);
    }
    return found;
  }

  async ensureConsumer(spec: ConsumerSpec): Promise<void> {
    this.assertOpen('ensureConsumer');
    const stream = this.streams.get(spec.stream);
    const resource = this.consumerKey(spec.stream, spec.durable);
    if (!stream) {
      throw new BusProvisioningError(
        resource,
        'stream',
        'an existing stream',
        null,
        'provision the topology (provisionTopology) before consuming',
      );
    }
    checkConsumerSpec(spec, stream.spec.duplicateWindowMs);
    if (stream.spec.retention === 'workqueue') {
      for (const other of this.consumersOf(spec.stream)) {
        if (
          other.spec.durable !== spec.durable &&
          subjectsOverlap(other.spec.filterSubject, spec.filterSubject)
        ) {
          throw new BusProvisioningError(
            resource,
            'filter_subject',
            `no overlap with consumer ${other.spec.durable} on work-queue stream`,
            spec.filterSubject,
            'a work-queue stream gives each subject to one consumer',
          );
        }
      }
    }
    const key = this.consumerKey(spec.stream, spec.durable);
    const existing = this.consumers.get(key);
    if (existing) {
      existing.spec = { ...spec };
    } else {
      this.createConsumer(spec);
    }
    this.journal?.consumerEnsured(spec);
  }

  private createConsumer(spec: ConsumerSpec): EmbeddedConsumer {
    const stream = this.streams.get(spec.stream)!;
    const consumer = new EmbeddedConsumer({ ...spec }, stream, (seq) => this.settledForGood(stream, seq));
    consumer.onSettled = (seq) => this.journal?.consumerDone(spec.stream, spec.durable, seq);
    this.consumers.set(this.consumerKey(spec.stream, spec.durable), consumer);
    this.consumersByStream.clear();
    return consumer;
  }

  private settledForGood(stream: EmbeddedStream, seq: number): void {
    if (stream.spec.retention === 'workqueue') {
      stream.remove(seq);
    } else if (stream.spec.retention === 'interest') {
      const message = stream.messages.get(seq);
      if (!message) return;
      const interested = this.consumersOf(stream.spec.name).filter((c) => c.matches(message.subject));
      if (interested.every((c) => c.isDoneWith(seq))) stream.remove(seq);
    }
  }

  async deleteStream(name: string): Promise<void> {
    for (const [key, consumer] of this.consumers) {
      if (key.startsWith(`${name}/`)) {
        consumer.close();
        this.consumers.delete(key);
      }
    }
    this.consumersByStream.clear();
    this.streamOfSubject.clear();
    if (this.streams.delete(name)) this.journal?.streamDeleted(name);
  }

  // ---- streams ------------------------------------------------------------------------------

  private streamFor(subject: string): EmbeddedStream | undefined {
    let found = this.streamOfSubject.get(subject);
    if (found === undefined) {
      found = null;
      for (const stream of this.streams.values()) {
        if (stream.captures(subject)) {
          found = stream;
          break;
        }
      }
      // Per-run subjects (history, progress) make this grow without end: start over now and then.
      if (this.streamOfSubject.size >= 10_000) this.streamOfSubject.clear();
      this.streamOfSubject.set(subject, found);
    }
    return found ?? undefined;
  }

  async publish(subject: string, data: Uint8Array, options: PublishOptions = {}): Promise<PubAck> {
    this.assertOpen('publish');
    const stream = this.streamFor(subject);
    if (!stream) {
      throw new BusProvisioningError(
        subject,
        'stream',
        'a stream capturing this subject',
        null,
        'provision the topology (provisionTopology) before publishing',
      );
    }
    const now = Date.now();
    if (options.msgId) {
      const seq = stream.duplicateOf(options.msgId, now);
      if (seq !== undefined) return { stream: stream.spec.name, seq, duplicate: true };
    }
    if (options.expectedLastSubjectSequence !== undefined) {
      stream.expire(now);
      const last = stream.lastSequenceOn(subject);
      if (last !== options.expectedLastSubjectSequence)
        throw new RevisionConflictError(subject, options.expectedLastSubjectSequence);
    }
    const headers: Headers = { ...(options.headers ?? {}) };
    if (options.msgId) headers['Nats-Msg-Id'] = options.msgId;
    const message = stream.append(subject, data, headers, options.msgId, now);
    this.journal?.appended(stream.spec.name, message, options.msgId);
    for (const consumer of this.consumersOf(stream.spec.name)) consumer.dispatch();
    // Core subscribers see stream subjects too, as on NATS (a JetStream publish is a core publish).
    this.notifySubscribers(subject, message.data, headers);
    return { stream: stream.spec.name, seq: message.seq, duplicate: false };
  }

  async consume(
    spec: ConsumerSpec,
    handler: MessageHandler,
    options?: ConsumeOptions,
  ): Promise<ConsumerHandle> {
    this.assertOpen('consume');
    await this.ensureConsumer(spec);
    const consumer = this.consumers.get(this.consumerKey(spec.stream, spec.durable))!;
    const owner = {};
    let closed = false;
    const source: MessageSource = {
      pull: (max, deliver) => (closed ? Promise.resolve() : consumer.pull(owner, max, deliver)),
      close: async () => {
        closed = true;
        consumer.release(owner);
      },
      onMaxDeliveries: async (listener) => consumer.onMaxDeliveries(listener),
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
          const m = this.streams.get(stream)?.messages.get(seq);
          return m ? { subject: m.subject, data: m.data, headers: m.headers } : null;
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
    const s = this.streams.get(stream);
    if (!s) return null;
    s.expire(Date.now());
    let last: StoredMessage | undefined;
    for (const m of s.messages.values()) if (subjectMatches(subject, m.subject)) last = m;
    return last ? { seq: last.seq, data: last.data.slice(), headers: { ...last.headers } } : null;
  }

  async readSubject(
    stream: string,
    subject: string,
  ): Promise<Array<{ seq: number; data: Uint8Array; headers: Headers }>> {
    const s = this.streams.get(stream);
    if (!s) return [];
    s.expire(Date.now());
    return [...s.messages.values()]
      .filter((m) => subjectMatches(subject, m.subject))
      .map((m) => ({ seq: m.seq, data: m.data.slice(), headers: { ...m.headers } }));
  }

  // ---- core request/reply -------------------------------------------------------------------

  private reply(
    subject: string,
    data: Uint8Array,
    headers: Headers,
    respond: ReplyMessage['respond'],
  ): ReplyMessage {
    return { subject, data, headers, json: <T>() => parseJson<T>(data, subject), respond };
  }

  /** Plain subscribers get every message; each queue group gets it once (round robin). */
  private recipients(subject: string): Listener[] {
    const matching = [...this.listeners].filter((l) => subjectMatches(l.subject, subject));
    const out = matching.filter((l) => !l.queue);
    const groups = new Map<string, Listener[]>();
    for (const l of matching) if (l.queue) groups.set(l.queue, [...(groups.get(l.queue) ?? []), l]);
    for (const [queue, members] of groups) {
      const key = `${queue}\u0000${subject}`;
      const turn = this.roundRobin.get(key) ?? 0;
      this.roundRobin.set(key, turn + 1);
      out.push(members[turn % members.length]);
    }
    return out;
  }

  private notifySubscribers(subject: string, data: Uint8Array, headers: Headers): void {
    for (const l of this.recipients(subject)) {
      const msg = this.reply(subject, data.slice(), { ...headers }, () => undefined);
      setImmediate(() => this.invoke(l, msg));
    }
  }

  private invoke(listener: Listener, msg: ReplyMessage): void {
    Promise.resolve()
      .then(() => listener.handler(msg))
      .catch((error: unknown) =>
        this.log.error({ err: String(error), subject: msg.subject }, 'subscription handler failed'),
      );
  }

  request(subject: string, data: Uint8Array, options: RequestOptions): Promise<ReplyMessage> {
    return tracedRequest(subject, options, (traced) => this.requestUntraced(subject, data, traced));
  }

  private async requestUntraced(
    subject: string,
    data: Uint8Array,
    options: RequestOptions,
  ): Promise<ReplyMessage> {
    this.assertOpen('request');
    const capturing = this.streamFor(subject);
    if (capturing) throw new RequestSubjectCapturedError(subject, capturing.spec.name);
    if (options.signal?.aborted) throw new RequestFailedError(subject, 'aborted');
    const targets = this.recipients(subject);
    if (targets.length === 0) throw new RequestFailedError(subject, 'no_responders');
    return new Promise<ReplyMessage>((resolve, reject) => {
      let done = false;
      const finish = (fn: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const timer = setTimeout(
        () => finish(() => reject(new RequestFailedError(subject, 'timeout'))),
        options.timeoutMs,
      );
      const onAbort = () => finish(() => reject(new RequestFailedError(subject, 'aborted')));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      for (const target of targets) {
        const msg = this.reply(
          subject,
          data.slice(),
          { ...(options.headers ?? {}) },
          (replyData, replyHeaders) => {
            finish(() =>
              resolve(this.reply(subject, replyData.slice(), { ...(replyHeaders ?? {}) }, () => undefined)),
            );
          },
        );
        setImmediate(() => this.invoke(target, msg));
      }
    });
  }

  async serve(
    subject: string,
    queue: string,
    untraced: (msg: ReplyMessage) => Promise<void> | void,
  ): Promise<ServiceHandle> {
    this.assertOpen('serve');
    const handler = tracedHandler(subject, untraced);
    const capturing = this.streamFor(subject);
    if (capturing) throw new RequestSubjectCapturedError(subject, capturing.spec.name);
    const listener: Listener = { subject, queue, handler };
    this.listeners.add(listener);
    return { stop: async () => void this.listeners.delete(listener) };
  }

  async subscribe(subject: string, handler: (msg: ReplyMessage) => void): Promise<ServiceHandle> {
    this.assertOpen('subscribe');
    const listener: Listener = { subject, handler };
    this.listeners.add(listener);
    return { stop: async () => void this.listeners.delete(listener) };
  }

  // ---- KV and object store ------------------------------------------------------------------

  async kv(bucket: string, options: KvOptions = {}): Promise<KeyValueStore> {
    this.assertOpen('kv');
    const existing = this.kvs.get(bucket);
    if (existing) {
      existing.checkOptions(options);
      return existing;
    }
    this.journal?.kvCreated(bucket, options);
    return this.createKv(bucket, options);
  }

  private createKv(bucket: string, options: KvOptions): EmbeddedKv {
    const kv = new EmbeddedKv(bucket, options);
    kv.onWrite = (record) => this.journal?.kvWritten(bucket, record);
    this.kvs.set(bucket, kv);
    return kv;
  }

  async deleteKv(bucket: string): Promise<void> {
    if (this.kvs.delete(bucket)) this.journal?.kvDeleted(bucket);
  }

  async objects(bucket: string, options: ObjectStoreOptions = {}): Promise<ObjectStore> {
    this.assertOpen('objects');
    const store = this.objectStores.get(bucket) ?? this.createObjects(bucket, this.journal);
    if (options.maxAgeMs !== undefined) store.setMaxAge(options.maxAgeMs);
    return store;
  }

  private createObjects(bucket: string, journal: FileJournal | undefined): EmbeddedObjects {
    let backing: ObjectBacking | undefined;
    if (journal) {
      journal.objectBucketCreated(bucket);
      backing = {
        write: (name, data) => journal.writeObject(bucket, name, data),
        read: (name) => journal.readObject(bucket, name),
        remove: (name) => journal.deleteObject(bucket, name),
        list: () => journal.listObjects(bucket),
      };
    }
    const store = new EmbeddedObjects(bucket, backing);
    this.objectStores.set(bucket, store);
    return store;
  }

  async deleteObjects(bucket: string): Promise<void> {
    if (this.objectStores.delete(bucket)) this.journal?.objectBucketDeleted(bucket);
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  isHealthy(): boolean {
    return !this.closed;
  }

  async drain(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.handles].map((h) => h.stop()));
    this.closed = true;
    for (const consumer of this.consumers.values()) consumer.close();
    this.listeners.clear();
    this.journal?.close();
  }
}
