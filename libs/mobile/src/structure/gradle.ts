/** Module paths a `settings.gradle(.kts)` includes, e.g. `:app`, `:core:data`. */
export function readGradleSettings(text: string): {
  modules: string[];
  includedBuilds: string[];
  rootProjectName?: string;
} {
  const code = stripGradleComments(text);
  const modules: string[] = [];
  for (const m of code.matchAll(/\binclude\b\s*(?:\(([^)]*)\)|([^\n]*))/g)) {
    for (const s of (m[1] ?? m[2]!).matchAll(/["']([^"']+)["']/g)) {
      const path = s[1]!.startsWith(':') ? s[1]! : `:${s[1]!}`;
      if (!modules.includes(path)) modules.push(path);
    }
  }
  const includedBuilds = [...code.matchAll(/\bincludeBuild\s*\(?\s*["']([^"']+)["']/g)].map((m) => m[1]!);
  const rootProjectName = /rootProject\.name\s*=\s*["']([^"']+)["']/.exec(code)?.[1];
  return { modules, includedBuilds, rootProjectName };
}

/** A declared external dependency: `implementation("g:a:v")` or `implementation(libs.x.y)`. */
export interface GradleDependency {
  configuration: string;
  /** `group:name:version` or the catalog accessor (`libs.androidx.core.ktx`). */
  notation: string;
  line: number;
}

export interface GradleBuildInfo {
  /** Plugin ids or catalog aliases (`com.android.application`, `libs.plugins.android.library`). */
  plugins: string[];
  /** Module paths from `project(":x")` and type-safe `projects.x.y` accessors. */
  projectDependencies: string[];
  dependencies: GradleDependency[];
  /** Values as written: a number, or a catalog expression when not literal. */
  minSdk?: { value: string; line: number };
  targetSdk?: { value: string; line: number };
  compileSdk?: { value: string; line: number };
  namespace?: string;
  applicationId?: string;
  /** Repository URLs and well-known repositories (`google()`, `mavenCentral()`). */
  repositories: Array<{ url: string; line: number }>;
  /** Build types that set `isDebuggable = true` / `debuggable true`, with the line. */
  debuggableBuildTypes: Array<{ name: string; line: number }>;
}

/** Replaces comments with spaces, keeping line numbers. */
export function stripGradleComments(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:"'])\/\/[^\n]*/g, (c, p: string) => p + ' '.repeat(c.length - p.length));
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** `projects.core.data` -> `:core:data` (Gradle's type-safe accessors camel-case dashed names). */
function accessorToPath(accessor: string): string {
  return (
    ':' +
    accessor
      .split('.')
      .map((p) => p.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`))
      .join(':')
  );
}

const CONFIGURATIONS =
  'implementation|api|compileOnly|runtimeOnly|kapt|ksp|annotationProcessor|testImplementation|androidTestImplementation|debugImplementation|releaseImplementation|coreLibraryDesugaring|lintChecks|testRuntimeOnly';

/** Reads plugins, module and external dependencies, SDK levels and repositories from a Gradle build script. */
export function readGradleBuild(text: string): GradleBuildInfo {
  const code = stripGradleComments(text);
  // `alias(...) apply false` (a root build declaring versions for subprojects) does not apply the plugin.
  const applied = (m: RegExpMatchArray) =>
    !/^[^\n]*?\bapply\s*\(?\s*false/.test(code.slice(m.index! + m[0].length));
  const plugins = [
    ...[...code.matchAll(/\bid\s*\(?\s*["']([^"']+)["']\s*\)?/g)].filter(applied).map((m) => m[1]!),
    ...[...code.matchAll(/\balias\s*\(\s*(libs\.plugins\.[\w.]+)\s*\)/g)].filter(applied).map((m) => m[1]!),
    ...[...code.matchAll(/apply\s+plugin\s*:\s*["']([^"']+)["']/g)].map((m) => m[1]!),
  ];
  const projectDependencies = [
    ...[...code.matchAll(/project\s*\(\s*(?:path\s*[:=]\s*)?["'](:[^"']+)["']/g)].map((m) => m[1]!),
    ...[...code.matchAll(/\bprojects\.([\w.]+)/g)].map((m) => accessorToPath(m[1]!)),
  ].filter((d, i, all) => all.indexOf(d) === i);
  const dependencies: GradleDependency[] = [];
  for (const m of code.matchAll(
    new RegExp(
      `\\b(${CONFIGURATIONS})\\s*\\(?\\s*(?:platform\\s*\\(\\s*)?(?:["']([^"'$]+?)["']|(libs\\.[\\w.]+))`,
      'g',
    ),
  )) {
    dependencies.push({ configuration: m[1]!, notation: m[2] ?? m[3]!, line: lineAt(code, m.index) });
  }
  const sdk = (name: string) => {
    // AGP 9: `minSdk { version = release(24) }` (or `preview("Baklava")`), the value on the `version` line.
    const block = new RegExp(
      `\\b${name}\\s*\\{[^}]*?\\bversion\\s*=\\s*(?:release\\s*\\(\\s*(\\d+)[^)]*\\)|preview\\s*\\(\\s*["']([^"']+)["']\\s*\\)|(\\d+))`,
    ).exec(code);
    if (block)
      return {
        value: block[1] ?? block[2] ?? block[3]!,
        line: lineAt(code, block.index + block[0].lastIndexOf('version')),
      };
    const m = new RegExp(
      `\\b(?:${name}|${name}Version)\\s*(?:=\\s*|\\(\\s*|\\s+)(?![{\\s])([^\\s)\\n]+)`,
    ).exec(code);
    if (!m) return undefined;
    // `libs.versions.minSdk.get().toInt()` is kept as the catalog reference `libs.versions.minSdk`;
    // a convention plugin's `libs.findVersion("android-minSdk")` as `libs.versions.android.minSdk`.
    const catalogRef = /^(libs\.versions\.[\w.]+?)(?:\.get\b|$)/.exec(m[1]!)?.[1];
    const found = /^\w+\.findVersion\(\s*["']([\w.-]+)["']/.exec(m[1]!)?.[1];
    return {
      value:
        catalogRef ?? (found ? `libs.versions.${found.replace(/[-_]/g, '.')}` : m[1]!.replace(/["'(]/g, '')),
      line: lineAt(code, m.index),
    };
  };
  const repositories: GradleBuildInfo['repositories'] = [];
  for (const m of code.matchAll(/\b(google|mavenCentral|mavenLocal|gradlePluginPortal|jcenter)\s*\(\s*\)/g))
    repositories.push({ url: `${m[1]}()`, line: lineAt(code, m.index) });
  for (const m of code.matchAll(
    /\bmaven\s*(?:\(\s*["']([^"']+)["']\s*\)|\{[^}]*?url\s*(?:=|\(|\s)\s*(?:uri\s*\(\s*)?["']([^"']+)["'])/g,
  )) {
    repositories.push({ url: m[1] ?? m[2]!, line: lineAt(code, m.index) });
  }
  const debuggableBuildTypes: GradleBuildInfo['debuggableBuildTypes'] = [];
  for (const m of code.matchAll(
    /(?:getByName\s*\(\s*["'](\w+)["']\s*\)|create\s*\(\s*["'](\w+)["']\s*\)|\b(release|debug|staging|beta|qa)\b)\s*\{/g,
  )) {
    const open = m.index + m[0].length - 1;
    let depth = 0;
    let end = open;
    for (; end < code.length; end++) {
      if (code[end] === '{') depth++;
      else if (code[end] === '}' && --depth === 0) break;
    }
    const body = code.slice(open, end);
    const flag = /\b(?:isDebuggable\s*=\s*|debuggable\s*=?\s*)true\b/.exec(body);
    if (flag)
      debuggableBuildTypes.push({ name: m[1] ?? m[2] ?? m[3]!, line: lineAt(code, open + flag.index) });
  }
  return {
    plugins,
    projectDependencies,
    dependencies,
    minSdk: sdk('minSdk'),
    targetSdk: sdk('targetSdk'),
    compileSdk: sdk('compileSdk'),
    namespace: /\bnamespace\s*=?\s*["']([^"']+)["']/.exec(code)?.[1],
    applicationId: /\bapplicationId\s*=?\s*["']([^"']+)["']/.exec(code)?.[1],
    repositories,
    debuggableBuildTypes,
  };
}

/** Module path to its directory: `:core:data` -> `core/data`. */
export function moduleDir(modulePath: string): string {
  return modulePath.replace(/^:/, '').replace(/:/g, '/');
}
