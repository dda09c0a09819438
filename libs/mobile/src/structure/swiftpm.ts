/** How a SwiftPM package dependency is pinned in `Package.swift`. */
export interface SwiftPackageDependency {
  /** Repository URL, or the local path of `.package(path:)`. */
  location: string;
  /** `from`, `exact`, `range`, `branch`, `revision`, `path` (local) or `unknown`. */
  requirement: 'from' | 'exact' | 'range' | 'branch' | 'revision' | 'path' | 'unknown';
  /** The version, branch name or revision as written. */
  value: string;
  line: number;
}

export interface SwiftTarget {
  name: string;
  kind: 'target' | 'testTarget' | 'executableTarget' | 'macro' | 'plugin' | 'binaryTarget' | 'systemLibrary';
  /** Names of targets and products it depends on (`"Core"`, `.target(name:)`, `.product(name:package:)`). */
  dependencies: string[];
  /** Custom `path:`, else the SwiftPM default `Sources/<name>` or `Tests/<name>`. */
  path: string;
  line: number;
}

export interface SwiftPackageManifest {
  name?: string;
  /** `.iOS(.v15)` -> `{ platform: 'iOS', version: '15.0' }`. */
  platforms: Array<{ platform: string; version: string; line: number }>;
  dependencies: SwiftPackageDependency[];
  targets: SwiftTarget[];
}

/** Index of the bracket that closes the one at `open`, skipping string literals. */
function matching(text: string, open: number): number {
  const pairs: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
  const stack: string[] = [];
  for (let i = open; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"') {
      const end = text.indexOf('"', i + 1);
      if (end === -1) return -1;
      i = end;
      continue;
    }
    if (ch === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end;
      continue;
    }
    if (pairs[ch]) stack.push(pairs[ch]!);
    else if (ch === stack[stack.length - 1]) {
      stack.pop();
      if (stack.length === 0) return i;
    }
  }
  return -1;
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** The text of the argument `label:` up to the matching bracket, e.g. `dependencies: [ ... ]`. */
function labelled(args: string, label: string): string | undefined {
  const m = new RegExp(`\\b${label}\\s*:\\s*`).exec(args);
  if (!m) return undefined;
  const start = m.index + m[0].length;
  if (args[start] === '[' || args[start] === '(') {
    const end = matching(args, start);
    return end === -1 ? undefined : args.slice(start, end + 1);
  }
  const str = /^"([^"]*)"/.exec(args.slice(start));
  return str ? str[1] : undefined;
}

function stripComments(text: string): string {
  // Keep offsets: comments become spaces so line numbers stay right.
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:"])\/\/[^\n]*/g, (c, p: string) => p + ' '.repeat(c.length - p.length));
}

function versionOf(raw: string): string {
  const parts = raw.replace(/^v/, '').split('_');
  return parts.length === 1 ? `${parts[0]}.0` : parts.join('.');
}

/**
 * Reads targets, package dependencies and platforms from a `Package.swift`. The manifest is Swift
 * code; this reads the declarative forms nearly every manifest uses and ignores computed parts.
 */
export function readPackageSwift(source: string): SwiftPackageManifest {
  const text = stripComments(source);
  const packageCall = /Package\s*\(/.exec(text);
  const name = packageCall ? /\bname\s*:\s*"([^"]+)"/.exec(text.slice(packageCall.index))?.[1] : undefined;

  const platforms: SwiftPackageManifest['platforms'] = [];
  for (const m of text.matchAll(
    /\.(iOS|macOS|tvOS|watchOS|visionOS|macCatalyst|driverKit)\s*\(\s*(?:\.v(\d+(?:_\d+)*)|"([\d.]+)")\s*\)/g,
  )) {
    platforms.push({ platform: m[1]!, version: m[2] ? versionOf(m[2]) : m[3]!, line: lineAt(text, m.index) });
  }

  const dependencies: SwiftPackageDependency[] = [];
  for (const m of text.matchAll(/\.package\s*\(/g)) {
    const open = m.index + m[0].length - 1;
    const close = matching(text, open);
    if (close === -1) continue;
    const args = text.slice(open + 1, close);
    const line = lineAt(text, m.index);
    const url = /\b(?:url|name)\s*:\s*"([^"]+)"/.exec(args)?.[1];
    const path = /\bpath\s*:\s*"([^"]+)"/.exec(args)?.[1];
    let requirement: SwiftPackageDependency['requirement'] = 'unknown';
    let value = '';
    let r: RegExpExecArray | null;
    if (path && !url) [requirement, value] = ['path', path];
    else if ((r = /\bbranch\s*:\s*"([^"]+)"|\.branch\s*\(\s*"([^"]+)"\s*\)/.exec(args)))
      [requirement, value] = ['branch', r[1] ?? r[2]!];
    else if ((r = /\brevision\s*:\s*"([^"]+)"|\.revision\s*\(\s*"([^"]+)"\s*\)/.exec(args)))
      [requirement, value] = ['revision', r[1] ?? r[2]!];
    else if ((r = /\bexact\s*:\s*"([^"]+)"|\.exact\s*\(\s*"([^"]+)"\s*\)/.exec(args)))
      [requirement, value] = ['exact', r[1] ?? r[2]!];
    else if ((r = /\bfrom\s*:\s*"([^"]+)"/.exec(args))) [requirement, value] = ['from', r[1]!];
    else if ((r = /"([^"]+)"\s*\.\.[.<]\s*"([^"]+)"/.exec(args)))
      [requirement, value] = ['range', `${r[1]}..<${r[2]}`];
    dependencies.push({ location: url ?? path ?? '', requirement, value, line });
  }

  const targets: SwiftTarget[] = [];
  // `.target(name:)` inside a declared target's dependencies is a reference, not a declaration.
  const declaredSpans: Array<[number, number]> = [];
  for (const m of text.matchAll(
    /\.(target|testTarget|executableTarget|macro|plugin|binaryTarget|systemLibrary)\s*\(/g,
  )) {
    const open = m.index + m[0].length - 1;
    const close = matching(text, open);
    if (close === -1 || declaredSpans.some(([s, e]) => m.index > s && m.index < e)) continue;
    const args = text.slice(open + 1, close);
    const targetName = /^\s*name\s*:\s*"([^"]+)"/.exec(args)?.[1];
    // `.target(name: "X")` inside a dependencies list is a reference, not a declaration.
    if (
      !targetName ||
      !/\b(dependencies|path|resources|swiftSettings|sources|exclude|url|plugins)\s*:|^\s*name\s*:\s*"[^"]+"\s*$/.test(
        args,
      )
    )
      continue;
    if (targets.some((t) => t.name === targetName)) continue;
    declaredSpans.push([open, close]);
    const kind = m[1] as SwiftTarget['kind'];
    const deps = labelled(args, 'dependencies') ?? '';
    const names = [
      ...deps.matchAll(/\.(?:product|target|byName)\s*\(\s*name\s*:\s*"([^"]+)"|(?<![\w:]\s*)"([^"]+)"/g),
    ]
      .map((d) => d[1] ?? d[2]!)
      .filter((d, i, all) => all.indexOf(d) === i);
    const path = labelled(args, 'path');
    targets.push({
      name: targetName,
      kind,
      dependencies: names,
      path:
        typeof path === 'string' && !path.startsWith('[')
          ? path
          : `${kind === 'testTarget' ? 'Tests' : kind === 'plugin' ? 'Plugins' : 'Sources'}/${targetName}`,
      line: lineAt(text, m.index),
    });
  }
  return { name, platforms, dependencies, targets };
}
