/**
 * A durable pull consumer of the embedded bus with JetStream's delivery rules: explicit acks,
 * ack-wait (or backoff) redelivery, nak with delay, term, max deliver with a max-deliveries event,
 * max ack pending. Several `consume()` calls on one durable pull from the same state and split the
 * work.
 */
import type { ConsumerSpec } from '@agentflow/contracts';
import type { InboundMessage } from '../bus';
import { parseJson } from '../message-codec';
import { subjectMatches } from '../subject-match';
import type { EmbeddedStream, StoredMessage } from './embedded-stream';
import { RedeliveryQueue } from './redelivery-queue';

/** How long an idle pull waits before it resolves empty, as a JetStream pull request expires. */
const PULL_EXPIRES_MS = 5000;

interface Pending {
  deliveries: number;
  timer: NodeJS.Timeout;
}

interface Waiter {
  owner: object;
  remaining: number;
  delivered: number;
  deliver: (msg: InboundMessage) => void;
  finish: () => void;
}

export class EmbeddedConsumer {
  /** Next stream sequence not yet delivered once. */
  private nextSeq = 1;
  private readonly pending = new Map<number, Pending>();
  /** Sequence -> deliveries so far and when it may be delivered again. */
  private readonly redeliver = new RedeliveryQueue();
  private readonly waiters: Waiter[] = [];
  private readonly maxDeliveryListeners = new Set<(seq: number, deliveries: number) => void>();
  private wakeTimer: NodeJS.Timeout | undefined;
  /** When the armed wake timer fires. */
  private wakeAt = Infinity;
  /** Sequences settled for good before a restart (persistence); skipped when delivering. */
  private readonly settledBefore = new Set<number>();
  /** Told when a message is settled for good: acked, termed or out of deliveries (persistence). */
  onSettled?: (seq: number) => void;
  private closed = false;

  constructor(
    public spec: ConsumerSpec,
    private readonly stream: EmbeddedStream,
    /** Called when a message is settled for good (ack or term), for work-queue/interest retention. */
    private readonly onDone: (seq: number, consumer: EmbeddedConsumer) => void,
  ) {}

  /** Whether this consumer has finished with a message (delivered and settled, or skipped). */
  isDoneWith(seq: number): boolean {
    return (
      this.settledBefore.has(seq) ||
      (seq < this.nextSeq && !this.pending.has(seq) && !this.redeliver.has(seq))
    );
  }

  matches(subject: string): boolean {
    return subjectMatches(this.spec.filterSubject, subject);
  }

  /** The stream removed a message: forget it. */
  forget(seq: number): void {
    const p = this.pending.get(seq);
    if (p) clearTimeout(p.timer);
    this.pending.delete(seq);
    this.redeliver.delete(seq);
  }

  /** Restores what was settled before a restart: everything up to `floor`, and `done` above it. */
  restoreSettled(floor: number, done: number[]): void {
    this.nextSeq = Math.max(this.nextSeq, floor + 1);
    for (const seq of done) this.settledBefore.add(seq);
  }

  onMaxDeliveries(listener: (seq: number, deliveries: number) => void): () => void {
    this.maxDeliveryListeners.add(listener);
    return () => this.maxDeliveryListeners.delete(listener);
  }

  /** A pull on behalf of `owner` (one `consume()` call); {@link release} ends it early. */
  pull(owner: object, max: number, deliver: (msg: InboundMessage) => void): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waiter: Waiter = {
        owner,
        remaining: max,
        delivered: 0,
        deliver,
        finish: () => {
          clearTimeout(expiry);
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          // Deliveries are handed over on setImmediate; resolving after them lets the caller count
          // them in flight before it works out how many more to pull (else it over-pulls).
          setImmediate(resolve);
        },
      };
      const expiry = setTimeout(() => waiter.finish(), PULL_EXPIRES_MS);
      this.waiters.push(waiter);
      this.dispatch();
    });
  }

  /** Ends the waiting pulls of one `consume()` call (it is stopping). */
  release(owner: object): void {
    for (const w of [...this.waiters]) if (w.owner === owner) w.finish();
  }

  close(): void {
    this.closed = true;
    for (const w of [...this.waiters]) w.finish();
    clearTimeout(this.wakeTimer);
    for (const p of this.pending.values()) clearTimeout(p.timer);
  }

  /** Something changed (a publish, a settle, a timer): hand out what is ready. */
  dispatch(): void {
    if (this.closed) return;
    const now = Date.now();
    this.stream.expire(now);
    while (this.waiters.length > 0 && this.pending.size < this.spec.maxAckPending) {
      const next = this.nextReady(now);
      if (!next) break;
      const waiter = this.waiters[0];
      this.deliverTo(waiter, next.message, next.deliveries);
      waiter.remaining -= 1;
      waiter.delivered += 1;
      if (waiter.remaining <= 0) waiter.finish();
    }
    // A pull that got something ends when nothing more is ready, so the caller re-pulls with its
    // current free capacity instead of holding capacity it may no longer have.
    for (const w of [...this.waiters]) if (w.delivered > 0) w.finish();
    this.scheduleWake(now);
  }

  private nextReady(now: number): { message: StoredMessage; deliveries: number } | undefined {
    const due = this.redeliver.takeDue(now);
    if (due) {
      const message = this.stream.messages.get(due.seq);
      if (message) return { message, deliveries: due.deliveries };
      return this.nextReady(now);
    }
    while (this.nextSeq <= this.stream.lastSeq) {
      const seq = this.nextSeq++;
      if (this.settledBefore.delete(seq)) continue;
      const message = this.stream.messages.get(seq);
      if (message && this.matches(message.subject)) return { message, deliveries: 0 };
    }
    return undefined;
  }

  private scheduleWake(now: number): void {
    const earliest = this.waiters.length === 0 ? Infinity : this.redeliver.nextDueAt();
    // Already armed for that time: keep the timer rather than re-arm it on every dispatch.
    if (this.wakeTimer && this.wakeAt === earliest) return;
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.wakeAt = Infinity;
    if (earliest === Infinity) return;
    this.wakeAt = earliest;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = undefined;
        this.wakeAt = Infinity;
        this.dispatch();
      },
      Math.max(0, earliest - now),
    );
  }

  /** The server's ack deadline for a delivery: the backoff entry when a backoff is set, else ack wait. */
  private deadlineMs(deliveries: number): number {
    const b = this.spec.backoffMs;
    return b.length > 0 ? b[Math.min(deliveries - 1, b.length - 1)] : this.spec.ackWaitMs;
  }

  private deliverTo(waiter: Waiter, message: StoredMessage, previousDeliveries: number): void {
    const seq = message.seq;
    const deliveries = previousDeliveries + 1;
    const settleable = () => this.pending.get(seq)?.deliveries === deliveries;
    const arm = () => setTimeout(() => this.expired(seq), this.deadlineMs(deliveries));
    this.pending.set(seq, { deliveries, timer: arm() });
    const settle = () => {
      const p = this.pending.get(seq);
      if (p) clearTimeout(p.timer);
      this.pending.delete(seq);
    };
    const inbound: InboundMessage = {
      subject: message.subject,
      data: message.data,
      headers: { ...message.headers },
      info: {
        deliveryCount: deliveries,
        redelivered: deliveries > 1,
        streamSequence: seq,
        stream: this.stream.spec.name,
        consumer: this.spec.durable,
        timestampMs: message.timeMs,
      },
      json: <T>() => parseJson<T>(message.data, message.subject),
      ack: async () => {
        if (!settleable()) return;
        settle();
        this.onSettled?.(seq);
        this.onDone(seq, this);
        this.dispatch();
      },
      nak: (delayMs = 0) => {
        if (!settleable()) return;
        settle();
        this.retry(seq, deliveries, Date.now() + Math.max(0, delayMs));
        this.dispatch();
      },
      term: () => {
        if (!settleable()) return;
        settle();
        this.onSettled?.(seq);
        this.onDone(seq, this);
        this.dispatch();
      },
      working: () => {
        const p = this.pending.get(seq);
        if (!p || p.deliveries !== deliveries) return;
        clearTimeout(p.timer);
        p.timer = arm();
      },
    };
    // Delivered asynchronously, like a message arriving from a server.
    setImmediate(() => waiter.deliver(inbound));
  }

  private expired(seq: number): void {
    const p = this.pending.get(seq);
    if (!p) return;
    this.pending.delete(seq);
    this.retry(seq, p.deliveries, Date.now());
    this.dispatch();
  }

  /** Queue a redelivery, or give up after max deliver and tell the listeners (the advisory). */
  private retry(seq: number, deliveries: number, availableAt: number): void {
    if (this.spec.maxDeliver > 0 && deliveries >= this.spec.maxDeliver) {
      this.onSettled?.(seq);
      for (const listener of this.maxDeliveryListeners) listener(seq, deliveries);
      return;
    }
    this.redeliver.set(seq, { deliveries, availableAt });
  }
}
