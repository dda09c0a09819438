/** An object-store bucket of the embedded bus: bodies kept in memory, checked by sha256 on read. */
import { createHash } from 'node:crypto';
import type { BodyRef } from '@agentflow/contracts';
import type { ObjectStore } from '../bus';
import { ObjectIntegrityError } from '../errors';
import { objectName, verifyBody } from '../object-ref';

export class EmbeddedObjects implements ObjectStore {
  readonly objects = new Map<string, Uint8Array>();

  constructor(readonly bucket: string) {}

  async put(name: string, data: Uint8Array): Promise<BodyRef> {
    this.objects.set(name, data.slice());
    return { ref: `${this.bucket}/${name}`, sha256: createHash('sha256').update(data).digest('hex'), size: data.byteLength };
  }

  async get(ref: BodyRef | string): Promise<Uint8Array> {
    const name = objectName(this.bucket, typeof ref === 'string' ? ref : ref.ref);
    const data = this.objects.get(name);
    if (!data) throw new ObjectIntegrityError(this.bucket, name, 'not found (expired or deleted)');
    if (typeof ref !== 'string') verifyBody(this.bucket, name, ref, data);
    return data.slice();
  }

  async delete(name: string): Promise<void> {
    this.objects.delete(objectName(this.bucket, name));
  }
}
