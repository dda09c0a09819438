/** A KV bucket of the embedded bus: bucket-wide revisions, history per key, compare-and-set, watch. */
import type { KeyValueStore, KvEntry, KvOptions } from '../bus';
import { BusProvisioningError, RevisionConflictError } from '../errors';
import { parseJson } from '../message-codec';
import type { KvRecord } from './file-journal';
import { subjectMatches } from '../subject-match';

interface Revision {
  revision: number;
  value: Uint8Array;
  operation: KvEntry['operation'];
  atMs: number;
}

function entry(key: string, r: Revision): KvEntry {
  return {
    key,
    value: r.value,
    revision: r.revision,
    operation: r.operation,
    json: <T>() => parseJson<T>(r.value, key),
  };
}

export class EmbeddedKv implements KeyValueStore {
  private readonly history = new Map<string, Revision[]>();
  private readonly watchers = new Set<{ key?: string; onChange: (entry: KvEntry) => void }>();
  private lastRevision = 0;
  /** Told about every write, in order (persistence). */
  onWrite?: (record: KvRecord) => void;

  constructor(
    readonly bucket: string,
    private readonly options: KvOptions = {},
  ) {}

  /** The bucket is opened again: settings given must match the bucket's, as on the server. */
  checkOptions(options: KvOptions): void {
    const history = this.options.history ?? 1;
    const maxAgeMs = this.options.maxAgeMs ?? 0;
    if (options.history !== undefined && options.history !== history) {
      throw new BusProvisioningError(
        `KV ${this.bucket}`,
        'max_msgs_per_subject (history)',
        options.history,
        history,
        'the bucket exists with another history; update or recreate it',
      );
    }
    if (options.maxAgeMs !== undefined && options.maxAgeMs !== maxAgeMs) {
      throw new BusProvisioningError(
        `KV ${this.bucket}`,
        'max_age',
        options.maxAgeMs,
        maxAgeMs,
        'the bucket exists with another max age; update or recreate it',
      );
    }
  }

  private latest(key: string): Revision | undefined {
    this.expire(key);
    const revisions = this.history.get(key);
    return revisions?.[revisions.length - 1];
  }

  private expire(key: string): void {
    const maxAge = this.options.maxAgeMs ?? 0;
    const revisions = this.history.get(key);
    if (!revisions || maxAge <= 0) return;
    const now = Date.now();
    while (revisions.length > 0 && now - revisions[0].atMs > maxAge) revisions.shift();
    if (revisions.length === 0) this.history.delete(key);
  }

  private write(key: string, value: Uint8Array, operation: KvEntry['operation'], expected?: number): number {
    if (expected !== undefined && (this.latest(key)?.revision ?? 0) !== expected) {
      throw new RevisionConflictError(`${this.bucket}/${key}`, expected);
    }
    const r: Revision = { revision: ++this.lastRevision, value: value.slice(), operation, atMs: Date.now() };
    const revisions = operation === 'PURGE' ? [] : (this.history.get(key) ?? []);
    revisions.push(r);
    const keep = Math.max(1, this.options.history ?? 1);
    while (revisions.length > keep) revisions.shift();
    this.history.set(key, revisions);
    this.onWrite?.({
      key,
      revision: r.revision,
      value: Buffer.from(r.value).toString('base64'),
      operation,
      atMs: r.atMs,
    });
    const changed = entry(key, r);
    for (const w of this.watchers) {
      if (!w.key || subjectMatches(w.key, key)) queueMicrotask(() => w.onChange(changed));
    }
    return r.revision;
  }

  async get(key: string): Promise<KvEntry | null> {
    const r = this.latest(key);
    return r && r.operation === 'PUT' ? entry(key, r) : null;
  }

  /** Every kept revision of a key, oldest first (deletes included). */
  async revisions(key: string): Promise<KvEntry[]> {
    this.expire(key);
    return (this.history.get(key) ?? []).map((r) => entry(key, r));
  }

  async create(key: string, value: Uint8Array): Promise<number> {
    const current = this.latest(key);
    if (current && current.operation === 'PUT') throw new RevisionConflictError(`${this.bucket}/${key}`, 0);
    return this.write(key, value, 'PUT', current?.revision ?? 0);
  }

  async update(key: string, value: Uint8Array, revision: number): Promise<number> {
    return this.write(key, value, 'PUT', revision);
  }

  async put(key: string, value: Uint8Array): Promise<number> {
    return this.write(key, value, 'PUT');
  }

  async delete(key: string): Promise<void> {
    this.write(key, new Uint8Array(0), 'DEL');
  }

  async purge(key: string): Promise<void> {
    this.write(key, new Uint8Array(0), 'PURGE');
  }

  async keys(filter?: string): Promise<string[]> {
    const out: string[] = [];
    for (const key of [...this.history.keys()]) {
      const r = this.latest(key);
      if (r?.operation === 'PUT' && (!filter || subjectMatches(filter, key))) out.push(key);
    }
    return out;
  }

  async watch(
    onChange: (entry: KvEntry) => void,
    options: { key?: string; includeHistory?: boolean } = {},
  ): Promise<() => void> {
    if (options.includeHistory) {
      const current: KvEntry[] = [];
      for (const key of [...this.history.keys()]) {
        const r = this.latest(key);
        if (r && (!options.key || subjectMatches(options.key, key))) current.push(entry(key, r));
      }
      current.sort((a, b) => a.revision - b.revision);
      for (const e of current) queueMicrotask(() => onChange(e));
    }
    const watcher = { key: options.key, onChange };
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  /** Puts back revisions read from disk (persistence), oldest first. */
  restore(records: KvRecord[]): void {
    for (const r of records) {
      this.lastRevision = Math.max(this.lastRevision, r.revision);
      if (r.key.startsWith('\u0000')) continue;
      const revisions = this.history.get(r.key) ?? [];
      revisions.push({
        revision: r.revision,
        value: new Uint8Array(Buffer.from(r.value, 'base64')),
        operation: r.operation,
        atMs: r.atMs,
      });
      this.history.set(r.key, revisions);
    }
  }
}
