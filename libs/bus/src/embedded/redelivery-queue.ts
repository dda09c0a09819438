/**
 * Messages of one embedded consumer waiting to be delivered again (nak with delay, ack wait
 * passed), with the time the first of them is due. A consumer looks here on every publish and
 * settle; with hundreds of timers nak'ed for 30 s each, scanning them all every time was a good
 * part of the embedded bus's cost, so the earliest due time is kept and a scan happens only when
 * something is due.
 */
export interface Redelivery {
  deliveries: number;
  availableAt: number;
}

export class RedeliveryQueue {
  private readonly bySeq = new Map<number, Redelivery>();
  /** The earliest `availableAt`, exact unless `stale` (then a lower bound). */
  private earliest = Infinity;
  private stale = false;

  has(seq: number): boolean {
    return this.bySeq.has(seq);
  }

  set(seq: number, entry: Redelivery): void {
    const previous = this.bySeq.get(seq);
    if (previous && previous.availableAt <= this.earliest) this.stale = true;
    this.bySeq.set(seq, entry);
    this.earliest = Math.min(this.earliest, entry.availableAt);
  }

  delete(seq: number): void {
    const entry = this.bySeq.get(seq);
    if (!entry) return;
    this.bySeq.delete(seq);
    if (entry.availableAt <= this.earliest) this.stale = true;
  }

  /** When the next message is due (epoch ms), or Infinity when none waits. */
  nextDueAt(): number {
    if (this.stale) {
      this.earliest = Infinity;
      for (const r of this.bySeq.values()) this.earliest = Math.min(this.earliest, r.availableAt);
      this.stale = false;
    }
    return this.earliest;
  }

  /** Takes the lowest sequence due by `now` out of the queue (JetStream redelivers in order). */
  takeDue(now: number): { seq: number; deliveries: number } | undefined {
    if (this.nextDueAt() > now) return undefined;
    let best: number | undefined;
    for (const [seq, r] of this.bySeq) {
      if (r.availableAt <= now && (best === undefined || seq < best)) best = seq;
    }
    if (best === undefined) return undefined;
    const { deliveries } = this.bySeq.get(best)!;
    this.delete(best);
    return { seq: best, deliveries };
  }
}
