import { readPodfile } from '../dependencies/podfile';
import { readVersionCatalog } from '../dependencies/version-catalog';
import type { RepoReader } from '../repo/repo-reader';
import { moduleDir, readGradleBuild, readGradleSettings } from './gradle';
import { readPackageSwift } from './swiftpm';
import { DEPLOYMENT_SETTINGS, readPbxproj, readXcscheme, type XcodeScheme } from './xcode';

/** A unit of code as its build system declares it. */
export interface ModuleInfo {
  /** Gradle path (`:core:data`), SwiftPM package name, or Xcode project name. */
  name: string;
  system: 'gradle' | 'swiftpm' | 'xcode';
  /** `android-application`, `android-library`, `kotlin-jvm`, `gradle`, `swift-package`, `xcode-project`. */
  kind: string;
  /** Directory relative to the root (`''` for the root). */
  dir: string;
  /** The file it was read from. */
  buildFile: string;
  /** Other modules it depends on (Gradle `project(":x")`; SwiftPM local packages). */
  dependencies: string[];
  /** Android `minSdk` as written (a number, or a catalog reference when unresolved). */
  minSdk?: string;
  targetSdk?: string;
}

/** A build target: SwiftPM target or Xcode native target. */
export interface TargetInfo {
  name: string;
  /** Name of the module (package or project) that declares it. */
  module: string;
  system: 'swiftpm' | 'xcode';
  /** SwiftPM kind (`target`, `testTarget`, ...) or Xcode product type (`application`, `bundle.unit-test`, ...). */
  kind: string;
  isTest: boolean;
  /** Source directory for SwiftPM targets. */
  dir?: string;
  dependencies: string[];
}

/** A minimum OS version declared somewhere, with where. */
export interface DeploymentTargetInfo {
  /** `iOS`, `macOS`, `tvOS`, `watchOS`, `visionOS` or `Android` (min SDK). */
  platform: string;
  version: string;
  file: string;
  line: number;
  /** Target, configuration or module the value applies to. */
  scope: string;
}

export interface ProjectStructure {
  /** `ios` when Swift/Xcode/CocoaPods files exist, `android` when Gradle Android modules do. */
  platforms: Array<'ios' | 'android'>;
  modules: ModuleInfo[];
  targets: TargetInfo[];
  schemes: Array<XcodeScheme & { project: string }>;
  deploymentTargets: DeploymentTargetInfo[];
  /** Lowest Android minSdk found, when any is a literal number. */
  minSdk?: number;
  /** Lowest iOS deployment target found. */
  iosDeploymentTarget?: string;
  /** Files that could not be read, with why: structure is best-effort and says what it skipped. */
  problems: Array<{ file: string; problem: string }>;
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? '' : path.slice(0, i);
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function lineOfKey(text: string, key: string, value: string): number {
  const lines = text.split('\n');
  const index = lines.findIndex((l) => l.includes(key) && l.includes(value));
  return index + 1;
}

/**
 * Reads the project structure of a checkout: Gradle modules (settings includes, project
 * dependencies, SDK levels with version-catalog references resolved), SwiftPM packages and
 * targets, Xcode projects, their targets and shared schemes, and every deployment target.
 */
export function readProjectStructure(repo: RepoReader): ProjectStructure {
  const structure: ProjectStructure = {
    platforms: [],
    modules: [],
    targets: [],
    schemes: [],
    deploymentTargets: [],
    problems: [],
  };
  const attempt = (file: string, read: () => void) => {
    try {
      read();
    } catch (error) {
      structure.problems.push({ file, problem: error instanceof Error ? error.message : String(error) });
    }
  };

  // Gradle.
  const catalogs = new Map<string, Record<string, string>>();
  for (const file of repo.files.filter((f) => /(^|\/)gradle\/[^/]+\.versions\.toml$/.test(f))) {
    attempt(file, () => catalogs.set(file, readVersionCatalog(repo.read(file) ?? '').versions));
  }
  const catalogVersions = Object.assign({}, ...catalogs.values()) as Record<string, string>;
  const resolveSdk = (value: string | undefined) => {
    if (!value) return undefined;
    const ref = /^libs\.versions\.([\w.]+)$/.exec(value)?.[1];
    if (!ref) return value;
    const key = Object.keys(catalogVersions).find(
      (k) => k.replace(/[-_]/g, '.').toLowerCase() === ref.toLowerCase(),
    );
    return key ? catalogVersions[key] : value;
  };
  for (const settingsFile of repo.files.filter((f) => /(^|\/)settings\.gradle(\.kts)?$/.test(f))) {
    const root = dirOf(settingsFile);
    const settings = readGradleSettings(repo.read(settingsFile) ?? '');
    for (const path of [':', ...settings.modules]) {
      const dir = [root, path === ':' ? '' : moduleDir(path)].filter(Boolean).join('/');
      const buildFile = ['build.gradle.kts', 'build.gradle']
        .map((b) => (dir ? `${dir}/${b}` : b))
        .find((b) => repo.read(b) !== undefined);
      if (!buildFile) {
        if (path !== ':')
          structure.problems.push({
            file: settingsFile,
            problem: `module ${path} is included but ${dir}/build.gradle(.kts) does not exist`,
          });
        continue;
      }
      const text = repo.read(buildFile)!;
      attempt(buildFile, () => {
        const build = readGradleBuild(text);
        const isApp = build.plugins.some((p) => /com\.android\.application|android\.application/.test(p));
        const isLib = build.plugins.some((p) => /com\.android\.library|android\.library/.test(p));
        const kind = isApp
          ? 'android-application'
          : isLib
            ? 'android-library'
            : build.plugins.some((p) => /jvm/.test(p))
              ? 'kotlin-jvm'
              : 'gradle';
        const minSdk = resolveSdk(build.minSdk?.value);
        structure.modules.push({
          name: path === ':' ? (settings.rootProjectName ?? ':') : path,
          system: 'gradle',
          kind,
          dir,
          buildFile,
          dependencies: build.projectDependencies,
          ...(minSdk ? { minSdk } : {}),
          ...(build.targetSdk ? { targetSdk: resolveSdk(build.targetSdk.value) } : {}),
        });
        if (minSdk && build.minSdk)
          structure.deploymentTargets.push({
            platform: 'Android',
            version: minSdk,
            file: buildFile,
            line: build.minSdk.line,
            scope: path,
          });
      });
    }
  }

  // SwiftPM.
  for (const file of repo.files.filter((f) => /(^|\/)Package\.swift$/.test(f))) {
    attempt(file, () => {
      const text = repo.read(file) ?? '';
      const manifest = readPackageSwift(text);
      const dir = dirOf(file);
      const name = manifest.name ?? (dir.split('/').pop() || 'Package');
      structure.modules.push({
        name,
        system: 'swiftpm',
        kind: 'swift-package',
        dir,
        buildFile: file,
        dependencies: manifest.dependencies.filter((d) => d.requirement === 'path').map((d) => d.location),
      });
      for (const t of manifest.targets) {
        structure.targets.push({
          name: t.name,
          module: name,
          system: 'swiftpm',
          kind: t.kind,
          isTest: t.kind === 'testTarget',
          dir: [dir, t.path].filter(Boolean).join('/'),
          dependencies: t.dependencies,
        });
      }
      for (const p of manifest.platforms)
        structure.deploymentTargets.push({
          platform: p.platform,
          version: p.version,
          file,
          line: p.line,
          scope: name,
        });
    });
  }

  // Xcode.
  for (const file of repo.files.filter((f) => f.endsWith('.xcodeproj/project.pbxproj'))) {
    attempt(file, () => {
      const text = repo.read(file) ?? '';
      const project = readPbxproj(text);
      const projectDir = file.slice(0, -'/project.pbxproj'.length);
      const name = projectDir
        .split('/')
        .pop()!
        .replace(/\.xcodeproj$/, '');
      structure.modules.push({
        name,
        system: 'xcode',
        kind: 'xcode-project',
        dir: dirOf(projectDir),
        buildFile: file,
        dependencies: project.packages.map((p) => p.url),
      });
      for (const t of project.targets) {
        structure.targets.push({
          name: t.name,
          module: name,
          system: 'xcode',
          kind: t.productType,
          isTest: t.isTest,
          dependencies: [...t.dependencies, ...t.packageProducts],
        });
      }
      const scopes: Array<[string, Array<{ name: string; settings: Record<string, string> }>]> = [
        [name, project.configurations],
        ...project.targets.map((t): [string, typeof t.configurations] => [t.name, t.configurations]),
      ];
      for (const [scope, configurations] of scopes) {
        for (const config of configurations) {
          for (const [setting, platform] of Object.entries(DEPLOYMENT_SETTINGS)) {
            const version = config.settings[setting];
            if (!version || version.includes('$')) continue;
            structure.deploymentTargets.push({
              platform,
              version,
              file,
              line: lineOfKey(text, setting, version),
              scope: `${scope} (${config.name})`,
            });
          }
        }
      }
    });
  }
  for (const file of repo.files.filter((f) =>
    /\.xcodeproj\/xcshareddata\/xcschemes\/[^/]+\.xcscheme$/.test(f),
  )) {
    attempt(file, () => {
      const project = /([^/]+)\.xcodeproj\//.exec(file)![1]!;
      const schemeName = file
        .split('/')
        .pop()!
        .replace(/\.xcscheme$/, '');
      structure.schemes.push({ ...readXcscheme(schemeName, repo.read(file) ?? ''), project });
    });
  }

  // CocoaPods.
  for (const file of repo.files.filter((f) => /(^|\/)Podfile$/.test(f))) {
    attempt(file, () => {
      for (const p of readPodfile(repo.read(file) ?? '').platforms)
        structure.deploymentTargets.push({ ...p, file, scope: 'Podfile' });
    });
  }

  const hasIos = repo.files.some((f) =>
    /\.(swift|m|mm)$|\.xcodeproj\/|(^|\/)Podfile$|(^|\/)Package\.swift$/.test(f),
  );
  const hasAndroid =
    structure.modules.some((m) => m.kind.startsWith('android')) ||
    repo.files.some((f) => f.endsWith('AndroidManifest.xml'));
  if (hasIos) structure.platforms.push('ios');
  if (hasAndroid) structure.platforms.push('android');
  const sdks = structure.deploymentTargets
    .filter((d) => d.platform === 'Android' && /^\d+$/.test(d.version))
    .map((d) => Number(d.version));
  if (sdks.length) structure.minSdk = Math.min(...sdks);
  const ios = structure.deploymentTargets.filter((d) => d.platform === 'iOS').map((d) => d.version);
  if (ios.length) structure.iosDeploymentTarget = ios.sort(compareVersions)[0];
  return structure;
}
