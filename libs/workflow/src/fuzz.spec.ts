import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseDocument,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import { compileSource, compileWorkflow, type CompileContext } from './compile';
import { SourceFile } from './source';
import { createCompileContext, listWorkflowFiles, loadProjectConfig } from './project';
import { seededRandom } from '@agentflow/contracts';

/**
 * Mutates the shipped workflows node by node (fixed seed, 5,000 cases) and checks that the
 * compiler never throws and that every error points inside the mutated node or its parent. The
 * one allowed exception is an error elsewhere that quotes text the mutation removed: renaming
 * phase `analysis` rightly reports `depends_on: [analysis]` where it is written.
 */
const CASES = 5000;
const SEED = 0x5eed_4;

type PathPart = string | number;
interface Site {
  path: PathPart[];
  node: Node;
  /** Set for a key of a map entry. */
  pair?: Pair;
}

function sites(doc: Document): Site[] {
  const out: Site[] = [];
  const walk = (node: unknown, path: PathPart[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        out.push({ path: [...path, key], node: pair.key as Node, pair });
        if (pair.value) {
          out.push({ path: [...path, key], node: pair.value as Node });
          walk(pair.value, [...path, key]);
        }
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        out.push({ path: [...path, i], node: item as Node });
        walk(item, [...path, i]);
      });
    }
  };
  walk(doc.contents, []);
  return out;
}

function textsOf(node: unknown, into: Set<string>): Set<string> {
  if (isScalar(node) && node.value !== null && node.value !== undefined) into.add(String(node.value));
  else if (isMap(node))
    for (const pair of node.items) {
      textsOf(pair.key, into);
      textsOf(pair.value, into);
    }
  else if (isSeq(node)) for (const item of node.items) textsOf(item, into);
  else if (isPair(node)) {
    textsOf(node.key, into);
    textsOf(node.value, into);
  }
  return into;
}

function typo(text: string, rnd: () => number): string {
  if (text.length < 2) return `${text}x`;
  const i = Math.floor(rnd() * (text.length - 1));
  switch (Math.floor(rnd() * 3)) {
    case 0:
      return text.slice(0, i) + text[i + 1] + text[i] + text.slice(i + 2);
    case 1:
      return text.slice(0, i) + text.slice(i + 1);
    default:
      return `${text.slice(0, i)}q${text.slice(i)}`;
  }
}

const WORDS = [
  '',
  'zz',
  'qwerty',
  'agnets',
  'fals',
  '> ten',
  '*.[',
  '/x',
  '5',
  '12h',
  'a b c',
  'claude-api.fail',
  'unknown-agent',
  '${nope}',
];

function randomValue(doc: Document, original: Node, rnd: () => number): Node {
  const pick = Math.floor(rnd() * 9);
  switch (pick) {
    case 0:
      return doc.createNode(rnd() < 0.5 ? -1 : 3.5) as Node;
    case 1:
      return doc.createNode(rnd() < 0.5) as Node;
    case 2:
      return doc.createNode(null) as Node;
    case 3:
      return doc.createNode({ zq: 1 }) as Node;
    case 4:
      return doc.createNode([1, 'zq']) as Node;
    case 5:
    case 6:
      if (isScalar(original) && typeof original.value === 'string')
        return doc.createNode(typo(original.value, rnd)) as Node;
      return doc.createNode(WORDS[Math.floor(rnd() * WORDS.length)]) as Node;
    default:
      return doc.createNode(WORDS[Math.floor(rnd() * WORDS.length)]) as Node;
  }
}

function nodeAt(doc: Document, path: PathPart[]): Node | undefined {
  return path.length === 0 ? (doc.contents as Node) : (doc.getIn(path, true) as Node | undefined);
}

function pairRange(doc: Document, parentPath: PathPart[], key: string): [number, number] | undefined {
  const parent = nodeAt(doc, parentPath);
  if (!isMap(parent)) return undefined;
  const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
  if (!pair || !isScalar(pair.key) || !pair.key.range) return undefined;
  const end = (pair.value as Node | null)?.range?.[2] ?? pair.key.range[2];
  return [pair.key.range[0], end];
}

const range = (node: Node | undefined): [number, number] | undefined =>
  node?.range ? [node.range[0], node.range[2]] : undefined;

describe('fuzz: mutated shipped workflows', () => {
  const dir = join(__dirname, '..', '..', '..', 'workflows');
  const { config } = loadProjectConfig(dir);
  const ctx: CompileContext = createCompileContext(config!);
  const sources = listWorkflowFiles(dir).map((file) => {
    const text = readFileSync(file, 'utf8');
    return { file, text, doc: parseDocument(text) };
  });

  it(`${CASES} node mutations: no crash, every error inside the mutated node or its parent`, () => {
    const rnd = seededRandom(SEED);
    const failures: string[] = [];
    let errorsSeen = 0;
    let referencesElsewhere = 0;
    // Each case mutates the parsed document in place, prints it, and puts the node back: cheaper than a copy per case.
    const siteLists = sources.map((source) => sites(source.doc));
    for (let n = 0; n < CASES; n++) {
      const which = Math.floor(rnd() * sources.length);
      const source = sources[which];
      const doc = source.doc;
      const all = siteLists[which];
      const site = all[Math.floor(rnd() * all.length)];
      const parentPath = site.path.slice(0, -1);
      const parentNode = nodeAt(doc, parentPath);
      const last = site.path[site.path.length - 1];
      let removed = new Set<string>();
      let kind: string;
      let revert: () => void;
      // Where to look in the mutated text: the mutated node (by path) and its parent (one level up).
      let locate: (d: Document) => { node?: [number, number]; parent?: [number, number] };
      const choice = rnd();
      if (site.pair && choice < 0.3) {
        kind = 'rename key';
        const newKey =
          rnd() < 0.7 ? typo(String(last), rnd) : WORDS[1 + Math.floor(rnd() * (WORDS.length - 1))];
        if (isMap(parentNode) && parentNode.has(newKey)) continue;
        removed = textsOf(site.pair, new Set());
        const key = site.pair.key as { value: unknown };
        const old = key.value;
        key.value = newKey;
        revert = () => {
          key.value = old;
        };
        locate = (d) => ({ node: pairRange(d, parentPath, newKey), parent: range(nodeAt(d, parentPath)) });
      } else if (!site.pair && choice < 0.6) {
        kind = 'replace value';
        removed = textsOf(site.node, new Set());
        const replacement = randomValue(doc, site.node, rnd);
        if (isSeq(parentNode)) {
          const i = last as number;
          parentNode.items[i] = replacement;
          revert = () => {
            parentNode.items[i] = site.node;
          };
        } else {
          const pair = (parentNode as YAMLMap).items.find((p) => p.value === site.node)!;
          pair.value = replacement;
          revert = () => {
            pair.value = site.node;
          };
        }
        locate = (d) => ({ node: range(nodeAt(d, site.path)), parent: range(nodeAt(d, parentPath)) });
      } else if (choice < 0.8) {
        kind = 'delete entry';
        const items = (parentNode as YAMLMap | YAMLSeq).items as unknown[];
        const entry =
          site.pair ??
          (isSeq(parentNode)
            ? items[last as number]
            : (parentNode as YAMLMap).items.find((p) => p.value === site.node));
        removed = textsOf(entry, new Set());
        const at = items.indexOf(entry);
        items.splice(at, 1);
        revert = () => {
          items.splice(at, 0, entry);
        };
        // The node is gone: its container is the mutated node, the container's container its parent.
        locate = (d) => ({
          node: range(nodeAt(d, parentPath)),
          parent: range(nodeAt(d, parentPath.slice(0, -1))),
        });
      } else if (isSeq(parentNode) && !site.pair) {
        kind = 'duplicate item';
        parentNode.items.push(doc.createNode((site.node as Node).toJSON()) as Node);
        const index = parentNode.items.length - 1;
        revert = () => {
          parentNode.items.pop();
        };
        locate = (d) => ({
          node: range(nodeAt(d, [...parentPath, index])),
          parent: range(nodeAt(d, parentPath)),
        });
      } else if (isMap(site.node)) {
        kind = 'add key';
        const map = site.node;
        const key = `zq_${Math.floor(rnd() * 1000)}`;
        map.set(key, doc.createNode('x'));
        revert = () => {
          map.delete(key);
        };
        locate = (d) => ({ node: pairRange(d, site.path, key), parent: range(nodeAt(d, site.path)) });
      } else {
        continue;
      }
      const text = doc.toString({ lineWidth: 0 });
      revert();
      let result;
      const src = new SourceFile(source.file, text);
      try {
        result = compileSource(src, ctx);
      } catch (error) {
        failures.push(
          `case ${n} (${kind} at ${site.path.join('.')} in ${source.file}): threw ${(error as Error).stack}`,
        );
        continue;
      }
      const errors = result.diagnostics.filter((d) => d.severity === 'error');
      errorsSeen += errors.length;
      if (errors.length === 0) continue;
      const where = locate(src.doc);
      const rootLevel = parentPath.length === 0 || (kind === 'delete entry' && parentPath.length <= 1);
      const inside = (offset: number, r?: [number, number]) =>
        r !== undefined && offset >= r[0] && offset <= r[1];
      for (const e of errors) {
        const offset = e.range?.[0] ?? 0;
        if (rootLevel || inside(offset, where.node) || inside(offset, where.parent)) continue;
        const quotesRemoved = [...removed].some((t) => t.length > 0 && e.message.includes(t));
        if (quotesRemoved) {
          referencesElsewhere++;
          continue;
        }
        failures.push(
          `case ${n} (${kind} at ${site.path.join('.')} in ${source.file.replace(`${dir}/`, '')}): ${e.line}:${e.col} ${e.message}`,
        );
      }
    }
    // Every mutation was undone: the documents print as they were read.
    for (const source of sources)
      expect(source.doc.toString({ lineWidth: 0 })).toBe(
        parseDocument(source.text).toString({ lineWidth: 0 }),
      );
    expect(failures.slice(0, 10)).toEqual([]);
    // The mutations do produce errors: the check above is not vacuous.
    expect(errorsSeen).toBeGreaterThan(CASES / 2);
    // Errors at a reference elsewhere are the exception, not the rule.
    expect(referencesElsewhere).toBeLessThan(errorsSeen / 20);
  });

  it('500 text mutations (lines dropped, characters inserted): no crash, every position inside the file', () => {
    const rnd = seededRandom(SEED + 1);
    const junk = ['\t', ':', '- ', '[', '{', '"', '&a', '*a', '!!int ', '\n  ', '#', '|'];
    for (let n = 0; n < 500; n++) {
      const { file, text } = sources[Math.floor(rnd() * sources.length)];
      const lines = text.split('\n');
      const at = Math.floor(rnd() * lines.length);
      if (rnd() < 0.5) lines.splice(at, 1);
      else {
        const col = Math.floor(rnd() * (lines[at].length + 1));
        lines[at] = lines[at].slice(0, col) + junk[Math.floor(rnd() * junk.length)] + lines[at].slice(col);
      }
      const mutated = lines.join('\n');
      const result = compileWorkflow(mutated, file, ctx);
      const lineCount = mutated.split('\n').length;
      for (const d of result.diagnostics) {
        expect(d.line).toBeGreaterThanOrEqual(1);
        expect(d.line).toBeLessThanOrEqual(lineCount);
        expect(d.message).not.toMatch(/\n/);
      }
    }
  });
});
