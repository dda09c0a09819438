import type { AnalyzerFinding } from '../findings/finding';
import { readPackageResolved } from '../dependencies/package-resolved';
import { readPodfile } from '../dependencies/podfile';
import { readPodfileLock } from '../dependencies/podfile-lock';
import type { DependencyFile } from '../dependencies/types';
import { readVersionCatalog } from '../dependencies/version-catalog';
import { readGradleBuild } from '../structure/gradle';
import { readPackageSwift } from '../structure/swiftpm';
import { makeFinding } from './catalogue';
import { isChangedLine, type FileRule } from './types';

type Reader = (text: string) => DependencyFile;

/** Package.swift declarations as pins: a `branch:` requirement is a branch pin. */
function packageSwiftPins(text: string): DependencyFile {
  const manifest = readPackageSwift(text);
  return {
    pins: manifest.dependencies.map((d) => ({
      name: d.location
        .replace(/\.git$/, '')
        .split('/')
        .pop()!
        .toLowerCase(),
      version: d.requirement === 'branch' ? '' : d.value,
      ...(d.requirement === 'branch' ? { branch: d.value } : {}),
      source: d.location,
      line: d.line,
    })),
    repositories: [],
  };
}

/** Gradle scripts as pins: external `group:artifact:version` notations and catalog accessors. */
function gradlePins(text: string): DependencyFile {
  const build = readGradleBuild(text);
  return {
    pins: build.dependencies.map((d) => {
      const parts = d.notation.split(':');
      return {
        name: parts.length >= 2 ? `${parts[0]}:${parts[1]}` : d.notation,
        version: parts[2] ?? '',
        line: d.line,
      };
    }),
    repositories: build.repositories,
  };
}

const READERS: Array<[RegExp, Reader]> = [
  [/(^|\/)Package\.resolved$/, readPackageResolved],
  [/(^|\/)Podfile\.lock$/, readPodfileLock],
  [/(^|\/)Podfile$/, readPodfile],
  [/(^|\/)Package\.swift$/, packageSwiftPins],
  [/\.versions\.toml$/, readVersionCatalog],
  [/\.gradle(\.kts)?$/, gradlePins],
];

function readerFor(path: string): Reader | undefined {
  return READERS.find(([pattern]) => pattern.test(path))?.[1];
}

function safeRead(reader: Reader, text: string | undefined): DependencyFile | undefined {
  if (text === undefined) return undefined;
  try {
    return reader(text);
  } catch {
    // A manifest that does not parse (mid-merge, templated) is left to the build to report.
    return undefined;
  }
}

/**
 * Dependency manifests and lock files: new dependencies and repositories (in a diff), SNAPSHOT
 * versions, and pins that follow a branch (moved from a version in a diff; any branch pin in a scan).
 */
export const dependenciesRule: FileRule = {
  name: 'dependencies',
  ruleIds: ['deps.new-dependency', 'deps.new-repository', 'deps.snapshot-version', 'deps.branch-pin'],
  appliesTo: (file) => file.content !== undefined && readerFor(file.path) !== undefined,
  check(file) {
    const reader = readerFor(file.path)!;
    const after = safeRead(reader, file.content);
    if (!after) return [];
    const before = file.oldContent !== undefined ? safeRead(reader, file.oldContent) : undefined;
    // In a scan nothing is "new"; in a diff an added manifest is new throughout.
    const diffMode = file.status === 'added' || (file.status !== 'scanned' && before !== undefined);
    const oldPins = new Map((before?.pins ?? []).map((p) => [p.name, p]));
    const findings: AnalyzerFinding[] = [];
    const seen = new Set<string>();
    for (const pin of after.pins) {
      if (seen.has(pin.name)) continue;
      seen.add(pin.name);
      const old = oldPins.get(pin.name);
      // With the old file known, a pin counts when it changed (its changed line may be `branch`, not the name's line).
      const pinChanged =
        !old ||
        old.version !== pin.version ||
        old.branch !== pin.branch ||
        (old.source ?? '') !== (pin.source ?? '');
      const lineCounts =
        file.changedLines === undefined ? true : before ? pinChanged : isChangedLine(file, pin.line);
      if (pin.branch && lineCounts && (!old || !old.branch || old.branch !== pin.branch)) {
        const from = old && !old.branch ? ` (was ${old.version || 'a revision'})` : '';
        findings.push(
          makeFinding(
            'deps.branch-pin',
            file.path,
            pin.line,
            `${pin.name} now follows branch "${pin.branch}"${from}`,
            `${pin.name}@${pin.branch}`,
          ),
        );
      }
      if (/SNAPSHOT/i.test(pin.version) && lineCounts && old?.version !== pin.version) {
        findings.push(
          makeFinding(
            'deps.snapshot-version',
            file.path,
            pin.line,
            `${pin.name} uses the SNAPSHOT version ${pin.version}`,
            `${pin.name}:${pin.version}`,
          ),
        );
      }
      if (diffMode && !old && lineCounts) {
        findings.push(
          makeFinding(
            'deps.new-dependency',
            file.path,
            pin.line,
            `New dependency ${pin.name}${pin.version ? ` ${pin.version}` : ''}${pin.source ? ` from ${pin.source}` : ''}`,
            pin.name,
          ),
        );
      }
    }
    if (diffMode) {
      const oldRepos = new Set((before?.repositories ?? []).map((r) => r.url));
      for (const repo of after.repositories) {
        if (oldRepos.has(repo.url) || !isChangedLine(file, repo.line)) continue;
        findings.push(
          makeFinding(
            'deps.new-repository',
            file.path,
            repo.line,
            `New package repository ${repo.url}`,
            repo.url,
          ),
        );
      }
    }
    return findings;
  },
};
