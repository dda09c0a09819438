/**
 * The response-cache bucket as the bench's gateway sees it. In production the bucket's entries live
 * on the NATS server and the gateway keeps only its bounded local copy (`cache.maxLocalEntries`);
 * the tests' MemoryKv keeps every value in the gateway's own heap, so over a bench run of unique
 * requests (none is ever a hit) it grew the heap by hundreds of MB and the gateway's garbage
 * collection with it, a cost no deployed gateway has. This store keeps the last `retained` values
 * (what a replica's watch could still be replaying), forgets older ones without a delete event (as
 * the server's own limits discard them), and otherwise behaves as MemoryKv: revisions,
 * compare-and-set, watches with history, every put encoded and delivered to the watchers.
 */
import type { KeyValueStore, KvEntry } from '@agentflow/bus';

interface Stored {
  value: Uint8Array;
  revision: number;
}

const decoder = new TextDecoder();

export class ServerSideKv implements KeyValueStore {
  private readonly data = new Map<string, Stored>();
  private readonly watchers = new Set<(e: KvEntry) => void>();
  private revision = 0;

  constructor(readonly bucket: string, private readonly retained = 10_000) {}

  private entry(key: string, s: Stored, operation: KvEntry['operation'] = 'PUT'): KvEntry {
    return { key, value: s.value, revision: s.revision, operation, json: <T>() => JSON.parse(decoder.decode(s.value)) as T };
  }

  private write(key: string, value: Uint8Array): number {
    const s = { value, revision: ++this.revision };
    this.data.delete(key);
    this.data.set(key, s);
    // A tenth at a time: one Map iteration per value would walk every slot deleted before it.
    if (this.data.size > this.retained) {
      let excess = this.data.size - this.retained + Math.floor(this.retained / 10);
      for (const k of this.data.keys()) {
        if (excess-- <= 0) break;
        this.data.delete(k);
      }
    }
    for (const w of this.watchers) w(this.entry(key, s));
    return s.revision;
  }

  async get(key: string): Promise<KvEntry | null> {
    const s = this.data.get(key);
    return s ? this.entry(key, s) : null;
  }

  async create(key: string, value: Uint8Array): Promise<number> {
    if (this.data.has(key)) throw new Error(`key ${key} exists (wrong last sequence)`);
    return this.write(key, value);
  }

  async update(key: string, value: Uint8Array, revision: number): Promise<number> {
    if (this.data.get(key)?.revision !== revision) throw new Error(`wrong last sequence for ${key}`);
    return this.write(key, value);
  }

  async put(key: string, value: Uint8Array): Promise<number> {
    return this.write(key, value);
  }

  async delete(key: string): Promise<void> {
    if (!this.data.delete(key)) return;
    const s = { value: new Uint8Array(), revision: ++this.revision };
    for (const w of this.watchers) w(this.entry(key, s, 'DEL'));
  }

  async keys(): Promise<string[]> {
    return [...this.data.keys()];
  }

  async watch(onChange: (entry: KvEntry) => void, options: { includeHistory?: boolean } = {}): Promise<() => void> {
    if (options.includeHistory) for (const [k, s] of this.data) onChange(this.entry(k, s));
    this.watchers.add(onChange);
    return () => this.watchers.delete(onChange);
  }
}
