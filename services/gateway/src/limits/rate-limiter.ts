/**
 * Requests and tokens per minute per provider and model, shared by every replica through leased
 * slices of a per-minute KV record. When the minute is used up, a call waits for the next minute if
 * that is before its deadline; otherwise it moves on along the chain. Concurrency is bounded per
 * replica (the configured total divided by the expected replicas).
 */
import type { KeyValueStore } from '@agentflow/bus';
import type { RateLimits } from '@agentflow/contracts';
import type { Clock } from '../shared/clock';
import { AllowanceExhausted, LeasedAllowance, type Reservation } from '../shared/leased-allowance';
import { keyToken, windowAt } from '../shared/windows';
import { metrics } from '@agentflow/telemetry';

/** The provider+model has no rate left before the caller's deadline. */
export class RateLimitWaitTooLong extends Error {
  constructor(
    readonly target: string,
    readonly retryAt: number,
  ) {
    super(
      `${target}: rate limit used up until ${new Date(retryAt).toISOString()}, past the request's deadline`,
    );
  }
}

export interface RatePermit {
  release(actualTokens: number): void;
}

class Semaphore {
  private used = 0;
  private readonly queue: Array<() => void> = [];
  constructor(private readonly size: number) {}
  async acquire(signal: AbortSignal): Promise<void> {
    if (this.used < this.size) {
      this.used += 1;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const i = this.queue.indexOf(grant);
        if (i >= 0) this.queue.splice(i, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.queue.push(grant);
    });
  }
  release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.used -= 1;
  }
}

interface Limiter {
  requests?: LeasedAllowance;
  tokens?: LeasedAllowance;
  concurrency?: Semaphore;
}

export class RateLimiter {
  private readonly limiters = new Map<string, Limiter>();
  /** Waits for a new minute, counted for tests and metrics. */
  waits = 0;

  constructor(
    private readonly kv: KeyValueStore,
    private readonly limitsFor: (provider: string, model: string) => RateLimits | undefined,
    private readonly clock: Clock,
    private readonly leaseFraction: number,
    private readonly replicas: number,
    private readonly onError: (e: unknown) => void = () => undefined,
  ) {}

  private limiter(provider: string, model: string): Limiter {
    const id = `${provider}/${model}`;
    let l = this.limiters.get(id);
    if (l) return l;
    const limits = this.limitsFor(provider, model) ?? {};
    const make = (kind: string, limit: number) =>
      new LeasedAllowance({
        kv: this.kv,
        key: `rate.${keyToken(provider)}.${keyToken(model)}.${kind}`,
        limit,
        leaseSize: Math.max(1, Math.floor(limit * this.leaseFraction)),
        window: (now) => windowAt('minute', now),
        clock: this.clock,
        onError: this.onError,
      });
    l = {
      requests: limits.requestsPerMinute ? make('rpm', limits.requestsPerMinute) : undefined,
      tokens: limits.tokensPerMinute ? make('tpm', limits.tokensPerMinute) : undefined,
      concurrency: limits.concurrency
        ? new Semaphore(Math.max(1, Math.ceil(limits.concurrency / this.replicas)))
        : undefined,
    };
    this.limiters.set(id, l);
    return l;
  }

  /**
   * Takes one request and `estimatedTokens` from the provider+model's minute, waiting for the next
   * minute when this one is spent and that is before `deadline`.
   */
  async acquire(
    provider: string,
    model: string,
    estimatedTokens: number,
    deadline: number,
    signal: AbortSignal,
  ): Promise<RatePermit> {
    const l = this.limiter(provider, model);
    const request = l.requests
      ? await this.take(l.requests, 1, `${provider}/${model}`, deadline, signal)
      : undefined;
    let tokens: Reservation | undefined;
    try {
      // A request larger than the whole minute still goes, alone in its minute.
      tokens = l.tokens
        ? await this.take(
            l.tokens,
            Math.min(estimatedTokens, l.tokens.limit),
            `${provider}/${model}`,
            deadline,
            signal,
          )
        : undefined;
      if (l.concurrency) await l.concurrency.acquire(signal);
    } catch (error) {
      if (tokens && l.tokens) l.tokens.settle(tokens, 0);
      throw error;
    }
    let released = false;
    return {
      release: (actualTokens: number) => {
        if (released) return;
        released = true;
        if (request && l.requests) l.requests.settle(request, 1);
        if (tokens && l.tokens) l.tokens.settle(tokens, actualTokens);
        l.concurrency?.release();
      },
    };
  }

  private async take(
    allowance: LeasedAllowance,
    amount: number,
    target: string,
    deadline: number,
    signal: AbortSignal,
  ): Promise<Reservation> {
    for (;;) {
      try {
        return await allowance.reserve(amount, false);
      } catch (error) {
        if (!(error instanceof AllowanceExhausted)) throw error;
        if (error.retryAt >= deadline) throw new RateLimitWaitTooLong(target, error.retryAt);
        this.waits += 1;
        const waitMs = error.retryAt - this.clock.now() + 1;
        const [provider, model] = splitTarget(target);
        metrics.rateLimitWaits.inc({ provider, model });
        metrics.rateLimitWaitSeconds.inc({ provider, model }, Math.max(0, waitMs) / 1000);
        await this.clock.sleep(waitMs, signal);
      }
    }
  }
}

/** `provider/model` -> its two labels (a model id may itself hold a slash). */
function splitTarget(target: string): [string, string] {
  const at = target.indexOf('/');
  return at < 0 ? [target, ''] : [target.slice(0, at), target.slice(at + 1)];
}
