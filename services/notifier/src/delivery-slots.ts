/**
 * Deliveries in flight across all of the notifier's consumers, at most `size` at once, first come
 * first served. The notifier sizes it from the database pool (`DATABASE_POOL_SIZE`): 6 consumers at
 * concurrency 8 on a pool of 10 is how it starved its pool (issue 17, defect 1).
 *
 * A message waiting for a slot is still held, un-acked, by this process. That is safe because the
 * consumer runner heartbeats (`working()`) every message for as long as its handler runs, the wait
 * included: the server neither redelivers it nor counts another delivery. On stop, {@link close}
 * hands the waiting ones back so another replica takes them at once instead of after the ack wait.
 */
export class SlotsClosedError extends Error {
  constructor() {
    super('the notifier is stopping: this delivery was handed back to the bus before it started');
    this.name = 'SlotsClosedError';
  }
}

export class DeliverySlots {
  private free: number;
  private closed = false;
  private readonly waiting: Array<{ since: number; resolve: () => void; reject: (e: Error) => void }> = [];

  /** `size`: deliveries at once; `Infinity` for no bound (PGlite, whose one connection queues in process). */
  constructor(readonly size: number) {
    if (!(size >= 1)) throw new RangeError(`delivery slots need a size of at least 1, got ${size}`);
    this.free = size;
  }

  /** Deliveries waiting for a slot, and how long the oldest has waited (ms, 0 when none). */
  queue(now = Date.now()): { waiting: number; oldestMs: number } {
    return { waiting: this.waiting.length, oldestMs: this.waiting.length ? now - this.waiting[0].since : 0 };
  }

  /** Runs `fn` in a slot, waiting for one first when all are taken. Rejects with SlotsClosedError after {@link close}. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new SlotsClosedError();
    if (this.free > 0) this.free -= 1;
    else
      await new Promise<void>((resolve, reject) => this.waiting.push({ since: Date.now(), resolve, reject }));
    try {
      return await fn();
    } finally {
      // A finished delivery's slot passes straight to the oldest waiter.
      const next = this.waiting.shift();
      if (next) next.resolve();
      else this.free += 1;
    }
  }

  /** Refuses new deliveries and rejects the waiting ones (SlotsClosedError); running ones finish. Returns how many were waiting. */
  close(): number {
    this.closed = true;
    const waiting = this.waiting.splice(0);
    for (const w of waiting) w.reject(new SlotsClosedError());
    return waiting.length;
  }
}
