import { classifyFile } from '../files/classify';
import type { RepoReader } from '../repo/repo-reader';

/** Markers of a module root: tests of a source live under the same root. */
const MODULE_ROOT_FILES = /(^|\/)(build\.gradle(\.kts)?|Package\.swift|[^/]+\.xcodeproj\/project\.pbxproj|[^/]+\.podspec)$/;

function baseName(path: string): string {
  const file = path.slice(path.lastIndexOf('/') + 1);
  return file.replace(/\.[^.]+$/, '').replace(/\+.*$/, '');
}

/**
 * Finds which tests belong to which source. A test belongs to a source when both sit under the
 * same module root (nearest folder with a Gradle build file, `Package.swift`, an Xcode project or
 * a podspec) and the test is named after it (`CartTests`, `CartTest`, `CartSpec`, `CartViewModelTests`
 * for `CartViewModel`) or mentions the source's main type (`Cart`) by name.
 */
export class TestMap {
  private readonly roots: string[];
  private readonly tests: Array<{ path: string; root: string; base: string }>;
  /** Identifiers per test file, built on first use: a mention check is then a set look-up, not a scan. */
  private readonly words = new Map<string, Set<string>>();

  constructor(private readonly repo: RepoReader) {
    this.roots = repo.files.filter((f) => MODULE_ROOT_FILES.test(f)).map((f) => {
      const project = f.indexOf('.xcodeproj/');
      const dir = project === -1 ? f : f.slice(0, project);
      const i = dir.lastIndexOf('/');
      return i === -1 ? '' : dir.slice(0, i);
    });
    this.tests = repo.files
      .filter((f) => classifyFile(f).kind === 'test')
      .map((path) => ({ path, root: this.moduleRoot(path), base: baseName(path) }));
  }

  /** Nearest module root above a path (`''` for the repository root). */
  moduleRoot(path: string): string {
    let best = '';
    for (const root of this.roots) if ((root === '' || path.startsWith(`${root}/`)) && root.length > best.length) best = root;
    return best;
  }

  /** Test files that exercise the given source file; empty when none can be found. */
  testsFor(sourcePath: string): string[] {
    const base = baseName(sourcePath);
    if (!base) return [];
    const root = this.moduleRoot(sourcePath);
    const named = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(Tests?|Specs?|UITests?)$`);
    const sameModule = this.tests.filter((t) => t.root === root);
    // A repository with one shared test folder (Xcode apps often) is one module for tests.
    const pool = sameModule.length > 0 ? sameModule : this.tests;
    const byName = pool.filter((t) => named.test(t.base)).map((t) => t.path);
    if (byName.length > 0) return byName;
    return pool.filter((t) => this.mentions(t.path, base)).map((t) => t.path);
  }

  /** Whether a file uses `identifier` as a word (a type or function name). */
  mentions(path: string, identifier: string): boolean {
    let words = this.words.get(path);
    if (!words) {
      words = new Set((this.repo.read(path) ?? '').match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []);
      this.words.set(path, words);
    }
    return words.has(identifier);
  }
}
