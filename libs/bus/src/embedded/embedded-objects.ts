/** An object-store bucket of the embedded bus: bodies kept in memory, checked by sha256 on read. */
import { createHash } from 'node:crypto';
import type { BodyRef } from '@agentflow/contracts';
import type { ObjectStore } from '../bus';
import { ObjectIntegrityError } from '../errors';
import { objectName, verifyBody } from '../object-ref';

/** Where bodies live: memory, or files in the data directory (persistence). */
export interface ObjectBacking {
  write(name: string, data: Uint8Array): void;
  read(name: string): Uint8Array | undefined;
  remove(name: string): void;
  /** Bodies already there when the bucket is opened, with when they were written (files: their mtime). */
  list?(): Array<{ name: string; writtenAtMs: number }>;
}

export function memoryBacking(): ObjectBacking {
  const objects = new Map<string, Uint8Array>();
  return {
    write: (name, data) => void objects.set(name, data.slice()),
    read: (name) => objects.get(name)?.slice(),
    remove: (name) => void objects.delete(name),
  };
}

export class EmbeddedObjects implements ObjectStore {
  /** When each body was written, for the bucket's max age. */
  private readonly writtenAt = new Map<string, number>();
  private maxAgeMs = 0;
  private lastPruneMs = 0;

  constructor(
    readonly bucket: string,
    private readonly backing: ObjectBacking = memoryBacking(),
  ) {
    for (const { name, writtenAtMs } of backing.list?.() ?? []) this.writtenAt.set(name, writtenAtMs);
  }

  /** Bodies older than `ms` are removed (0: kept for good), as a server bucket's max age does. */
  setMaxAge(ms: number): void {
    this.maxAgeMs = ms;
    this.prune(Date.now());
  }

  async put(name: string, data: Uint8Array): Promise<BodyRef> {
    const now = Date.now();
    // Pruning walks every body: at most once a minute (or once per max age, when that is shorter).
    if (this.maxAgeMs > 0 && now - this.lastPruneMs >= Math.min(60_000, this.maxAgeMs)) this.prune(now);
    this.backing.write(name, data);
    this.writtenAt.set(name, now);
    return {
      ref: `${this.bucket}/${name}`,
      sha256: createHash('sha256').update(data).digest('hex'),
      size: data.byteLength,
    };
  }

  async get(ref: BodyRef | string): Promise<Uint8Array> {
    const name = objectName(this.bucket, typeof ref === 'string' ? ref : ref.ref);
    const at = this.writtenAt.get(name);
    if (this.maxAgeMs > 0 && at !== undefined && Date.now() - at > this.maxAgeMs) this.remove(name);
    const data = this.backing.read(name);
    if (!data) throw new ObjectIntegrityError(this.bucket, name, 'not found (expired or deleted)');
    if (typeof ref !== 'string') verifyBody(this.bucket, name, ref, data);
    return data;
  }

  async delete(name: string): Promise<void> {
    this.remove(objectName(this.bucket, name));
  }

  private remove(name: string): void {
    this.backing.remove(name);
    this.writtenAt.delete(name);
  }

  private prune(now: number): void {
    this.lastPruneMs = now;
    if (this.maxAgeMs <= 0) return;
    for (const [name, at] of [...this.writtenAt]) if (now - at > this.maxAgeMs) this.remove(name);
  }
}
