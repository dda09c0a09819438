/** One localized string with where it is defined. */
export interface LocalizedEntry {
  key: string;
  value: string;
  line: number;
}

/** One language's strings of one table (`Localizable.strings` in `fr.lproj`, `values-fr/strings.xml`). */
export interface LocalizedTable {
  language: string;
  entries: Map<string, LocalizedEntry>;
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function unescapeStrings(value: string): string {
  return value.replace(/\\(["\\nrt])/g, (_m, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c);
}

/** Reads an Apple `.strings` file (`"key" = "value";`, comments, unquoted keys). */
export function readDotStrings(text: string): Map<string, LocalizedEntry> {
  const entries = new Map<string, LocalizedEntry>();
  const blanked = text
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
    .replace(/^\s*\/\/.*$/gm, (c) => ' '.repeat(c.length));
  const re = /(?:"((?:[^"\\]|\\.)*)"|([A-Za-z0-9_.]+))\s*=\s*"((?:[^"\\]|\\.)*)"\s*;/g;
  // Lines counted on from the previous match: matches come in order, so one pass over the file.
  let line = 1;
  let counted = 0;
  for (let m = re.exec(blanked); m; m = re.exec(blanked)) {
    for (let i = blanked.indexOf('\n', counted); i !== -1 && i < m.index; i = blanked.indexOf('\n', i + 1))
      line++;
    counted = m.index;
    const key = unescapeStrings(m[1] ?? m[2]!);
    entries.set(key, { key, value: unescapeStrings(m[3]!), line });
  }
  return entries;
}

function decodeXml(value: string): string {
  return value
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\\'/g, "'")
    .replace(/\\"/g, '"');
}

/**
 * Reads Android `strings.xml`: `<string>` entries and the `other` form of `<plurals>` (the form
 * every language has). `translatable="false"` strings are skipped: they are not translated.
 */
export function readStringsXml(text: string): Map<string, LocalizedEntry> {
  const entries = new Map<string, LocalizedEntry>();
  const body = text.replace(/<!--[\s\S]*?-->/g, (c) => c.replace(/[^\n]/g, ' '));
  for (const m of body.matchAll(/<string\s+([^>]*?)(?:\/>|>([\s\S]*?)<\/string>)/g)) {
    const name = /\bname\s*=\s*"([^"]+)"/.exec(m[1]!)?.[1];
    if (!name || /translatable\s*=\s*"false"/.test(m[1]!)) continue;
    entries.set(name, { key: name, value: decodeXml(m[2] ?? ''), line: lineAt(body, m.index) });
  }
  for (const m of body.matchAll(/<plurals\s+([^>]*)>([\s\S]*?)<\/plurals>/g)) {
    const name = /\bname\s*=\s*"([^"]+)"/.exec(m[1]!)?.[1];
    if (!name || /translatable\s*=\s*"false"/.test(m[1]!)) continue;
    const other = /<item\s+quantity\s*=\s*"other"\s*>([\s\S]*?)<\/item>/.exec(m[2]!);
    if (other)
      entries.set(name, {
        key: name,
        value: decodeXml(other[1]!),
        line: lineAt(body, m.index + m[0].indexOf(other[0])),
      });
  }
  return entries;
}

/**
 * Every resource name a `strings.xml` defines (`<string>`, `<plurals>`, `<string-array>`), the
 * untranslatable ones included: what a translation may carry without being extra.
 */
export function stringsXmlNames(text: string): Set<string> {
  const body = text.replace(/<!--[\s\S]*?-->/g, '');
  return new Set(
    [...body.matchAll(/<(?:string|plurals|string-array)\s[^>]*?\bname\s*=\s*"([^"]+)"/g)].map((m) => m[1]!),
  );
}

interface XcStringUnit {
  stringUnit?: { value?: string };
  variations?: Record<string, Record<string, XcStringUnit>>;
  substitutions?: Record<string, unknown>;
}

/**
 * Reads an Xcode String Catalog (`.xcstrings`) into one table per language. A key without a
 * source-language entry uses the key itself (Xcode's behaviour); plural variations contribute
 * their `other` form.
 */
export function readXcstrings(text: string): { sourceLanguage: string; tables: LocalizedTable[] } {
  const doc = JSON.parse(text) as {
    sourceLanguage?: string;
    strings?: Record<string, { localizations?: Record<string, XcStringUnit>; shouldTranslate?: boolean }>;
  };
  const sourceLanguage = doc.sourceLanguage ?? 'en';
  const tables = new Map<string, LocalizedTable>();
  const table = (language: string) => {
    let t = tables.get(language);
    if (!t) tables.set(language, (t = { language, entries: new Map() }));
    return t;
  };
  const lines = text.split('\n');
  // Each `"name" : {` line indexed once: a look-up per key and per language, not a scan (catalogs run to 100k lines).
  const opening = new Map<string, number[]>();
  lines.forEach((l, i) => {
    for (const m of l.matchAll(/("(?:[^"\\]|\\.)*")\s?: \{/g)) {
      const list = opening.get(m[1]!);
      if (list) list.push(i + 1);
      else opening.set(m[1]!, [i + 1]);
    }
  });
  const keyLine = (key: string) => opening.get(JSON.stringify(key))?.[0] ?? 0;
  /** First 1-based line after `start` that opens `"language" : {`, or 0. */
  const languageLine = (language: string, start: number) => {
    const list = opening.get(`"${language}"`) ?? [];
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]! > start) hi = mid;
      else lo = mid + 1;
    }
    return list[lo] ?? 0;
  };
  const valueOf = (unit: XcStringUnit | undefined): string | undefined => {
    if (!unit) return undefined;
    if (unit.stringUnit?.value !== undefined) return unit.stringUnit.value;
    for (const variation of Object.values(unit.variations ?? {})) {
      const other = variation.other ?? Object.values(variation)[0];
      const v = valueOf(other);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  table(sourceLanguage);
  for (const [key, entry] of Object.entries(doc.strings ?? {})) {
    if (entry.shouldTranslate === false) continue;
    const start = keyLine(key);
    const localizations = entry.localizations ?? {};
    if (!localizations[sourceLanguage])
      table(sourceLanguage).entries.set(key, { key, value: key, line: start });
    for (const [language, unit] of Object.entries(localizations)) {
      const value = valueOf(unit);
      if (value === undefined) continue;
      // The language's own line inside the key's block, for a precise finding.
      const line = languageLine(language, start);
      table(language).entries.set(key, { key, value, line: line === 0 ? start : line });
    }
  }
  return { sourceLanguage, tables: [...tables.values()] };
}
