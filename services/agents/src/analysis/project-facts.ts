/**
 * The project facts a prompt is told so advice fits the project: deployment target, minimum SDK,
 * Swift language mode, Kotlin version. Read from the build files at the head commit.
 */
import type { RepoContext } from '../repo/repo-context';

export interface ProjectFacts {
  platforms: Array<'ios' | 'android'>;
  /** `16.0` from `.iOS(.v16)` or `IPHONEOS_DEPLOYMENT_TARGET`. */
  iosDeploymentTarget?: string;
  /** `6` from `swiftLanguageModes: [.v6]` / `SWIFT_VERSION`; `5` otherwise when Swift is present. */
  swiftLanguageMode?: string;
  swiftToolsVersion?: string;
  minSdk?: number;
  targetSdk?: number;
  compileSdk?: number;
  kotlinVersion?: string;
  /** Test frameworks seen in the project (`XCTest`, `Swift Testing`, `JUnit 5`, `JUnit 4`, `MockK`, `Mockito`). */
  testFrameworks: string[];
  /** Modules: SwiftPM targets or Gradle projects. */
  modules: string[];
}

function first(re: RegExp, text: string): string | undefined {
  return re.exec(text)?.[1];
}

function minVersion(values: string[]): string | undefined {
  if (values.length === 0) return undefined;
  return values.sort((a, b) => Number.parseFloat(a) - Number.parseFloat(b))[0];
}

/** Reads the facts from Package.swift, *.pbxproj, Gradle files and the version catalog. */
export async function readProjectFacts(repo: RepoContext): Promise<ProjectFacts> {
  const files = await repo.listFiles();
  const facts: ProjectFacts = { platforms: [], testFrameworks: [], modules: [] };
  const read = async (path: string) => (await repo.readHead(path)) ?? '';

  const packageSwift = files.filter((f) => /(^|\/)Package\.swift$/.test(f));
  const pbxproj = files.filter((f) => f.endsWith('.pbxproj'));
  if (packageSwift.length || pbxproj.length || files.some((f) => f.endsWith('.swift')))
    facts.platforms.push('ios');
  for (const path of packageSwift) {
    const text = await read(path);
    facts.swiftToolsVersion ??= first(/swift-tools-version:\s*([\d.]+)/, text);
    const ios =
      first(/\.iOS\(\s*(?:\.v(\d+(?:_\d+)?)|"([\d.]+)")/, text) ?? first(/\.iOS\(\s*"([\d.]+)"/, text);
    if (ios) facts.iosDeploymentTarget ??= ios.replace('_', '.').replace(/^(\d+)$/, '$1.0');
    const modes = first(/swiftLanguage(?:Modes|Versions)\s*:\s*\[\s*\.v(\d+)/, text);
    if (modes) facts.swiftLanguageMode ??= modes;
    for (const m of text.matchAll(/\.(?:target|testTarget|executableTarget)\(\s*name:\s*"([^"]+)"/g))
      facts.modules.push(m[1]);
    if (/swift-testing|import Testing/.test(text)) facts.testFrameworks.push('Swift Testing');
  }
  for (const path of pbxproj) {
    const text = await read(path);
    const targets = [...text.matchAll(/IPHONEOS_DEPLOYMENT_TARGET = ([\d.]+);/g)].map((m) => m[1]);
    facts.iosDeploymentTarget ??= minVersion(targets);
    const swift = [...text.matchAll(/SWIFT_VERSION = ([\d.]+);/g)].map((m) => m[1]);
    if (swift.length)
      facts.swiftLanguageMode ??= String(Math.trunc(Number.parseFloat(minVersion(swift) ?? '5')));
  }
  if (facts.swiftToolsVersion && !facts.swiftLanguageMode) {
    // Tools 6.0 defaults to language mode 6 unless the manifest pins older modes.
    facts.swiftLanguageMode = Number.parseFloat(facts.swiftToolsVersion) >= 6 ? '6' : '5';
  }

  const gradle = files.filter((f) => /(^|\/)build\.gradle(\.kts)?$/.test(f));
  if (gradle.length) facts.platforms.push('android');
  for (const path of gradle) {
    const text = await read(path);
    const min = first(/minSdk(?:Version)?\s*[=(]?\s*(\d+)/, text);
    if (min) facts.minSdk = Math.min(facts.minSdk ?? Number.MAX_SAFE_INTEGER, Number(min));
    const target = first(/targetSdk(?:Version)?\s*[=(]?\s*(\d+)/, text);
    if (target) facts.targetSdk = Math.max(facts.targetSdk ?? 0, Number(target));
    const compile = first(/compileSdk(?:Version)?\s*[=(]?\s*(\d+)/, text);
    if (compile) facts.compileSdk = Math.max(facts.compileSdk ?? 0, Number(compile));
    facts.kotlinVersion ??=
      first(/kotlin\(\s*"(?:android|jvm)"\s*\)\s*version\s*"([\d.]+)"/, text) ??
      first(/org\.jetbrains\.kotlin[.:\w-]*"?\s*(?:version\s*)?"?:?([\d.]+)"/, text);
    if (/junit-jupiter|useJUnitPlatform/.test(text)) facts.testFrameworks.push('JUnit 5');
    else if (/junit:junit|libs\.junit\b/.test(text)) facts.testFrameworks.push('JUnit 4');
    if (/mockk/i.test(text)) facts.testFrameworks.push('MockK');
    if (/mockito/i.test(text)) facts.testFrameworks.push('Mockito');
  }
  for (const path of files.filter((f) => /(^|\/)settings\.gradle(\.kts)?$/.test(f))) {
    const text = await read(path);
    for (const m of text.matchAll(/include\s*\(?\s*((?:"[^"]+"\s*,?\s*)+)\)?/g)) {
      for (const name of m[1].matchAll(/"([^"]+)"/g)) facts.modules.push(name[1]);
    }
  }
  const catalog = files.find((f) => f.endsWith('libs.versions.toml'));
  if (catalog) {
    const text = await read(catalog);
    facts.kotlinVersion ??= first(/^\s*kotlin\s*=\s*"([^"]+)"/m, text);
    if (/junit-jupiter|junit5/.test(text)) facts.testFrameworks.push('JUnit 5');
    if (/mockk/.test(text)) facts.testFrameworks.push('MockK');
  }
  if (facts.platforms.includes('ios') && files.some((f) => /Tests?\.swift$/.test(f)))
    facts.testFrameworks.push('XCTest');
  facts.testFrameworks = [...new Set(facts.testFrameworks)];
  facts.modules = [...new Set(facts.modules)];
  return facts;
}

/** The facts as prompt lines; unknown facts are said to be unknown rather than guessed. */
export function describeFacts(facts: ProjectFacts): string {
  const lines: string[] = [];
  if (facts.platforms.includes('ios')) {
    lines.push(
      `- iOS deployment target: ${facts.iosDeploymentTarget ?? 'unknown'} (do not suggest APIs newer than this without an availability check)`,
    );
    lines.push(
      `- Swift language mode: ${facts.swiftLanguageMode ?? 'unknown'}${facts.swiftToolsVersion ? `, swift-tools-version ${facts.swiftToolsVersion}` : ''}`,
    );
  }
  if (facts.platforms.includes('android')) {
    lines.push(
      `- Android minSdk: ${facts.minSdk ?? 'unknown'}, targetSdk: ${facts.targetSdk ?? 'unknown'}, compileSdk: ${facts.compileSdk ?? 'unknown'}`,
    );
    lines.push(`- Kotlin version: ${facts.kotlinVersion ?? 'unknown'}`);
  }
  if (facts.testFrameworks.length) lines.push(`- Test frameworks in use: ${facts.testFrameworks.join(', ')}`);
  if (facts.modules.length) lines.push(`- Modules: ${facts.modules.slice(0, 30).join(', ')}`);
  return lines.length ? lines.join('\n') : '- No build files found; platform facts unknown.';
}
