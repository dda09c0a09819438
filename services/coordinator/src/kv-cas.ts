import { RevisionConflictError, type KeyValueStore } from '@agentflow/bus';
import { TransientError } from '@agentflow/contracts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Too many replicas changed one key at once; the message is retried later. */
export class ContentionError extends TransientError {
  override readonly code = 'kv_contention';
  constructor(key: string, attempts: number) {
    super(`${key}: gave up after ${attempts} compare-and-set conflicts; the message will be retried`, {
      retryAfterMs: 200,
    });
  }
}

/**
 * Read-modify-write of a JSON value by compare-and-set, retried on conflict. `change` gets the
 * current value (or undefined) and returns the new one, or `undefined` to leave the key as it is.
 * Returns the value in force afterwards.
 */
export async function mutateJson<T>(
  kv: KeyValueStore,
  key: string,
  change: (current: T | undefined) => T | undefined,
  maxAttempts = 32,
): Promise<T | undefined> {
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const entry = await kv.get(key);
    const current =
      entry && entry.operation === 'PUT' ? (JSON.parse(decoder.decode(entry.value)) as T) : undefined;
    const next = change(current);
    if (next === undefined) return current;
    try {
      const bytes = encoder.encode(JSON.stringify(next));
      // A deleted key keeps a revision (its delete marker): update against it, create only when never written.
      if (entry) await kv.update(key, bytes, entry.revision);
      else await kv.create(key, bytes);
      return next;
    } catch (error) {
      if (!(error instanceof RevisionConflictError)) throw error;
    }
  }
  throw new ContentionError(key, maxAttempts);
}

export async function readJson<T>(kv: KeyValueStore, key: string): Promise<T | undefined> {
  const entry = await kv.get(key);
  return entry && entry.operation === 'PUT' ? (JSON.parse(decoder.decode(entry.value)) as T) : undefined;
}
