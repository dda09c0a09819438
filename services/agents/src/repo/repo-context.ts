/**
 * What an agent knows about a change beyond its diff, built from the {@link RepoReader}
 * primitives: related files (the tests of a changed file, the protocols or interfaces it
 * implements, its callers), the team's conventions file and the workflow's path instructions.
 */
import picomatch from 'picomatch';
import { isTestPath, type SourceLanguage } from '@agentflow/mobile';
import type { RepoReader } from '@agentflow/repo';

export type RelatedKind = 'test' | 'interface' | 'caller';

export interface RelatedFile {
  path: string;
  kind: RelatedKind;
  /** Which changed file it relates to. */
  of: string;
}

export interface PathInstruction {
  /** Glob over repository-relative paths (`Sources/Payments/**`). */
  path: string;
  instructions: string;
}

/** Conventions files looked for at the base commit, first found wins. */
export const CONVENTIONS_FILES = [
  'AGENTS.md',
  '.agentflow/conventions.md',
  'CONVENTIONS.md',
  '.github/copilot-instructions.md',
];

const DECLARATION =
  /\b(?:class|struct|enum|protocol|interface|object|actor|extension)\s+([A-Z][A-Za-z0-9_]*)/g;
const CONFORMANCE =
  /\b(?:class|struct|enum|actor|object|extension)\s+[A-Z][A-Za-z0-9_]*(?:<[^>{]*>)?\s*(?:\([^)]*\))?\s*:\s*([^{\n]+)/g;
const JAVA_IMPLEMENTS = /\b(?:implements|extends)\s+([A-Z][A-Za-z0-9_.,\s<>]*)\{/g;

const TYPE_USE = /:\s*\[?([A-Z][A-Za-z0-9_]*)/g;

/**
 * Types a file conforms to or depends on (`: PaymentService` on a property or parameter), the
 * ones a reviewer opens next to see the contract the code is written against.
 */
export function referencedTypes(text: string): string[] {
  const declared = new Set(declaredTypes(text));
  const out = new Set<string>(conformances(text));
  for (const m of text.matchAll(TYPE_USE)) if (!declared.has(m[1])) out.add(m[1]);
  return [...out].filter((t) => !declared.has(t));
}

/** Type names a file declares (`class LoginViewModel`, `protocol AuthService`). */
export function declaredTypes(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(DECLARATION)) out.add(m[1]);
  return [...out];
}

/** Protocols / interfaces / supertypes a file's declarations name after `:` or `implements`. */
export function conformances(text: string): string[] {
  const out = new Set<string>();
  const take = (list: string) => {
    for (const part of list.split(',')) {
      const name = /([A-Z][A-Za-z0-9_]*)/.exec(part.trim().replace(/\(.*$/, ''));
      if (name) out.add(name[1]);
    }
  };
  for (const m of text.matchAll(CONFORMANCE)) take(m[1].replace(/\bwhere\b.*$/, ''));
  for (const m of text.matchAll(JAVA_IMPLEMENTS)) take(m[1]);
  return [...out];
}

function stem(path: string): string {
  const name = path.split('/').pop() ?? path;
  return name.replace(/\.[^.]+$/, '');
}

export class RepoContext {
  private files?: Promise<string[]>;
  /** One read per path and task: the analysis, the chunker and related-file lookup share it. */
  private readonly heads = new Map<string, Promise<string | null>>();
  private readonly references = new Map<string, Promise<string[]>>();

  constructor(
    readonly reader: RepoReader,
    readonly headSha: string,
    readonly baseSha: string | undefined,
  ) {}

  listFiles(): Promise<string[]> {
    this.files ??= this.reader.listFiles(this.headSha);
    return this.files;
  }

  readHead(path: string): Promise<string | null> {
    let read = this.heads.get(path);
    if (!read) this.heads.set(path, (read = this.reader.readFile(path, this.headSha)));
    return read;
  }

  private findReferences(needle: string, limit: number): Promise<string[]> {
    const key = `${limit}\0${needle}`;
    let found = this.references.get(key);
    if (!found) this.references.set(key, (found = this.reader.findReferences(needle, this.headSha, limit)));
    return found;
  }

  /** Tests, interfaces and callers of `path`, at most `limit` of each kind. */
  async relatedFiles(path: string, language: SourceLanguage | undefined, limit = 2): Promise<RelatedFile[]> {
    const all = await this.listFiles();
    const name = stem(path);
    const out: RelatedFile[] = [];
    const seen = new Set<string>([path]);
    const add = (p: string, kind: RelatedKind) => {
      if (seen.has(p)) return;
      seen.add(p);
      out.push({ path: p, kind, of: path });
    };

    const testNames = new Set([`${name}Tests`, `${name}Test`, `${name}Spec`, `${name}UnitTest`]);
    all
      .filter((p) => isTestPath(p) && testNames.has(stem(p)))
      .slice(0, limit)
      .forEach((p) => add(p, 'test'));

    const text = await this.readHead(path);
    if (!text || !language) return out;
    const exts = language === 'swift' ? ['swift'] : language === 'objc' ? ['h', 'm'] : ['kt', 'java'];
    let interfaces = 0;
    for (const type of referencedTypes(text).slice(0, 8)) {
      if (interfaces >= limit) break;
      const byName = all.find((p) => stem(p) === type && exts.some((e) => p.endsWith(`.${e}`)));
      if (byName) {
        add(byName, 'interface');
        interfaces++;
        continue;
      }
      const keyword =
        language === 'swift'
          ? `protocol ${type}`
          : language === 'objc'
            ? `@protocol ${type}`
            : `interface ${type}`;
      const hit = (await this.findReferences(keyword, 1))[0];
      if (hit) {
        add(hit, 'interface');
        interfaces++;
      }
    }
    let callers = 0;
    for (const type of declaredTypes(text).slice(0, 3)) {
      for (const hit of await this.findReferences(type, limit + 4)) {
        if (callers >= limit) break;
        if (seen.has(hit) || isTestPath(hit) || !exts.some((e) => hit.endsWith(`.${e}`))) continue;
        add(hit, 'caller');
        callers++;
      }
    }
    return out;
  }

  /** The team's conventions file at the base commit (head when there is no base), if any. */
  async conventions(preferredPath?: string): Promise<{ path: string; text: string } | null> {
    const sha = this.baseSha ?? this.headSha;
    for (const path of preferredPath ? [preferredPath, ...CONVENTIONS_FILES] : CONVENTIONS_FILES) {
      const text = await this.reader.readFile(path, sha);
      if (text) return { path, text };
    }
    return null;
  }

  /** The `.gitattributes` text at head, for `linguist-generated`. */
  gitattributes(): Promise<string | null> {
    return this.readHead('.gitattributes');
  }
}

/** Instructions whose glob matches `path`, in workflow order. */
export function instructionsFor(path: string, instructions: PathInstruction[]): string[] {
  return instructions.filter((i) => picomatch(i.path, { dot: true })(path)).map((i) => i.instructions);
}
