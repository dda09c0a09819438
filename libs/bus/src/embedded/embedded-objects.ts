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
  constructor(
    readonly bucket: string,
    private readonly backing: ObjectBacking = memoryBacking(),
  ) {}

  async put(name: string, data: Uint8Array): Promise<BodyRef> {
    this.backing.write(name, data);
    return {
      ref: `${this.bucket}/${name}`,
      sha256: createHash('sha256').update(data).digest('hex'),
      size: data.byteLength,
    };
  }

  async get(ref: BodyRef | string): Promise<Uint8Array> {
    const name = objectName(this.bucket, typeof ref === 'string' ? ref : ref.ref);
    const data = this.backing.read(name);
    if (!data) throw new ObjectIntegrityError(this.bucket, name, 'not found (expired or deleted)');
    if (typeof ref !== 'string') verifyBody(this.bucket, name, ref, data);
    return data;
  }

  async delete(name: string): Promise<void> {
    this.backing.remove(objectName(this.bucket, name));
  }
}
