/**
 * An in-memory {@link KeyValueStore} with revisions, compare-and-set and watches, for unit tests
 * of the gateway's shared-state logic without NATS (the integration suites use JetStream KV).
 */
import type { KeyValueStore, KvEntry } from '@agentflow/bus';

interface Stored {
  value: Uint8Array;
  revision: number;
}

export class MemoryKv implements KeyValueStore {
  private readonly data = new Map<string, Stored>();
  private readonly watchers = new Set<{ fn: (e: KvEntry) => void; key?: string }>();
  private revision = 0;
  /** Operations served, so tests can assert the hot path did not touch the store. */
  operations = 0;

  constructor(readonly bucket = 'memory') {}

  private entry(key: string, s: Stored, operation: KvEntry['operation'] = 'PUT'): KvEntry {
    return {
      key,
      value: s.value,
      revision: s.revision,
      operation,
      json: <T>() => JSON.parse(new TextDecoder().decode(s.value)) as T,
    };
  }

  private matches(filter: string | undefined, key: string): boolean {
    if (!filter || filter === '>') return true;
    if (filter.endsWith('.>')) return key.startsWith(filter.slice(0, -1));
    return filter === key;
  }

  private emit(key: string, s: Stored, op: KvEntry['operation']): void {
    for (const w of this.watchers) if (this.matches(w.key, key)) w.fn(this.entry(key, s, op));
  }

  async get(key: string): Promise<KvEntry | null> {
    this.operations += 1;
    const s = this.data.get(key);
    return s ? this.entry(key, s) : null;
  }

  async create(key: string, value: Uint8Array): Promise<number> {
    this.operations += 1;
    if (this.data.has(key)) throw new Error(`key ${key} exists (wrong last sequence)`);
    return this.write(key, value);
  }

  async update(key: string, value: Uint8Array, revision: number): Promise<number> {
    this.operations += 1;
    if (this.data.get(key)?.revision !== revision) throw new Error(`wrong last sequence for ${key}`);
    return this.write(key, value);
  }

  async put(key: string, value: Uint8Array): Promise<number> {
    this.operations += 1;
    return this.write(key, value);
  }

  private write(key: string, value: Uint8Array): number {
    const s = { value, revision: ++this.revision };
    this.data.set(key, s);
    this.emit(key, s, 'PUT');
    return s.revision;
  }

  async delete(key: string): Promise<void> {
    this.operations += 1;
    const s = this.data.get(key);
    this.data.delete(key);
    if (s) this.emit(key, { value: new Uint8Array(), revision: ++this.revision }, 'DEL');
  }

  /** One revision per key is kept here, so a purge is a delete. */
  async purge(key: string): Promise<void> {
    await this.delete(key);
  }

  async keys(filter?: string): Promise<string[]> {
    return [...this.data.keys()].filter((k) => this.matches(filter, k));
  }

  async watch(
    onChange: (entry: KvEntry) => void,
    options: { key?: string; includeHistory?: boolean } = {},
  ): Promise<() => void> {
    const w = { fn: onChange, key: options.key };
    if (options.includeHistory)
      for (const [k, s] of this.data) if (this.matches(options.key, k)) onChange(this.entry(k, s));
    this.watchers.add(w);
    return () => this.watchers.delete(w);
  }
}
