/** A format specifier reduced to what must agree between languages: its argument slot and type. */
export interface FormatPlaceholder {
  /** 1-based argument position (explicit `%2$@`, else counted left to right). */
  position: number;
  /** `object` (%@), `string` (%s), `int`, `float`, `char`, `pointer`, or `substitution:<name>` (String Catalog `%#@name@`). */
  type: string;
  /** The specifier as written. */
  text: string;
}

const SPECIFIER =
  /%(?:(\d+)\$)?(#@(\w+)@|[-+ 0#']*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:hh|h|ll|l|q|z|t|j|L)?([@dDiuUxXoOfFeEgGaAcCsSp]))|%%/g;

function typeOf(conversion: string, platform: 'apple' | 'android'): string {
  if (conversion === '@') return 'object';
  if ('sS'.includes(conversion)) return platform === 'android' ? 'object' : 'string';
  if ('dDiuUxXoO'.includes(conversion)) return 'int';
  if ('fFeEgGaA'.includes(conversion)) return 'float';
  if ('cC'.includes(conversion)) return 'char';
  return 'pointer';
}

/**
 * Extracts format placeholders. On Android `%s` formats any object, so `%s` and `%1$s` agree with
 * each other; on Apple platforms `%s` is a C string and must not stand in for `%@`.
 */
export function placeholdersOf(value: string, platform: 'apple' | 'android'): FormatPlaceholder[] {
  const out: FormatPlaceholder[] = [];
  let next = 1;
  for (const m of value.matchAll(SPECIFIER)) {
    if (m[0] === '%%') continue;
    const position = m[1] ? Number(m[1]) : next;
    next = position + 1;
    const type = m[3] ? `substitution:${m[3]}` : typeOf(m[4]!, platform);
    out.push({ position, type, text: m[0] });
  }
  return out.sort((a, b) => a.position - b.position);
}

/** A readable description of how two placeholder lists differ, or undefined when they agree. */
export function placeholderMismatch(
  base: FormatPlaceholder[],
  translated: FormatPlaceholder[],
): string | undefined {
  // A String Catalog substitution (`%#@count@`) carries its own specifier and argument number in the
  // catalog: a plural form of the same arguments, which the lists here cannot compare.
  if ([...base, ...translated].some((p) => p.type.startsWith('substitution:'))) return undefined;
  const signature = (list: FormatPlaceholder[]) => list.map((p) => `${p.position}:${p.type}`).join(',');
  if (signature(base) === signature(translated)) return undefined;
  const show = (list: FormatPlaceholder[]) => (list.length ? list.map((p) => p.text).join(' ') : 'none');
  return `uses ${show(translated)} where the base language uses ${show(base)}`;
}
