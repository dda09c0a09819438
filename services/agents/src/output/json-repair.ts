/**
 * Models return JSON that is almost right: wrapped in a code fence or prose, with trailing commas,
 * single quotes, unquoted keys, or cut off at the token limit. This repairs those cases and
 * nothing else. A truncated tail is cut back to the last complete value (a partial string or
 * number is never kept) and the open brackets are closed; the caller is told it happened.
 */

export type Repair =
  'code-fence' | 'surrounding-text' | 'single-quotes' | 'trailing-comma' | 'unquoted-keys' | 'truncated';

export interface RepairedJson {
  value: unknown;
  repairs: Repair[];
}

/** Why a text could not be read as JSON even after repair. */
export class JsonRepairError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonRepairError';
  }
}

function extractFence(text: string): string | null {
  const open = /```[a-zA-Z0-9_-]*[ \t]*\n?/.exec(text);
  if (!open) return null;
  const start = open.index + open[0].length;
  const close = text.indexOf('```', start);
  return close < 0 ? text.slice(start) : text.slice(start, close);
}

interface Frame {
  closer: '}' | ']';
}

/**
 * Scans `input` from its first `{` or `[`, rewriting single-quoted strings and unquoted keys,
 * dropping trailing commas, and stopping at the end of the top-level value.
 */
function normalise(input: string, repairs: Set<Repair>): string {
  let out = '';
  const stack: Frame[] = [];
  // Output length and stack depth after the last complete value inside a container: where a truncated text can be cut.
  let safe: { length: number; stack: Frame[] } | null = null;
  let i = 0;
  const n = input.length;

  const lastSignificant = (): string => {
    for (let k = out.length - 1; k >= 0; k--) if (!/\s/.test(out[k])) return out[k];
    return '';
  };
  const markSafe = () => {
    if (stack.length > 0) safe = { length: out.length, stack: stack.map((f) => ({ ...f })) };
  };

  while (i < n) {
    const c = input[i];
    if (c === '"' || c === "'") {
      const quote = c;
      if (quote === "'") repairs.add('single-quotes');
      let j = i + 1;
      let body = '';
      let closed = false;
      while (j < n) {
        const d = input[j];
        if (d === '\\') {
          const next = input[j + 1];
          if (next === undefined) break;
          body += quote === "'" && next === "'" ? "'" : `\\${next}`;
          j += 2;
          continue;
        }
        if (d === quote) {
          closed = true;
          break;
        }
        if (d === '\n') body += '\\n';
        else body += quote === "'" && d === '"' ? '\\"' : d;
        j++;
      }
      if (!closed) {
        repairs.add('truncated');
        break;
      }
      out += `"${body}"`;
      i = j + 1;
      // A key is not a complete value; a string value followed by , } ] is.
      const after = /^\s*(.)/.exec(input.slice(i))?.[1];
      if (after !== ':') markSafe();
      continue;
    }
    if (c === '{' || c === '[') {
      stack.push({ closer: c === '{' ? '}' : ']' });
      out += c;
      i++;
      continue;
    }
    if (c === '}' || c === ']') {
      if (lastSignificant() === ',') {
        out = out.replace(/,\s*$/, '');
        repairs.add('trailing-comma');
      }
      const frame = stack.pop();
      if (!frame || frame.closer !== c) throw new JsonRepairError(`unbalanced "${c}" at offset ${i}`);
      out += c;
      i++;
      if (stack.length === 0) {
        if (input.slice(i).trim().length > 0) repairs.add('surrounding-text');
        return out;
      }
      markSafe();
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      const word = /^[A-Za-z_$][\w$-]*/.exec(input.slice(i))![0];
      const after = /^\s*(.)/.exec(input.slice(i + word.length))?.[1];
      const prev = lastSignificant();
      if (after === ':' && (prev === '{' || prev === ',')) {
        out += `"${word}"`;
        repairs.add('unquoted-keys');
      } else if (word === 'True' || word === 'False' || word === 'None') {
        out += word === 'None' ? 'null' : word.toLowerCase();
        markSafe();
      } else {
        out += word;
        if (i + word.length < n) markSafe();
      }
      i += word.length;
      continue;
    }
    if (/[-\d]/.test(c)) {
      const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(input.slice(i))?.[0] ?? c;
      out += num;
      i += num.length;
      if (i < n) markSafe();
      continue;
    }
    out += c;
    i++;
  }

  if (stack.length === 0) return out;
  repairs.add('truncated');
  const cut = safe as { length: number; stack: Frame[] } | null;
  if (!cut) throw new JsonRepairError('the text ends before any complete value');
  let head = out.slice(0, cut.length).replace(/,\s*$/, '');
  // A dangling key (`"file":`) has no value: drop it.
  head = head.replace(/,?\s*"[^"]*"\s*:\s*$/, '');
  return (
    head +
    cut.stack
      .map((f) => f.closer)
      .reverse()
      .join('')
  );
}

/** Parses model output as JSON, repairing the near-valid cases; throws {@link JsonRepairError} otherwise. */
export function parseJsonLenient(raw: string): RepairedJson {
  const repairs = new Set<Repair>();
  let text = raw.replace(/^\uFEFF/, '').trim();
  try {
    return { value: JSON.parse(text), repairs: [] };
  } catch {
    // fall through to repairs
  }
  const fenced = extractFence(text);
  if (fenced !== null) {
    repairs.add('code-fence');
    text = fenced.trim();
  }
  const start = text.search(/[{[]/);
  if (start < 0) throw new JsonRepairError('no JSON object or array in the output');
  if (start > 0) repairs.add('surrounding-text');
  const normalised = normalise(text.slice(start), repairs);
  try {
    return { value: JSON.parse(normalised), repairs: [...repairs] };
  } catch (error) {
    throw new JsonRepairError(`still not JSON after repair: ${(error as Error).message}`);
  }
}
