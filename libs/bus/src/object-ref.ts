/** Object-store references (`{ref, sha256, size}`) shared by both bus implementations. */
import { createHash } from 'node:crypto';
import type { BodyRef } from '@agentflow/contracts';
import { ObjectIntegrityError } from './errors';

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A ref is `<bucket>/<name>`; a bare name is accepted too. */
export function objectName(bucket: string, ref: string): string {
  return ref.startsWith(`${bucket}/`) ? ref.slice(bucket.length + 1) : ref;
}

/** Throws {@link ObjectIntegrityError} when `data` is not the body `ref` describes. */
export function verifyBody(bucket: string, name: string, ref: BodyRef, data: Uint8Array): void {
  if (data.byteLength !== ref.size)
    throw new ObjectIntegrityError(
      bucket,
      name,
      `size ${data.byteLength} does not match the reference (${ref.size})`,
    );
  const actual = sha256Hex(data);
  if (actual !== ref.sha256)
    throw new ObjectIntegrityError(
      bucket,
      name,
      `sha256 ${actual} does not match the reference (${ref.sha256})`,
    );
}
