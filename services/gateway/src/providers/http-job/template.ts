/**
 * Renders a vendor's body template: `{{name}}` placeholders are looked up by dotted path in the
 * values. A string that is exactly one placeholder takes the value with its type (a number stays
 * a number, an object stays an object); placeholders inside longer strings are inserted as text.
 * A placeholder with no value renders as nothing (a string) or is dropped (a whole value).
 */
const WHOLE = /^\{\{\s*([\w.-]+)\s*\}\}$/;
const PART = /\{\{\s*([\w.-]+)\s*\}\}/g;

function lookup(values: Record<string, unknown>, path: string): unknown {
  let current: unknown = values;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export function renderTemplate(template: unknown, values: Record<string, unknown>): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE.exec(template);
    if (whole) return lookup(values, whole[1]);
    return template.replace(PART, (_, path: string) => {
      const v = lookup(values, path);
      return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    });
  }
  if (Array.isArray(template))
    return template.map((t) => renderTemplate(t, values)).filter((v) => v !== undefined);
  if (template && typeof template === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(template)) {
      const rendered = renderTemplate(v, values);
      if (rendered !== undefined) out[k] = rendered;
    }
    return out;
  }
  return template;
}

/** Renders a URL, escaping every inserted value for a path or query. */
export function renderUrl(template: string, values: Record<string, unknown>): string {
  return template.replace(PART, (_, path: string) => {
    const v = lookup(values, path);
    return v === undefined || v === null
      ? ''
      : path === 'baseUrl'
        ? String(v)
        : encodeURIComponent(String(v));
  });
}
