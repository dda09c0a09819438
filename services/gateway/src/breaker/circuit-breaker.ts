/**
 * A circuit breaker per provider and model: closed (calls go), open (calls are skipped until the
 * cool-down ends), half-open (one probe call per replica decides). Opening and closing are written
 * to NATS KV and every replica follows through a KV watch, so one replica's discovery of an outage
 * spares all the others; nothing is read from the network per request.
 */
import type { KeyValueStore, KvEntry } from '@agentflow/bus';
import type { Clock } from '../shared/clock';
import { keyToken } from '../shared/windows';

export type BreakerState = 'closed' | 'open' | 'half-open';

/** What is stored under `breaker.<provider>.<model>`. */
export interface SharedBreakerState {
  state: 'open' | 'closed';
  /** Epoch ms the open state ends (half-open from then). */
  until: number;
  /** Replica that wrote it. */
  by: string;
  reason?: string;
}

export type BreakerPermit = { allowed: true; probe: boolean } | { allowed: false; retryAt: number };

interface Local {
  failures: number;
  openUntil: number;
  probing: boolean;
}

const encoder = new TextEncoder();

export class CircuitBreakerBoard {
  private readonly local = new Map<string, Local>();
  private stopWatch: (() => void) | null = null;
  /** State changes made by this replica, for logs and metrics. */
  onChange?: (provider: string, model: string, state: BreakerState) => void;

  constructor(
    private readonly kv: KeyValueStore,
    private readonly options: { failureThreshold: number; cooldownMs: number; instanceId: string },
    private readonly clock: Clock,
    private readonly onError: (e: unknown) => void = () => undefined,
  ) {}

  /** Loads the current states and follows changes. */
  async start(): Promise<void> {
    this.stopWatch = await this.kv.watch((entry) => this.apply(entry), {
      key: 'breaker.>',
      includeHistory: true,
    });
  }

  stop(): void {
    this.stopWatch?.();
    this.stopWatch = null;
  }

  private id(provider: string, model: string): string {
    return `breaker.${keyToken(provider)}.${keyToken(model)}`;
  }

  private get(id: string): Local {
    let l = this.local.get(id);
    if (!l) {
      l = { failures: 0, openUntil: 0, probing: false };
      this.local.set(id, l);
    }
    return l;
  }

  private apply(entry: KvEntry): void {
    const l = this.get(entry.key);
    if (entry.operation !== 'PUT') {
      l.openUntil = 0;
      l.failures = 0;
      return;
    }
    const shared = entry.json<SharedBreakerState>();
    if (shared.state === 'open') {
      l.openUntil = Math.max(l.openUntil, shared.until);
    } else {
      l.openUntil = 0;
      l.failures = 0;
      l.probing = false;
    }
  }

  state(provider: string, model: string): BreakerState {
    const l = this.get(this.id(provider, model));
    if (l.openUntil === 0) return 'closed';
    return this.clock.now() < l.openUntil ? 'open' : 'half-open';
  }

  /** Whether a call may go now; in half-open, only the first caller (the probe) may. */
  permit(provider: string, model: string): BreakerPermit {
    const l = this.get(this.id(provider, model));
    if (l.openUntil === 0) return { allowed: true, probe: false };
    if (this.clock.now() < l.openUntil) return { allowed: false, retryAt: l.openUntil };
    if (l.probing) return { allowed: false, retryAt: this.clock.now() + this.options.cooldownMs };
    l.probing = true;
    return { allowed: true, probe: true };
  }

  success(provider: string, model: string, probe: boolean): void {
    const id = this.id(provider, model);
    const l = this.get(id);
    l.failures = 0;
    if (!probe && l.openUntil === 0) return;
    l.openUntil = 0;
    l.probing = false;
    this.publish(id, { state: 'closed', until: 0, by: this.options.instanceId });
    this.onChange?.(provider, model, 'closed');
  }

  /** Counts an outage failure (5xx, overload, timeout, network); opens at the threshold or on a failed probe. */
  failure(provider: string, model: string, probe: boolean, reason: string): void {
    const id = this.id(provider, model);
    const l = this.get(id);
    l.failures += 1;
    if (!probe && l.failures < this.options.failureThreshold) return;
    l.probing = false;
    l.openUntil = this.clock.now() + this.options.cooldownMs;
    this.publish(id, { state: 'open', until: l.openUntil, by: this.options.instanceId, reason });
    this.onChange?.(provider, model, 'open');
  }

  /** A probe that ended without a verdict (aborted, a 4xx) lets the next caller probe. */
  release(provider: string, model: string, probe: boolean): void {
    if (probe) this.get(this.id(provider, model)).probing = false;
  }

  private publish(id: string, state: SharedBreakerState): void {
    // Not awaited: the hot path never waits for KV; the watch brings the state to the other replicas.
    this.kv.put(id, encoder.encode(JSON.stringify(state))).catch(this.onError);
  }
}
