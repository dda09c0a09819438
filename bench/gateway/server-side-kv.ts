/**
 * The response-cache bucket as the bench's gateway sees it. In production the bucket's values live
 * on the NATS server: a put is encoded and published, the watch delivers it back, and the gateway
 * process keeps only its own bounded local copy (`cache.maxLocalEntries`). The tests' MemoryKv
 * keeps every value in the gateway's heap instead, so over a bench run of unique requests (none is
 * ever a hit) it grew the heap by hundreds of MB, and the gateway's garbage collection with it, a
 * cost no deployed gateway has. This store keeps nothing: each put is delivered to the watchers
 * (the cache's watch sees its own writes, as with JetStream) and forgotten. `get`, `create` and
 * `update` are not used by the cache; they answer as for an empty bucket.
 */
import type { KeyValueStore, KvEntry } from '@agentflow/bus';

const decoder = new TextDecoder();

export class ServerSideKv implements KeyValueStore {
  private readonly watchers = new Set<(e: KvEntry) => void>();
  private revision = 0;

  constructor(readonly bucket: string) {}

  private publish(key: string, value: Uint8Array, operation: KvEntry['operation']): number {
    const revision = ++this.revision;
    const entry: KvEntry = {
      key,
      value,
      revision,
      operation,
      json: <T>() => JSON.parse(decoder.decode(value)) as T,
    };
    for (const w of this.watchers) w(entry);
    return revision;
  }

  async get(): Promise<KvEntry | null> {
    return null;
  }

  async create(key: string, value: Uint8Array): Promise<number> {
    return this.publish(key, value, 'PUT');
  }

  async update(key: string, value: Uint8Array): Promise<number> {
    return this.publish(key, value, 'PUT');
  }

  async put(key: string, value: Uint8Array): Promise<number> {
    return this.publish(key, value, 'PUT');
  }

  async delete(key: string): Promise<void> {
    this.publish(key, new Uint8Array(), 'DEL');
  }

  async purge(key: string): Promise<void> {
    this.publish(key, new Uint8Array(), 'PURGE');
  }

  async keys(): Promise<string[]> {
    return [];
  }

  async watch(onChange: (entry: KvEntry) => void): Promise<() => void> {
    this.watchers.add(onChange);
    return () => this.watchers.delete(onChange);
  }
}
