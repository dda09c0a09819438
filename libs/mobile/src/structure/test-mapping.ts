import { classifyFile, isTestPath, isTestSupportPath } from '../files/classify';
import type { RepoReader } from '../repo/repo-reader';

/** Markers of a module root: tests of a source live under the same root. */
const MODULE_ROOT_FILES =
  /(^|\/)(build\.gradle(\.kts)?|Package\.swift|[^/]+\.xcodeproj\/project\.pbxproj|[^/]+\.podspec)$/;

/** KMP platform source-set suffixes: `Platform.ios.kt` is `Platform`'s iOS actual. */
const PLATFORM_SUFFIX =
  /\.(android|ios|jvm|js|wasmJs|wasm|web|native|desktop|apple|darwin|macos|linux|mingw|common)$/;

function baseName(path: string): string {
  const file = path.slice(path.lastIndexOf('/') + 1);
  return file
    .replace(/\.[^.]+$/, '')
    .replace(PLATFORM_SUFFIX, '')
    .replace(/\+.*$/, '');
}

/**
 * Names a source file declares that a test would use: its top-level types that other files can
 * see (Swift, Kotlin, Java, Objective-C `@interface` / `@implementation`; not `private` helpers
 * such as `private enum Constants`, not extensions of other types), and for a file of top-level
 * functions only (Kotlin extensions, utilities) those functions' names.
 */
export function declaredNames(text: string): string[] {
  const names = new Set<string>();
  const modifiers = String.raw`(?:(?:public|open|internal|final|sealed|data|abstract|enum|annotation|value|inline|static|@\w+(?:\([^)\n]*\))?)\s+)*`;
  const types = new RegExp(
    String.raw`^${modifiers}(?:class|struct|enum|protocol|interface|object|actor)\s+([A-Z][A-Za-z0-9_]*)|^@(?:interface|implementation|protocol)\s+([A-Z][A-Za-z0-9_]*)(?![A-Za-z0-9_]|\s*\()`,
    'gm',
  );
  for (const m of text.matchAll(types)) names.add(m[1] ?? m[2]!);
  if (names.size === 0 && !/^(?:(?:public|internal|private|fileprivate)\s+)?extension\s/m.test(text)) {
    const functions = new RegExp(
      String.raw`^(?:(?:public|internal|inline|suspend|@\w+)\s+)*(?:fun|func)\s+(?:<[^>]*>\s*)?(?:[\w.]+\.)?([A-Za-z_][A-Za-z0-9_]*)`,
      'gm',
    );
    for (const m of text.matchAll(functions)) if (m[1]!.length > 3) names.add(m[1]!);
  }
  return [...names];
}

/**
 * Finds which tests belong to which source. A test belongs to a source when both sit under the
 * same module root (nearest folder with a Gradle build file, `Package.swift`, an Xcode project or
 * a podspec) and the test is named after it (`CartTests`, `CartTest`, `CartSpec`, `CartViewModelTests`
 * for `CartViewModel`) or mentions the source's main type (`Cart`) by name.
 */
export class TestMap {
  private readonly roots: string[];
  /** Module root to the file that makes it one (build.gradle.kts, Package.swift, project.pbxproj, podspec). */
  private readonly manifests = new Map<string, string>();
  private readonly tests: Array<{ path: string; root: string; base: string }>;
  /** Identifiers per test file, built on first use: a mention check is then a set look-up, not a scan. */
  private readonly words = new Map<string, Set<string>>();

  constructor(private readonly repo: RepoReader) {
    this.roots = repo.files
      .filter((f) => MODULE_ROOT_FILES.test(f))
      .map((f) => {
        const project = f.indexOf('.xcodeproj/');
        const dir = project === -1 ? f : f.slice(0, project);
        const i = dir.lastIndexOf('/');
        const root = i === -1 ? '' : dir.slice(0, i);
        // A Gradle or SwiftPM manifest names the module better than an Xcode project beside it.
        if (!this.manifests.has(root) || this.manifests.get(root)!.endsWith('.pbxproj'))
          this.manifests.set(root, f);
        return root;
      });
    this.tests = repo.files
      // Tests proper: a fake or fixture names the types it stands in for, which does not test them.
      .filter((f) => classifyFile(f).kind === 'test' && isTestPath(f) && !isTestSupportPath(f))
      .map((path) => ({ path, root: this.moduleRoot(path), base: baseName(path) }));
  }

  /** Nearest module root above a path (`''` for the repository root). */
  moduleRoot(path: string): string {
    let best = '';
    for (const root of this.roots)
      if ((root === '' || path.startsWith(`${root}/`)) && root.length > best.length) best = root;
    return best;
  }

  /**
   * Test files that exercise the given source file; empty when none can be found. Named after it
   * first; else tests that use the file's name or a name it declares (a type tested from a
   * differently named test file). `text` is the source, when the caller has it.
   */
  testsFor(sourcePath: string, text?: string): string[] {
    const base = baseName(sourcePath);
    if (!base) return [];
    const root = this.moduleRoot(sourcePath);
    const named = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(Tests?|Specs?|UITests?)$`);
    const sameModule = this.tests.filter((t) => t.root === root);
    // A repository with one shared test folder (Xcode apps often) is one module for tests.
    const pool = sameModule.length > 0 ? sameModule : this.tests;
    const byName = pool.filter((t) => named.test(t.base)).map((t) => t.path);
    if (byName.length > 0) return byName;
    // `FileManager+Sync.swift` extends FileManager: the name says nothing of what a test covers.
    const names = [
      ...(sourcePath.includes('+') ? [] : [base]),
      ...declaredNames(text ?? this.repo.read(sourcePath) ?? ''),
    ];
    // A test that declares the name itself (its own `data class AdminVoteRow`) is not using the source's.
    return pool
      .filter((t) => names.some((n) => this.mentions(t.path, n) && !this.declares(t.path, n)))
      .map((t) => t.path);
  }

  /**
   * The module a source belongs to, for whole-repository findings: the Gradle module or Swift
   * package root, a Swift package's target (`Sources/<Target>`), or in an Xcode project the
   * top folder under the project (one per target, by Xcode's convention).
   */
  moduleOf(path: string): { name: string; manifest?: string } {
    const root = this.moduleRoot(path);
    const rest = root === '' ? path : path.slice(root.length + 1);
    const manifest = this.manifests.get(root);
    const target = /^Sources\/([^/]+)\//.exec(rest);
    if (target && manifest?.endsWith('Package.swift'))
      return { name: `${root ? `${root}/` : ''}Sources/${target[1]}` };
    if (manifest && !manifest.endsWith('.pbxproj')) return { name: root || '.', manifest };
    const top = rest.includes('/') ? rest.slice(0, rest.indexOf('/')) : '';
    return { name: [root, top].filter(Boolean).join('/') || '.' };
  }

  private readonly declared = new Map<string, Set<string>>();

  /** Whether a test file declares `name` itself. */
  private declares(path: string, name: string): boolean {
    let names = this.declared.get(path);
    if (!names) {
      names = new Set(declaredNames(this.repo.read(path) ?? ''));
      this.declared.set(path, names);
    }
    return names.has(name);
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
