/**
 * Requests per minute per virtual key, counted on this replica in fixed one-minute windows. It
 * guards a key against a runaway client before any budget or vendor limit is touched; the shared
 * limits (vendor rate, budgets) stay in the pipeline.
 */
export interface RateDecision {
  allowed: boolean;
  /** Seconds until the window rolls over (the Retry-After of a 429). */
  retryAfterSeconds: number;
}

export class KeyRequestRate {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Counts one request for `key`; `limit` 0 is unlimited. */
  take(key: string, limit: number): RateDecision {
    if (limit <= 0) return { allowed: true, retryAfterSeconds: 0 };
    const now = this.now();
    const start = now - (now % 60_000);
    let w = this.windows.get(key);
    if (!w || w.start !== start) {
      w = { start, count: 0 };
      this.windows.set(key, w);
    }
    const retryAfterSeconds = Math.max(1, Math.ceil((start + 60_000 - now) / 1000));
    if (w.count >= limit) return { allowed: false, retryAfterSeconds };
    w.count += 1;
    return { allowed: true, retryAfterSeconds: 0 };
  }
}
