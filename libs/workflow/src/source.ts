import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
  type Scalar,
  type YAMLMap,
} from 'yaml';
import type { Diagnostic, SourcePosition } from './diagnostics';
import { didYouMean } from './suggest';

/** A key of a YAML map and its value, both with their source positions. */
export interface Field {
  key: Scalar;
  /** `null` when the key has no value (`trigger:` followed by nothing). */
  value: Node | null;
}

/**
 * One YAML file parsed with positions (the `yaml` library's CST and a `LineCounter`), and the
 * diagnostics found in it so far. Every reader method reports problems at the node they are about,
 * so an error always points at the text the author has to change.
 */
export class SourceFile {
  readonly diagnostics: Diagnostic[] = [];
  readonly doc: Document.Parsed;
  private readonly lines = new LineCounter();

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    this.doc = parseDocument(text, {
      lineCounter: this.lines,
      prettyErrors: false,
      uniqueKeys: true,
      merge: false,
      strict: true,
    });
    // A runaway input (collections nested past the stack) makes the parser repeat one error per
    // level: report each distinct message once, at its first position, and at most 20 in all.
    const firstOfEach = new Map<string, (typeof this.doc.errors)[number]>();
    for (const e of this.doc.errors) {
      const message = yamlMessage(e.message, e.code);
      const seen = firstOfEach.get(message);
      if (!seen || e.pos[0] < seen.pos[0]) firstOfEach.set(message, e);
    }
    for (const [message, e] of [...firstOfEach].slice(0, 20))
      this.report('error', e.pos[0], e.pos[1], message);
    for (const w of this.doc.warnings)
      this.report('warning', w.pos[0], w.pos[1], yamlMessage(w.message, w.code));
  }

  /** The document's top node, or `undefined` for an empty file or one that failed to parse. */
  get root(): Node | undefined {
    const contents = this.doc.contents;
    return contents === null ? undefined : (contents as Node);
  }

  get syntaxOk(): boolean {
    return this.doc.errors.length === 0;
  }

  position(offset: number): SourcePosition {
    const pos = this.lines.linePos(Math.max(0, Math.min(offset, this.text.length)));
    return { line: pos.line, col: pos.col };
  }

  /** Reports a problem at a node (or at the start of the file when there is none). */
  error(node: Node | null | undefined, message: string): void {
    const [start, end] = rangeOf(node);
    this.report('error', start, end, message);
  }

  warn(node: Node | null | undefined, message: string): void {
    const [start, end] = rangeOf(node);
    this.report('warning', start, end, message);
  }

  /** Reports a problem inside a scalar, at `offset` characters into its value (a condition's bad token). */
  errorInside(node: Node, offset: number, message: string): void {
    const [start, end] = rangeOf(node);
    const quoted = isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') ? 1 : 0;
    const plain = isScalar(node) && (node.type === 'PLAIN' || quoted === 1);
    const at = plain ? Math.min(start + quoted + offset, Math.max(start, end - 1)) : start;
    this.report('error', at, end, message);
  }

  private report(severity: Diagnostic['severity'], start: number, end: number, message: string): void {
    const { line, col } = this.position(start);
    this.diagnostics.push({ file: this.file, line, col, range: [start, end], severity, message });
  }

  /** Follows an alias (`*anchor`) to the node it names; other nodes are returned as they are. */
  deref(node: Node | null | undefined): Node | null {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return (node.resolve(this.doc) as Node | undefined) ?? null;
    return node;
  }

  /**
   * Reads a map, reporting a non-map and every key not in `allowed` (with a did-you-mean hint).
   * Returns the fields by key, or `undefined` when the node is not a map.
   */
  map(
    node: Node | null | undefined,
    what: string,
    allowed: readonly string[] | null,
  ): Map<string, Field> | undefined {
    const target = this.deref(node);
    if (!isMap(target)) {
      this.error(node, `${what} must be a map of \`key: value\` lines, found ${describe(target)}`);
      return undefined;
    }
    return this.fields(target, what, allowed);
  }

  fields(target: YAMLMap, what: string, allowed: readonly string[] | null): Map<string, Field> {
    const out = new Map<string, Field>();
    for (const pair of target.items) {
      const key = pair.key as Node | null;
      if (!isScalar(key) || (typeof key.value !== 'string' && typeof key.value !== 'number')) {
        this.error(key ?? target, `keys in ${what} must be plain names, found ${describe(key)}`);
        continue;
      }
      const name = String(key.value);
      if (allowed !== null && !allowed.includes(name)) {
        const hint =
          name === '<<'
            ? '; YAML merge keys are not supported here, repeat the keys instead'
            : didYouMean(name, allowed);
        this.error(key, `unknown key \`${name}\` in ${what}${hint}`);
        continue;
      }
      out.set(name, { key, value: (pair.value as Node | null) ?? null });
    }
    return out;
  }

  /** The items of a list (aliases followed), or `undefined` after reporting a non-list. */
  list(node: Node | null | undefined, what: string): Node[] | undefined {
    const target = this.deref(node);
    if (!isSeq(target)) {
      this.error(node, `${what} must be a list (lines starting with \`- \`), found ${describe(target)}`);
      return undefined;
    }
    return target.items.map((item) => item as Node);
  }

  string(node: Node | null | undefined, what: string): string | undefined {
    const target = this.deref(node);
    if (isScalar(target) && typeof target.value === 'string' && target.value.trim() !== '')
      return target.value;
    if (isScalar(target) && typeof target.value === 'string') {
      this.error(node, `${what} must not be empty`);
      return undefined;
    }
    this.error(node, `${what} must be text, found ${describe(target)}`);
    return undefined;
  }

  boolean(node: Node | null | undefined, what: string): boolean | undefined {
    const target = this.deref(node);
    if (isScalar(target) && typeof target.value === 'boolean') return target.value;
    this.error(node, `${what} must be \`true\` or \`false\`, found ${describe(target)}`);
    return undefined;
  }

  number(
    node: Node | null | undefined,
    what: string,
    limits: { min?: number; max?: number; integer?: boolean } = {},
  ): number | undefined {
    const target = this.deref(node);
    if (!isScalar(target) || typeof target.value !== 'number' || !Number.isFinite(target.value)) {
      this.error(node, `${what} must be a number, found ${describe(target)}`);
      return undefined;
    }
    const value = target.value;
    if (limits.integer && !Number.isInteger(value)) {
      this.error(node, `${what} must be a whole number, found ${value}`);
      return undefined;
    }
    if (
      (limits.min !== undefined && value < limits.min) ||
      (limits.max !== undefined && value > limits.max)
    ) {
      const range =
        limits.max === undefined
          ? `at least ${limits.min}`
          : limits.min === undefined
            ? `at most ${limits.max}`
            : `between ${limits.min} and ${limits.max}`;
      this.error(node, `${what} must be ${range}, found ${value}`);
      return undefined;
    }
    return value;
  }

  /** One string or a list of strings (`files_changed: "*.swift"` or `["*.swift", "*.m"]`). */
  stringList(node: Node | null | undefined, what: string): Array<{ value: string; node: Node }> | undefined {
    const target = this.deref(node);
    if (isScalar(target) && typeof target.value === 'string') {
      const value = this.string(node, what);
      return value === undefined ? undefined : [{ value, node: node as Node }];
    }
    if (!isSeq(target)) {
      this.error(node, `${what} must be text or a list of text, found ${describe(target)}`);
      return undefined;
    }
    const out: Array<{ value: string; node: Node }> = [];
    for (const item of target.items as Node[]) {
      const value = this.string(item, `each entry of ${what}`);
      if (value !== undefined) out.push({ value, node: item });
    }
    return out;
  }

  /**
   * A free-form value as plain data. Aliases count against a limit, so an alias bomb (a few lines
   * that expand to millions of values) is refused instead of travelling inside every plan.
   */
  plain(node: Node | null | undefined, what: string): unknown {
    const target = this.deref(node);
    if (!target) return undefined;
    try {
      return target.toJS(this.doc, { maxAliasCount: 100 });
    } catch (error) {
      this.error(
        node,
        `${what} expands too many aliases (${(error as Error).message}); write the values out`,
      );
      return undefined;
    }
  }

  /** Whether a node is a scalar holding text (after following aliases). */
  isText(node: Node | null | undefined): boolean {
    const target = this.deref(node);
    return isScalar(target) && typeof target.value === 'string';
  }
}

/** `[start, end)` of a node; a missing node points at the start of the file. */
export function rangeOf(node: Node | null | undefined): [number, number] {
  const range = node?.range;
  if (!range) return [0, 0];
  return [range[0], Math.max(range[0], range[1])];
}

/** How a value reads in an error message: "a list", "a map", "the number 3", "nothing". */
export function describe(node: Node | null | undefined): string {
  if (node === null || node === undefined) return 'nothing';
  if (isMap(node)) return 'a map';
  if (isSeq(node)) return 'a list';
  if (isAlias(node)) return 'an alias';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null || v === undefined) return 'nothing';
    if (typeof v === 'string') return v.trim() === '' ? 'empty text' : `the text \`${truncate(v)}\``;
    if (typeof v === 'number') return `the number ${v}`;
    if (typeof v === 'boolean') return `\`${v}\``;
    return 'a value';
  }
  return 'a value';
}

function truncate(s: string): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > 40 ? `${one.slice(0, 37)}...` : one;
}

/** The first line of a `yaml` parser message, without its own position suffix. */
function yamlMessage(message: string, code: string): string {
  const line = message
    .split('\n')[0]
    .replace(/ at line \d+, column \d+:?$/, '')
    .trim();
  const first = line.length > 160 ? `${line.slice(0, 157)}...` : line;
  const hint =
    code === 'DUPLICATE_KEY'
      ? '; remove or rename one of them'
      : code === 'TAB_AS_INDENT'
        ? '; indent with spaces'
        : '';
  return `YAML: ${first}${hint}`;
}
