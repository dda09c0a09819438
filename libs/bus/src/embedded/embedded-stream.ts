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

  /** Live sequences per subject, ascending: the expected-last-subject-sequence check reads the last one. */
  private readonly bySubject = new Map<string, number[]>();

  lastSequenceOn(subject: string): number {
    const seqs = this.bySubject.get(subject);
    return seqs ? seqs[seqs.length - 1] : 0;
  }

  private index(message: StoredMessage): void {
    const seqs = this.bySubject.get(message.subject);
    if (!seqs) this.bySubject.set(message.subject, [message.seq]);
    else if (seqs[seqs.length - 1] < message.seq) seqs.push(message.seq);
    else
      seqs.splice(
        seqs.findIndex((s) => s > message.seq),
        0,
        message.seq,
      );
  }

  private unindex(message: StoredMessage): void {
    const seqs = this.bySubject.get(message.subject);
    if (!seqs) return;
    const i = seqs.indexOf(message.seq);
    if (i >= 0) seqs.splice(i, 1);
    if (seqs.length === 0) this.bySubject.delete(message.subject);
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
    this.index(message);
    if (msgId) this.dedupe.set(msgId, { seq: message.seq, atMs: now });
    return message;
  }

  /** Puts back a message read from disk (persistence), keeping its sequence and time. */
  restore(message: StoredMessage, msgId: string | undefined): void {
    this.messages.set(message.seq, message);
    this.index(message);
    this.lastSeq = Math.max(this.lastSeq, message.seq);
    if (msgId) this.dedupe.set(msgId, { seq: message.seq, atMs: message.timeMs });
  }

  /** Puts back a message id whose message is gone but whose dedupe window is still open (persistence). */
  restoreDedupe(msgId: string, seq: number, atMs: number): void {
    this.dedupe.set(msgId, { seq, atMs });
  }

  remove(seq: number): boolean {
    const message = this.messages.get(seq);
    if (!message) return false;
    this.messages.delete(seq);
    this.unindex(message);
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
