import { XMLParser } from 'fast-xml-parser';
import { parseOpenStepPlist, PlistParseError, type PlistDict, type PlistValue } from './openstep-plist';

/** Build settings that decide how a target is signed. */
export const SIGNING_SETTINGS = [
  'CODE_SIGN_IDENTITY',
  'CODE_SIGN_STYLE',
  'DEVELOPMENT_TEAM',
  'PROVISIONING_PROFILE_SPECIFIER',
  'PROVISIONING_PROFILE',
  'CODE_SIGN_ENTITLEMENTS',
] as const;
/** Deployment target settings by platform name. */
export const DEPLOYMENT_SETTINGS: Record<string, string> = {
  IPHONEOS_DEPLOYMENT_TARGET: 'iOS',
  MACOSX_DEPLOYMENT_TARGET: 'macOS',
  TVOS_DEPLOYMENT_TARGET: 'tvOS',
  WATCHOS_DEPLOYMENT_TARGET: 'watchOS',
  XROS_DEPLOYMENT_TARGET: 'visionOS',
};

export interface XcodeBuildConfiguration {
  /** The XCBuildConfiguration object's id, which locates its lines in the project file. */
  id: string;
  name: string;
  settings: Record<string, string>;
}

export interface XcodeShellScriptPhase {
  id: string;
  /** Name shown in Xcode (`Run Script` when unnamed). */
  name: string;
  script: string;
  /** Name of the target that runs it. */
  target: string;
}

export interface XcodeTarget {
  id: string;
  name: string;
  /** Short product type: `application`, `framework`, `bundle.unit-test`, `bundle.ui-testing`, `app-extension`... */
  productType: string;
  isTest: boolean;
  /** Names of targets this one depends on. */
  dependencies: string[];
  /** Swift package products it links (`packageProductDependencies`). */
  packageProducts: string[];
  configurations: XcodeBuildConfiguration[];
  /** File names compiled by its Sources phase (file names as the project stores them). */
  sources: string[];
}

export interface XcodeProjectInfo {
  objectVersion: string;
  targets: XcodeTarget[];
  /** Project-level configurations (settings every target inherits). */
  configurations: XcodeBuildConfiguration[];
  shellScripts: XcodeShellScriptPhase[];
  /** Remote Swift packages (`XCRemoteSwiftPackageReference`): URL and requirement. */
  packages: Array<{ url: string; requirement: Record<string, string> }>;
}

function dict(value: PlistValue | undefined): PlistDict {
  return value && typeof value === 'object' && !Array.isArray(value) ? value : {};
}
function str(value: PlistValue | undefined): string {
  return typeof value === 'string' ? value : '';
}
function ids(value: PlistValue | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
function flatSettings(value: PlistValue | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(dict(value)))
    out[k] = Array.isArray(v) ? v.map(String).join(' ') : str(v);
  return out;
}

/** Reads the targets, configurations, Run Script phases and packages of a `project.pbxproj`. */
export function readPbxproj(text: string): XcodeProjectInfo {
  const root = dict(parseOpenStepPlist(text));
  const objects = dict(root.objects);
  if (Object.keys(objects).length === 0)
    throw new PlistParseError('project file has no objects: is this a project.pbxproj?');
  const obj = (id: string) => dict(objects[id]);
  const configurationsOf = (listId: string): XcodeBuildConfiguration[] =>
    ids(obj(listId).buildConfigurations).map((id) => ({
      id,
      name: str(obj(id).name),
      settings: flatSettings(obj(id).buildSettings),
    }));

  const targets: XcodeTarget[] = [];
  const shellScripts: XcodeShellScriptPhase[] = [];
  for (const [id, value] of Object.entries(objects)) {
    const o = dict(value);
    if (o.isa !== 'PBXNativeTarget' && o.isa !== 'PBXAggregateTarget') continue;
    const name = str(o.name);
    const productType = str(o.productType).replace('com.apple.product-type.', '');
    const sources: string[] = [];
    for (const phaseId of ids(o.buildPhases)) {
      const phase = obj(phaseId);
      if (phase.isa === 'PBXSourcesBuildPhase') {
        for (const buildFileId of ids(phase.files)) {
          const ref = obj(str(obj(buildFileId).fileRef));
          const path = str(ref.path) || str(ref.name);
          if (path) sources.push(path);
        }
      } else if (phase.isa === 'PBXShellScriptBuildPhase') {
        shellScripts.push({
          id: phaseId,
          name: str(phase.name) || 'Run Script',
          script: str(phase.shellScript),
          target: name,
        });
      }
    }
    targets.push({
      id,
      name,
      productType,
      isTest: /unit-test|ui-testing/.test(productType),
      dependencies: ids(o.dependencies)
        .map(
          (depId) =>
            str(obj(str(obj(depId).target)).name) || str(dict(obj(str(obj(depId).targetProxy))).remoteInfo),
        )
        .filter(Boolean),
      packageProducts: ids(o.packageProductDependencies)
        .map((p) => str(obj(p).productName))
        .filter(Boolean),
      configurations: configurationsOf(str(o.buildConfigurationList)),
      sources,
    });
  }
  const project = Object.values(objects)
    .map(dict)
    .find((o) => o.isa === 'PBXProject');
  const packages = Object.values(objects)
    .map(dict)
    .filter((o) => o.isa === 'XCRemoteSwiftPackageReference')
    .map((o) => ({ url: str(o.repositoryURL), requirement: flatSettings(o.requirement) }));
  return {
    objectVersion: str(root.objectVersion),
    targets: targets.sort((a, b) => a.name.localeCompare(b.name)),
    configurations: project ? configurationsOf(str(project.buildConfigurationList)) : [],
    shellScripts,
    packages,
  };
}

/** A scheme from `xcshareddata/xcschemes/*.xcscheme`. */
export interface XcodeScheme {
  name: string;
  /** Targets the scheme builds. */
  buildTargets: string[];
  /** Test targets its Test action runs. */
  testTargets: string[];
}

/** Reads the targets a shared scheme builds and tests. */
export function readXcscheme(name: string, text: string): XcodeScheme {
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (tag) => ['BuildActionEntry', 'TestableReference'].includes(tag),
  }).parse(text) as {
    Scheme?: {
      BuildAction?: {
        BuildActionEntries?: {
          BuildActionEntry?: Array<{ BuildableReference?: { BlueprintName?: string } }>;
        };
      };
      TestAction?: {
        Testables?: {
          TestableReference?: Array<{ skipped?: string; BuildableReference?: { BlueprintName?: string } }>;
        };
      };
    };
  };
  const scheme = doc.Scheme ?? {};
  return {
    name,
    buildTargets: (scheme.BuildAction?.BuildActionEntries?.BuildActionEntry ?? [])
      .map((e) => e.BuildableReference?.BlueprintName ?? '')
      .filter(Boolean),
    testTargets: (scheme.TestAction?.Testables?.TestableReference ?? [])
      .filter((t) => t.skipped !== 'YES')
      .map((t) => t.BuildableReference?.BlueprintName ?? '')
      .filter(Boolean),
  };
}

/** `KEY = value // comment` lines of an `.xcconfig`, with their 1-based lines. Conditional keys (`KEY[sdk=iphoneos*]`) keep their condition. */
export function readXcconfig(text: string): Array<{ key: string; value: string; line: number }> {
  const out: Array<{ key: string; value: string; line: number }> = [];
  text.split('\n').forEach((raw, index) => {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]*\])*)\s*=\s*(.*?)\s*(?:\/\/.*)?$/.exec(raw);
    if (m) out.push({ key: m[1]!, value: m[2]!.replace(/;$/, ''), line: index + 1 });
  });
  return out;
}
