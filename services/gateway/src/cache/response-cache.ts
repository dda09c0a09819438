/**
 * Response cache keyed by the sha256 of the normalised, redacted request. Entries live in a NATS KV
 * bucket; each replica keeps a local copy fed by a KV watch, so a look-up is a Map read and a write
 * is not awaited. The server (2.9) has no per-key TTL: each entry carries its expiry, expired
 * entries are ignored on read and deleted by a periodic sweep.
 */
import { hash } from 'node:crypto';
import type { KeyValueStore } from '@agentflow/bus';
import type { ChatMessage, ProviderTarget } from '@agentflow/contracts';
import type { Clock } from '../shared/clock';
import type { OutputSchema, TokenCounts } from '../providers/chat-provider';

/** What a hit replays. */
export interface CachedAnswer {
  text: string;
  structured?: Record<string, unknown>;
  provider: string;
  model: string;
  /** Usage of the call that filled the entry (a hit costs nothing; this is for the record). */
  usage: TokenCounts;
  expiresAt: number;
}

export interface CacheKeyInput {
  providers: ProviderTarget[];
  system?: string;
  messages: ChatMessage[];
  maxTokens: number;
  temperature?: number;
  responseSchema?: OutputSchema;
  complexity?: string;
  dataClass: string;
}

/** JSON with sorted keys, so the same request hashes the same however its objects were built. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const keys = Object.keys(value as Record<string, unknown>)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

export function cacheKey(input: CacheKeyInput): string {
  // A fixed field order, so only the caller's schema needs canonical (sorted-key) JSON; this runs on every request.
  const parts: unknown[] = [
    input.providers.map((p) => `${p.provider}/${p.model}`).join(','),
    input.system?.trim() ?? null,
    input.maxTokens,
    input.temperature ?? null,
    input.complexity ?? null,
    input.dataClass,
    input.responseSchema ? canonical(input.responseSchema) : null,
  ];
  for (const m of input.messages) parts.push(m.role, m.content.replace(/\r\n/g, '\n').trimEnd());
  // One-shot hash: no Hash object per request (half the time of createHash().update().digest()).
  return hash('sha256', JSON.stringify(parts), 'hex');
}

export class ResponseCache {
  private readonly local = new Map<string, CachedAnswer>();
  private stopWatch: (() => void) | null = null;
  private sweeper: NodeJS.Timeout | null = null;
  hits = 0;
  misses = 0;

  constructor(
    private readonly kv: KeyValueStore,
    private readonly options: { ttlMs: number; maxLocalEntries: number; sweepEveryMs?: number },
    private readonly clock: Clock,
    private readonly onError: (e: unknown) => void = () => undefined,
  ) {}

  async start(): Promise<void> {
    this.stopWatch = await this.kv.watch(
      (entry) => {
        if (entry.operation !== 'PUT') {
          this.local.delete(entry.key);
          return;
        }
        // This replica's own put comes back through the watch: the local copy is that entry, so it is not decoded again.
        const known = this.local.get(entry.key);
        if (known && known.expiresAt > this.clock.now()) return;
        try {
          this.remember(entry.key, entry.json<CachedAnswer>());
        } catch (e) {
          this.onError(e);
        }
      },
      { includeHistory: true },
    );
    this.sweeper = setInterval(() => this.sweep().catch(this.onError), this.options.sweepEveryMs ?? 60_000);
    this.sweeper.unref?.();
  }

  stop(): void {
    this.stopWatch?.();
    if (this.sweeper) clearInterval(this.sweeper);
  }

  get(key: string): CachedAnswer | undefined {
    const hit = this.local.get(key);
    if (hit && hit.expiresAt > this.clock.now()) {
      this.hits += 1;
      // Refresh recency for the LRU bound.
      this.local.delete(key);
      this.local.set(key, hit);
      return hit;
    }
    this.misses += 1;
    return undefined;
  }

  /** Stores locally at once and in KV without waiting. */
  put(key: string, answer: Omit<CachedAnswer, 'expiresAt'>): void {
    const entry: CachedAnswer = { ...answer, expiresAt: this.clock.now() + this.options.ttlMs };
    this.remember(key, entry);
    // Buffer.from, not a TextEncoder: small strings are copied into Node's pooled slab, no allocation of their own.
    this.kv.put(key, Buffer.from(JSON.stringify(entry), 'utf8')).catch(this.onError);
  }

  private remember(key: string, entry: CachedAnswer): void {
    this.local.delete(key);
    this.local.set(key, entry);
    if (this.local.size > this.options.maxLocalEntries) this.evictOldest();
  }

  /**
   * Drops the least recently used tenth in one pass. One entry per put would restart a Map
   * iteration each time, and a Map's deleted slots stay until it rehashes, so every such restart
   * walked the thousands of slots emptied before it: at 10,000 entries that was the gateway's
   * single largest cost per request.
   */
  private evictOldest(): void {
    let excess =
      this.local.size - this.options.maxLocalEntries + Math.floor(this.options.maxLocalEntries / 10);
    for (const key of this.local.keys()) {
      if (excess-- <= 0) break;
      this.local.delete(key);
    }
  }

  /** Deletes expired entries from KV (any replica may; deleting twice is harmless). */
  async sweep(): Promise<number> {
    const now = this.clock.now();
    let removed = 0;
    for (const [key, entry] of [...this.local]) {
      if (entry.expiresAt <= now) {
        this.local.delete(key);
        await this.kv.delete(key);
        removed += 1;
      }
    }
    return removed;
  }
}
