/**
 * A shared allowance (dollars of a budget, requests or tokens of a rate limit) that many gateway
 * replicas spend without a network round trip per request. The shared total lives in one NATS KV
 * entry per window (`{limit, granted, spent, alerted}`); a replica leases a slice of it by
 * compare-and-set, in the background before it runs out, and reserves from that slice locally.
 * Everything granted stays within the limit, so the total spent can pass the limit by at most what
 * one settlement exceeds its reservation: less than one lease.
 */
import type { KeyValueStore } from '@agentflow/bus';
import type { Clock } from './clock';
import type { AccountingWindow } from './windows';

export interface AllowanceRecord {
  limit: number;
  /** Sum of all leases handed to replicas in this window. */
  granted: number;
  /** Sum of settled use reported by replicas. */
  spent: number;
  /** Alert thresholds already raised (fractions of the limit). */
  alerted: number[];
}

/** No room left in this window; try again at `retryAt`. */
export class AllowanceExhausted extends Error {
  constructor(
    readonly key: string,
    readonly retryAt: number,
  ) {
    super(`${key} is exhausted until ${new Date(retryAt).toISOString()}`);
  }
}

/** A reservation to settle once the real use is known. */
export interface Reservation {
  readonly amount: number;
  readonly windowId: string;
}

export interface AllowanceOptions {
  kv: KeyValueStore;
  /** KV key prefix; the window id is appended. */
  key: string;
  limit: number;
  leaseSize: number;
  window: (now: number) => AccountingWindow;
  clock: Clock;
  /** Called with the thresholds this replica was first to cross (so an alert is raised once). */
  onThresholds?: (crossed: number[], record: AllowanceRecord, windowId: string) => void;
  thresholds?: number[];
  /** Report settled use to the shared record (budgets do; rate limits need not). @default false */
  trackSpent?: boolean;
  onError?: (error: unknown) => void;
}

const encoder = new TextEncoder();
const MAX_CAS_TRIES = 12;

export class LeasedAllowance {
  private current: AccountingWindow = { id: '', endsAt: 0 };
  private local = 0;
  private inFlight = 0;
  private exhaustedIn: string | null = null;
  private leasing: Promise<void> | null = null;
  private waiters: Array<() => void> = [];
  private unflushed = new Map<string, number>();
  private flushTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private lastRecord: AllowanceRecord | null = null;

  constructor(private readonly o: AllowanceOptions) {}

  get key(): string {
    return this.o.key;
  }

  get limit(): number {
    return this.o.limit;
  }

  /** Fraction of the limit not yet committed anywhere, as this replica last saw it (1 = untouched). */
  remainingFraction(): number {
    this.roll();
    if (!this.lastRecord) return 1;
    const free = this.o.limit - this.lastRecord.granted + Math.max(0, this.local);
    return Math.max(0, Math.min(1, free / this.o.limit));
  }

  /** When the current window ends. */
  windowEndsAt(): number {
    this.roll();
    return this.current.endsAt;
  }

  /**
   * Reserves `amount` from the local slice, leasing more when it runs short. With `waitForSettle`,
   * a shortfall while other reservations are in flight waits for them to settle (they usually use
   * less than reserved) instead of failing: no false "exceeded" under concurrency.
   */
  async reserve(amount: number, waitForSettle: boolean): Promise<Reservation> {
    for (;;) {
      this.roll();
      if (this.local >= amount) {
        this.local -= amount;
        this.inFlight += 1;
        this.prefetch();
        return { amount, windowId: this.current.id };
      }
      if (this.exhaustedIn !== this.current.id) {
        await this.lease(amount - this.local);
        continue;
      }
      if (waitForSettle && this.inFlight > 0) {
        await new Promise<void>((resolve) => this.waiters.push(resolve));
        continue;
      }
      throw new AllowanceExhausted(this.o.key, this.current.endsAt);
    }
  }

  /** Settles a reservation with the real use: the unused part returns to the local slice. */
  settle(reservation: Reservation, used: number): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (reservation.windowId === this.current.id) this.local += reservation.amount - used;
    if (this.o.trackSpent && used > 0) {
      this.unflushed.set(reservation.windowId, (this.unflushed.get(reservation.windowId) ?? 0) + used);
      this.scheduleFlush();
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /**
   * Records spend that had no reservation in this process (a job launched before a restart): it
   * comes out of the local slice, which may go below zero until the next lease covers it.
   */
  charge(used: number): void {
    this.roll();
    this.local -= used;
    if (this.o.trackSpent && used > 0) {
      this.unflushed.set(this.current.id, (this.unflushed.get(this.current.id) ?? 0) + used);
      this.scheduleFlush();
    }
  }

  /** Writes pending spend to the shared record now (shutdown, tests). */
  async flush(): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    while (this.flushing) await this.flushing;
    if (this.unflushed.size === 0) return;
    this.flushing = this.writeSpent().finally(() => {
      this.flushing = null;
    });
    await this.flushing;
  }

  /** Shared record of the current window as stored. */
  async record(): Promise<AllowanceRecord | null> {
    this.roll();
    const entry = await this.o.kv.get(this.kvKey(this.current.id));
    return entry ? entry.json<AllowanceRecord>() : null;
  }

  private kvKey(windowId: string): string {
    return `${this.o.key}.${windowId}`;
  }

  private roll(): void {
    const w = this.o.window(this.o.clock.now());
    if (w.id === this.current.id) return;
    this.current = w;
    this.local = 0;
    this.exhaustedIn = null;
    this.lastRecord = null;
  }

  private prefetch(): void {
    if (this.leasing || this.exhaustedIn === this.current.id || this.local >= this.o.leaseSize / 2) return;
    this.lease(0).catch((e: unknown) => this.o.onError?.(e));
  }

  private lease(need: number): Promise<void> {
    if (!this.leasing) {
      this.leasing = this.takeLease(need).finally(() => {
        this.leasing = null;
      });
    }
    return this.leasing;
  }

  private async takeLease(need: number): Promise<void> {
    const windowId = this.current.id;
    const key = this.kvKey(windowId);
    for (let i = 0; i < MAX_CAS_TRIES; i++) {
      const entry = await this.o.kv.get(key);
      const rec: AllowanceRecord = entry
        ? entry.json<AllowanceRecord>()
        : { limit: this.o.limit, granted: 0, spent: 0, alerted: [] };
      const room = this.o.limit - rec.granted;
      if (room <= 1e-12) {
        this.lastRecord = rec;
        if (windowId === this.current.id) this.exhaustedIn = windowId;
        return;
      }
      const grant = Math.min(Math.max(this.o.leaseSize, need), room);
      const next: AllowanceRecord = { ...rec, limit: this.o.limit, granted: rec.granted + grant };
      try {
        if (entry) await this.o.kv.update(key, encoder.encode(JSON.stringify(next)), entry.revision);
        else await this.o.kv.create(key, encoder.encode(JSON.stringify(next)));
      } catch {
        continue; // another replica changed the record first: read it again
      }
      this.lastRecord = next;
      if (windowId === this.current.id) this.local += grant;
      return;
    }
    throw new Error(`${this.o.key}: could not lease after ${MAX_CAS_TRIES} compare-and-set conflicts`);
  }

  private scheduleFlush(): void {
    if (this.flushTimer || this.flushing) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.flush().catch((e: unknown) => this.o.onError?.(e));
    }, 200);
    this.flushTimer.unref?.();
  }

  private async writeSpent(): Promise<void> {
    const pending = [...this.unflushed];
    this.unflushed.clear();
    for (const [windowId, used] of pending) {
      const key = this.kvKey(windowId);
      let written = false;
      for (let i = 0; i < MAX_CAS_TRIES && !written; i++) {
        const entry = await this.o.kv.get(key);
        const rec: AllowanceRecord = entry
          ? entry.json<AllowanceRecord>()
          : { limit: this.o.limit, granted: 0, spent: 0, alerted: [] };
        const spent = rec.spent + used;
        const crossed = (this.o.thresholds ?? []).filter(
          (t) => spent >= t * this.o.limit && !rec.alerted.includes(t),
        );
        const next: AllowanceRecord = { ...rec, spent, alerted: [...rec.alerted, ...crossed] };
        try {
          if (entry) await this.o.kv.update(key, encoder.encode(JSON.stringify(next)), entry.revision);
          else await this.o.kv.create(key, encoder.encode(JSON.stringify(next)));
        } catch {
          continue;
        }
        written = true;
        if (windowId === this.current.id)
          this.lastRecord = { ...next, granted: Math.max(next.granted, this.lastRecord?.granted ?? 0) };
        if (crossed.length) this.o.onThresholds?.(crossed, next, windowId);
      }
      if (!written) this.unflushed.set(windowId, (this.unflushed.get(windowId) ?? 0) + used);
    }
  }
}
