/**
 * One stream of the embedded bus: stored messages by sequence, a dedupe window by message id,
 * max age.
 */
import type { StreamSpec } from '@agentflow/contracts';
import type { Headers } from '../bus';
import { subjectMatches } from '../subject-match';

export interface StoredMessage {
  seq: number;
  subject: string;
  data: Uint8Array;
  headers: Headers;
  timeMs: number;
}

export class EmbeddedStream {
  /** In sequence order (Map keeps insertion order). */
  readonly messages = new Map<number, StoredMessage>();
  /** Message id -> sequence and time, in time order. */
  private readonly dedupe = new Map<string, { seq: number; atMs: number }>();
  lastSeq = 0;
  /** Called when a message is removed (acked off a work queue, expired), so others can forget it. */
  onRemove?: (seq: number) => void;

  constructor(public spec: StreamSpec) {}

  captures(subject: string): boolean {
    return this.spec.subjects.some((pattern) => subjectMatches(pattern, subject));
  }

  /** The sequence of a message id stored inside the dedupe window, if any. */
  duplicateOf(msgId: string, now: number): number | undefined {
    this.expireDedupe(now);
    return this.dedupe.get(msgId)?.seq;
  }

  lastSequenceOn(subject: string): number {
    let last = 0;
    for (const m of this.messages.values()) if (m.subject === subject) last = m.seq;
    return last;
  }

  append(
    subject: string,
    data: Uint8Array,
    headers: Headers,
    msgId: string | undefined,
    now: number,
  ): StoredMessage {
    this.expire(now);
    const message: StoredMessage = {
      seq: ++this.lastSeq,
      subject,
      data: data.slice(),
      headers: { ...headers },
      timeMs: now,
    };
    this.messages.set(message.seq, message);
    if (msgId) this.dedupe.set(msgId, { seq: message.seq, atMs: now });
    return message;
  }

  /** Puts back a message read from disk (persistence), keeping its sequence and time. */
  restore(message: StoredMessage, msgId: string | undefined): void {
    this.messages.set(message.seq, message);
    this.lastSeq = Math.max(this.lastSeq, message.seq);
    if (msgId) this.dedupe.set(msgId, { seq: message.seq, atMs: message.timeMs });
  }

  /** Puts back a message id whose message is gone but whose dedupe window is still open (persistence). */
  restoreDedupe(msgId: string, seq: number, atMs: number): void {
    this.dedupe.set(msgId, { seq, atMs });
  }

  remove(seq: number): boolean {
    if (!this.messages.delete(seq)) return false;
    this.onRemove?.(seq);
    return true;
  }

  /** Drops messages older than max age (oldest first, so the scan stops at the first young one). */
  expire(now: number): void {
    if (this.spec.maxAgeMs <= 0) return;
    for (const m of this.messages.values()) {
      if (now - m.timeMs <= this.spec.maxAgeMs) break;
      this.remove(m.seq);
    }
  }

  private expireDedupe(now: number): void {
    for (const [id, entry] of this.dedupe) {
      if (now - entry.atMs <= this.spec.duplicateWindowMs) break;
      this.dedupe.delete(id);
    }
  }
}
