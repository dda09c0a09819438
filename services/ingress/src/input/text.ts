/**
 * What a webhook or CI API call may carry into PostgreSQL. PostgreSQL refuses a NUL in `text` and
 * `jsonb` ("invalid byte sequence for encoding UTF8: 0x00", SQLSTATE 22021) and the drivers turn an
 * unpaired UTF-16 surrogate into U+FFFD on the way out, so a signed payload with either would fail
 * or change on its way to the delivery record. Both are replaced here with U+FFFD, before any text
 * reaches the database: the value stays visibly damaged (`"open\u0000"` becomes `"open\uFFFD"`, an
 * action no trigger matches) instead of being silently turned into a valid one (`"open"`).
 */

/** A NUL, or a surrogate half without its partner. */
// eslint-disable-next-line no-control-regex -- the NUL is exactly what is looked for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// eslint-disable-next-line no-control-regex -- as above
const UNSTORABLE_TEST = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether PostgreSQL would store `text` unchanged. */
export function isStorable(text: string): boolean {
  return !UNSTORABLE_TEST.test(text);
}

/** `text` with every NUL and unpaired surrogate replaced by U+FFFD (the same string when there is none). */
export function storable(text: string): string {
  return isStorable(text) ? text : text.replace(UNSTORABLE, '\uFFFD');
}

/** {@link storable} for an optional value. */
export function storableOrUndefined(text: string | undefined): string | undefined {
  return text === undefined ? undefined : storable(text);
}

/**
 * A parsed JSON value with {@link storable} applied to every string and key. Iterative, not
 * recursive: a payload nested 10,000 levels deep (JSON.parse accepts it) must not overflow the stack.
 * Values are changed in place; the caller owns the freshly parsed value.
 */
export function storableJson<T>(value: T): T {
  if (typeof value === 'string') return storable(value) as T;
  if (value === null || typeof value !== 'object') return value;
  const stack: object[] = [value as object];
  while (stack.length) {
    const node = stack.pop() as Record<string, unknown> | unknown[];
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const v = node[i];
        if (typeof v === 'string') node[i] = storable(v);
        else if (v !== null && typeof v === 'object') stack.push(v);
      }
      continue;
    }
    for (const key of Object.keys(node)) {
      const v = node[key];
      const clean = typeof v === 'string' ? storable(v) : v;
      if (!isStorable(key)) {
        delete node[key];
        node[storable(key)] = clean;
      } else if (clean !== v) {
        node[key] = clean;
      }
      if (clean !== null && typeof clean === 'object') stack.push(clean);
    }
  }
  return value;
}

/** The first path in a parsed JSON value whose string (or key) PostgreSQL could not store, or null. */
export function unstorablePath(value: unknown, skip: ReadonlySet<string> = new Set()): string | null {
  const stack: Array<[unknown, string]> = [[value, '']];
  while (stack.length) {
    const [node, path] = stack.pop()!;
    if (typeof node === 'string') {
      if (!isStorable(node)) return path || '(body)';
    } else if (Array.isArray(node)) {
      node.forEach((v, i) => stack.push([v, `${path}[${i}]`]));
    } else if (node !== null && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        const at = path ? `${path}.${k}` : k;
        if (!isStorable(k)) return at;
        if (!skip.has(k)) stack.push([v, at]);
      }
    }
  }
  return null;
}

/**
 * Delivery ids: GitHub's are GUIDs, GitLab's UUIDs (or our `sha256:<hex>` of the body), and what a
 * proxy puts in `Idempotency-Key` is of the same kind. Anything else (a 15,000-character id, bytes
 * 0xFF 0xFE, two ids joined by a comma from a duplicated header) is refused at the door.
 */
export const DELIVERY_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const DELIVERY_ID_RULE = '1 to 128 characters of letters, digits, ".", "_", ":" and "-"';

/** Event names (`pull_request`, `Merge Request Hook`): printable ASCII, short. */
export const EVENT_NAME = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,99}$/;
