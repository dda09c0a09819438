/** Safe readers for untrusted JSON: a missing or mistyped field is `undefined`, never a throw. */
export type Json = Record<string, unknown>;

export function at(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Json)[key];
  }
  return current;
}

export function str(value: unknown, path: string): string | undefined {
  const v = at(value, path);
  return typeof v === 'string' ? v : undefined;
}

export function num(value: unknown, path: string): number | undefined {
  const v = at(value, path);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Largest PR / MR number PostgreSQL's `integer` columns (`runs.pr`, ...) hold. */
export const MAX_PR_NUMBER = 2_147_483_647;

/**
 * A pull or merge request number: a whole number from 1 to {@link MAX_PR_NUMBER}. Anything else
 * (9007199254740992, 1.5, -3) is `undefined`, so the event is ignored with its reason instead of
 * failing on the `integer` column ("out of range for type integer") at every redelivery.
 */
export function prNumber(value: unknown, path: string): number | undefined {
  const v = at(value, path);
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_PR_NUMBER ? v : undefined;
}

/** A platform id (installation, project, comment, user): a whole number from 1 that JavaScript holds exactly. */
export function id(value: unknown, path: string): number | undefined {
  const v = at(value, path);
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 ? v : undefined;
}

export function bool(value: unknown, path: string): boolean | undefined {
  const v = at(value, path);
  return typeof v === 'boolean' ? v : undefined;
}

export function list(value: unknown, path: string): unknown[] {
  const v = at(value, path);
  return Array.isArray(v) ? v : [];
}
