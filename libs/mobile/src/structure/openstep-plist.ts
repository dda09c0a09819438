import { PermanentError } from '@agentflow/contracts';

/** A value in an old-style (OpenStep) property list, the format of `project.pbxproj`. */
export type PlistValue = string | PlistValue[] | { [key: string]: PlistValue };
export type PlistDict = { [key: string]: PlistValue };

/** The project file is damaged (often a bad merge): the message names the line. */
export class PlistParseError extends PermanentError {
  override readonly code = 'plist_unparseable';
}

const BARE = /[A-Za-z0-9_$+/:.@~-]/;

/**
 * Parses an OpenStep property list: `{ key = value; }`, `( a, b, )`, quoted and bare strings,
 * `/* comments *\/` and `//` comments. Values stay strings; pbxproj has no other scalar types.
 */
export function parseOpenStepPlist(text: string): PlistValue {
  let i = 0;
  const lineAt = (at: number) => text.slice(0, at).split('\n').length;
  const fail = (what: string): never => {
    throw new PlistParseError(
      `project file: ${what} at line ${lineAt(i)}; resolve merge conflicts or restore the file from git`,
    );
  };
  const skip = () => {
    for (;;) {
      while (i < text.length && /\s/.test(text[i]!)) i++;
      if (text.startsWith('//', i)) {
        const end = text.indexOf('\n', i);
        i = end === -1 ? text.length : end + 1;
      } else if (text.startsWith('/*', i)) {
        const end = text.indexOf('*/', i + 2);
        if (end === -1) fail('unterminated comment');
        i = end + 2;
      } else return;
    }
  };
  const readString = (): string => {
    skip();
    const quote = text[i];
    if (quote === '"' || quote === "'") {
      let out = '';
      i++;
      while (i < text.length && text[i] !== quote) {
        if (text[i] === '\\') {
          const next = text[i + 1]!;
          const escapes: Record<string, string> = {
            n: '\n',
            t: '\t',
            r: '\r',
            '"': '"',
            "'": "'",
            '\\': '\\',
          };
          out += escapes[next] ?? next;
          i += 2;
        } else out += text[i++];
      }
      if (i >= text.length) fail('unterminated string');
      i++;
      return out;
    }
    const start = i;
    while (i < text.length && BARE.test(text[i]!)) i++;
    if (start === i) fail(`unexpected ${JSON.stringify(text[i] ?? 'end of file')}`);
    return text.slice(start, i);
  };
  const readValue = (): PlistValue => {
    skip();
    const ch = text[i];
    if (ch === '{') {
      i++;
      const dict: PlistDict = {};
      for (;;) {
        skip();
        if (text[i] === '}') {
          i++;
          return dict;
        }
        const key = readString();
        skip();
        if (text[i] !== '=') fail(`expected "=" after key ${key}`);
        i++;
        dict[key] = readValue();
        skip();
        if (text[i] !== ';') fail(`expected ";" after the value of ${key}`);
        i++;
      }
    }
    if (ch === '(') {
      i++;
      const array: PlistValue[] = [];
      for (;;) {
        skip();
        if (text[i] === ')') {
          i++;
          return array;
        }
        array.push(readValue());
        skip();
        if (text[i] === ',') i++;
        else if (text[i] !== ')') fail('expected "," or ")" in a list');
      }
    }
    return readString();
  };
  // `// !$*UTF8*$!` header is a comment.
  const value = readValue();
  skip();
  if (i < text.length) fail('unexpected text after the root object');
  return value;
}
