/**
 * A deep copy of the run state for one event's turn. The state is plain JSON (it lives in KV), so
 * arrays and plain objects are all there is to copy; this is several times cheaper than
 * `structuredClone`, which the coordinator paid on every event of every run.
 */
export function cloneState<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = cloneState(value[i]);
    return out as T;
  }
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source)) out[key] = cloneState(source[key]);
  return out as T;
}
