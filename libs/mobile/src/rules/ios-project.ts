import type { AnalyzerFinding } from '../findings/finding';
import { readPodfile } from '../dependencies/podfile';
import { readPackageSwift } from '../structure/swiftpm';
import {
  DEPLOYMENT_SETTINGS,
  readPbxproj,
  readXcconfig,
  SIGNING_SETTINGS,
  type XcodeProjectInfo,
} from '../structure/xcode';
import { makeFinding } from './catalogue';
import { isChangedLine, lineText, type ChangedFile, type FileRule } from './types';

function lineOf(text: string, needle: string): number {
  const i = text.indexOf(needle);
  if (i === -1) return 0;
  return text.slice(0, i).split('\n').length;
}

type SettingMap = Map<string, { value: string; configId: string }>;

/** `target/config/KEY` -> value and the configuration's object id, for the settings a rule compares. */
function settingsOf(project: XcodeProjectInfo, keys: readonly string[]): SettingMap {
  const out: SettingMap = new Map();
  const scopes = [{ name: 'project', configurations: project.configurations }, ...project.targets];
  for (const scope of scopes) {
    for (const config of scope.configurations) {
      for (const key of keys)
        if (config.settings[key] !== undefined)
          out.set(`${scope.name}/${config.name}/${key}`, {
            value: config.settings[key]!,
            configId: config.id,
          });
    }
  }
  return out;
}

interface SettingChange {
  target: string;
  configs: string[];
  key: string;
  from?: string;
  to?: string;
  /** Object ids of the new side's configurations that hold the new value. */
  configIds: string[];
}

/** Changed settings, one entry per target, key and change: Debug and Release moving together are one change. */
function changedSettings(before: SettingMap, after: SettingMap): SettingChange[] {
  const merged = new Map<string, SettingChange>();
  for (const id of new Set([...before.keys(), ...after.keys()])) {
    const from = before.get(id)?.value;
    const to = after.get(id);
    if (from === to?.value) continue;
    const [target, config, key] = id.split('/') as [string, string, string];
    const group = `${target}\0${key}\0${from}\0${to?.value}`;
    const entry = merged.get(group) ?? { target, configs: [], key, from, to: to?.value, configIds: [] };
    entry.configs.push(config);
    if (to) entry.configIds.push(to.configId);
    merged.set(group, entry);
  }
  return [...merged.values()];
}

const scopeOf = (change: { target: string; configs: string[] }) =>
  `${change.target} (${change.configs.join(', ')})`;

/**
 * The line that sets `key` inside one of the given XCBuildConfiguration objects, preferring one the
 * diff changed; 0 (the file) when none of them sets it on a changed line. Searching the whole file
 * would land on the same setting of another target, outside every hunk.
 */
function lineOfConfigSetting(file: ChangedFile, configIds: readonly string[], key: string): number {
  const lines = file.content!.split('\n');
  const setting = new RegExp(`^\\s*"?${key}"?\\s*=`);
  const candidates: number[] = [];
  for (const id of configIds) {
    const start = lines.findIndex((l) => new RegExp(`^\\s*${id}\\b[^=]*=\\s*\\{`).test(l));
    if (start === -1) continue;
    let depth = 0;
    for (let i = start; i < lines.length; i++) {
      const text = lines[i]!;
      if (i > start && depth === 2 && setting.test(text)) candidates.push(i + 1);
      depth += (text.match(/\{/g)?.length ?? 0) - (text.match(/\}/g)?.length ?? 0);
      if (depth <= 0) break;
    }
  }
  return candidates.find((line) => isChangedLine(file, line)) ?? 0;
}

function checkPbxproj(file: ChangedFile): AnalyzerFinding[] {
  const text = file.content!;
  const after = readPbxproj(text);
  const findings: AnalyzerFinding[] = [];
  if (file.oldContent === undefined) {
    // A scan: summarise what the project holds instead of what changed.
    const scripts = after.shellScripts.map((s) => `"${s.name}" in ${s.target}`);
    const summary = `Xcode project with ${after.targets.length} target(s): ${after.targets.map((t) => `${t.name} (${t.productType})`).join(', ')}${scripts.length ? `; Run Script phases: ${scripts.join(', ')}` : ''}`;
    findings.push(makeFinding('ios.project.summary', file.path, 0, summary, summary));
    return findings;
  }
  const before = readPbxproj(file.oldContent);
  const notes: string[] = [];

  const oldScripts = new Set(before.shellScripts.map((s) => s.id));
  for (const script of after.shellScripts.filter((s) => !oldScripts.has(s.id))) {
    const firstLine = script.script.split('\n').find((l) => l.trim() && !l.startsWith('#')) ?? '';
    findings.push(
      makeFinding(
        'ios.build-phase.run-script-added',
        file.path,
        lineOf(text, `${script.id} /* ${script.name} */ = {`) || lineOf(text, script.id),
        `Target ${script.target} gets a new Run Script phase "${script.name}" (${firstLine.trim().slice(0, 80) || 'empty script'})`,
        `${script.target}:${script.name}:${script.script}`,
      ),
    );
    notes.push(`new Run Script "${script.name}" in ${script.target}`);
  }

  // Signing: one finding per target, whatever number of settings and configurations moved.
  const oldTargetNames = new Set(before.targets.map((t) => t.name));
  const signingByTarget = new Map<string, SettingChange[]>();
  for (const change of changedSettings(
    settingsOf(before, SIGNING_SETTINGS),
    settingsOf(after, SIGNING_SETTINGS),
  )) {
    signingByTarget.set(change.target, [...(signingByTarget.get(change.target) ?? []), change]);
  }
  for (const [target, changes] of signingByTarget) {
    const isNew = target !== 'project' && !oldTargetNames.has(target);
    const line =
      changes.map((c) => (c.to ? lineOfConfigSetting(file, c.configIds, c.key) : 0)).find((l) => l > 0) ?? 0;
    const parts = changes.map((c) =>
      isNew
        ? `${c.key} = ${c.to} (${c.configs.join(', ')})`
        : `${c.key} ${c.from ?? '(unset)'} -> ${c.to ?? '(unset)'} (${c.configs.join(', ')})`,
    );
    const observation = isNew
      ? `New target ${target} is signed with ${parts.join('; ')}`
      : `Signing of ${target === 'project' ? 'the project' : `target ${target}`} changes: ${parts.join('; ')}`;
    findings.push(
      makeFinding(
        'ios.signing.changed',
        file.path,
        line,
        observation,
        `${target}:${changes.map((c) => `${c.key}=${c.to ?? ''}`).join(',')}`,
      ),
    );
    notes.push(`signing of ${target} (${changes.map((c) => c.key).join(', ')})`);
  }

  for (const change of changedSettings(
    settingsOf(before, Object.keys(DEPLOYMENT_SETTINGS)),
    settingsOf(after, Object.keys(DEPLOYMENT_SETTINGS)),
  )) {
    const line = change.to ? lineOfConfigSetting(file, change.configIds, change.key) : 0;
    if (change.target !== 'project' && !oldTargetNames.has(change.target)) {
      // A new target (an extension, a widget) drops no existing user: a note, not a raise.
      findings.push(
        makeFinding(
          'ios.deployment-target.changed',
          file.path,
          line,
          `New target ${scopeOf(change)} sets ${change.key} = ${change.to}`,
          `${scopeOf(change)}:${change.key}:${change.to ?? ''}`,
          { severity: 'info' },
        ),
      );
      continue;
    }
    findings.push(
      makeFinding(
        'ios.deployment-target.changed',
        file.path,
        line,
        `${change.key} for ${scopeOf(change)} changes from ${change.from ?? '(unset)'} to ${change.to ?? '(unset)'}`,
        `${scopeOf(change)}:${change.key}:${change.to ?? ''}`,
      ),
    );
    notes.push(`${change.key} ${change.from ?? '(unset)'} -> ${change.to ?? '(unset)'} (${scopeOf(change)})`);
  }

  const oldTargets = new Map(before.targets.map((t) => [t.name, t]));
  for (const target of after.targets) {
    const old = oldTargets.get(target.name);
    if (!old) {
      notes.push(`new target ${target.name} (${target.productType})`);
      continue;
    }
    const added = target.sources.filter((s) => !old.sources.includes(s));
    const removed = old.sources.filter((s) => !target.sources.includes(s));
    if (added.length) notes.push(`${target.name} compiles ${added.join(', ')}`);
    if (removed.length) notes.push(`${target.name} no longer compiles ${removed.join(', ')}`);
  }
  for (const name of oldTargets.keys())
    if (!after.targets.some((t) => t.name === name)) notes.push(`target ${name} removed`);
  const oldPackages = new Map(before.packages.map((p) => [p.url, p.requirement]));
  const describe = (r: Record<string, string>) =>
    r.kind === 'branch'
      ? `branch ${r.branch}`
      : r.kind === 'revision'
        ? `revision ${r.revision}`
        : (r.version ?? r.minimumVersion)
          ? `${r.kind} ${r.version ?? r.minimumVersion}`
          : (r.kind ?? 'unknown');
  for (const p of after.packages) {
    const old = oldPackages.get(p.url);
    if (!old) notes.push(`new Swift package ${p.url} (${describe(p.requirement)})`);
    else if (describe(old) !== describe(p.requirement))
      notes.push(`${p.url} requirement ${describe(old)} -> ${describe(p.requirement)}`);
  }

  const summary = notes.length
    ? `Project changes: ${notes.join('; ')}`
    : 'Project file changed without target, signing, deployment or script changes (file references or ordering only)';
  findings.push(makeFinding('ios.project.summary', file.path, 0, summary, summary));
  return findings;
}

function checkXcconfig(file: ChangedFile): AnalyzerFinding[] {
  const after = readXcconfig(file.content!);
  const findings: AnalyzerFinding[] = [];
  const before = new Map(readXcconfig(file.oldContent ?? '').map((e) => [e.key, e.value]));
  const notes: string[] = [];
  for (const entry of after) {
    if (!isChangedLine(file, entry.line)) continue;
    const old = before.get(entry.key);
    if (file.oldContent !== undefined && old === entry.value) continue;
    const baseKey = entry.key.replace(/\[.*$/, '');
    const observation = `${entry.key} ${old === undefined ? `is set to ${entry.value}` : `changes from ${old} to ${entry.value}`}`;
    if (file.oldContent !== undefined && baseKey in DEPLOYMENT_SETTINGS)
      findings.push(
        makeFinding(
          'ios.deployment-target.changed',
          file.path,
          entry.line,
          observation,
          `${entry.key}:${entry.value}`,
        ),
      );
    if (file.oldContent !== undefined && (SIGNING_SETTINGS as readonly string[]).includes(baseKey))
      findings.push(
        makeFinding('ios.signing.changed', file.path, entry.line, observation, `${entry.key}:${entry.value}`),
      );
    notes.push(observation);
  }
  if (file.oldContent !== undefined && notes.length)
    findings.push(
      makeFinding(
        'ios.project.summary',
        file.path,
        0,
        `Build settings: ${notes.join('; ')}`,
        notes.join(';'),
      ),
    );
  return findings;
}

/** `Package.swift` platforms and Podfile `platform :ios` changes. */
function checkManifestPlatforms(file: ChangedFile): AnalyzerFinding[] {
  if (file.oldContent === undefined) return [];
  const isPodfile = /(^|\/)Podfile$/.test(file.path);
  const read = (text: string) => (isPodfile ? readPodfile(text).platforms : readPackageSwift(text).platforms);
  const before = new Map(read(file.oldContent).map((p) => [p.platform, p.version]));
  return read(file.content!)
    .filter((p) => before.get(p.platform) !== p.version && (p.platform === 'iOS' || before.has(p.platform)))
    .map((p) =>
      makeFinding(
        'ios.deployment-target.changed',
        file.path,
        p.line,
        `The ${p.platform} deployment target ${before.has(p.platform) ? `changes from ${before.get(p.platform)} to ${p.version}` : `is now ${p.version}`}`,
        `${p.platform}:${lineText(file.content!, p.line)}`,
      ),
    );
}

/** project.pbxproj, .xcconfig, and platform lines of Package.swift / Podfile. */
export const xcodeProjectRule: FileRule = {
  name: 'ios-project',
  ruleIds: [
    'ios.build-phase.run-script-added',
    'ios.signing.changed',
    'ios.deployment-target.changed',
    'ios.project.summary',
  ],
  appliesTo: (file) =>
    file.content !== undefined &&
    (file.path.endsWith('.pbxproj') ||
      file.path.endsWith('.xcconfig') ||
      /(^|\/)(Package\.swift|Podfile)$/.test(file.path)),
  check(file) {
    if (file.path.endsWith('.pbxproj')) return checkPbxproj(file);
    if (file.path.endsWith('.xcconfig')) return checkXcconfig(file);
    return checkManifestPlatforms(file);
  },
};

function plistKeys(text: string): Map<string, string> {
  // Key -> the text of its value, so a changed value counts as a change of that key.
  const out = new Map<string, string>();
  for (const m of text.matchAll(
    /<key>([^<]+)<\/key>\s*(<(?:true|false)\s*\/>|<string>[^<]*<\/string>|<array>[\s\S]*?<\/array>|<dict>[\s\S]*?<\/dict>|<integer>[^<]*<\/integer>)/g,
  )) {
    out.set(m[1]!, m[2]!.replace(/\s+/g, ' '));
  }
  return out;
}

function plistStrings(text: string): Set<string> {
  return new Set([...text.matchAll(/<string>([^<]*)<\/string>/g)].map((m) => m[1]!));
}

/** Entitlements and privacy manifests: summarised changes, since both change what review and the store see. */
export const entitlementsAndPrivacyRule: FileRule = {
  name: 'ios-entitlements-privacy',
  ruleIds: ['ios.entitlements.changed', 'ios.privacy-manifest.changed'],
  appliesTo: (file) =>
    (file.path.endsWith('.entitlements') || file.path.endsWith('.xcprivacy')) && file.status !== 'scanned',
  check(file) {
    const isPrivacy = file.path.endsWith('.xcprivacy');
    const ruleId = isPrivacy ? 'ios.privacy-manifest.changed' : 'ios.entitlements.changed';
    if (file.content === undefined)
      return [makeFinding(ruleId, file.path, 0, `${file.path} is deleted`, 'deleted')];
    const after = plistKeys(file.content);
    const before = plistKeys(file.oldContent ?? '');
    const notes: string[] = [];
    let firstLine = 0;
    for (const [key, value] of after) {
      if (before.get(key) === value) continue;
      // Dictionaries nest keys: report the innermost changed key, not its containers.
      if (
        value.startsWith('<dict>') &&
        [...after.keys()].some(
          (k) => k !== key && value.includes(`<key>${k}</key>`) && before.get(k) !== after.get(k),
        )
      )
        continue;
      notes.push(
        before.has(key) ? `${key} changed` : `adds ${key}${value.startsWith('<true') ? ' = true' : ''}`,
      );
      firstLine ||= lineOf(file.content, `<key>${key}</key>`);
    }
    for (const key of before.keys()) if (!after.has(key)) notes.push(`removes ${key}`);
    if (isPrivacy) {
      const oldStrings = plistStrings(file.oldContent ?? '');
      const added = [...plistStrings(file.content)].filter((s) => !oldStrings.has(s) && s.trim());
      if (added.length) notes.push(`new values: ${added.join(', ')}`);
    }
    if (notes.length === 0) return [];
    const severity =
      isPrivacy &&
      /<key>NSPrivacyTracking<\/key>\s*<true\s*\/>/.test(file.content) &&
      !/<key>NSPrivacyTracking<\/key>\s*<true\s*\/>/.test(file.oldContent ?? '')
        ? ('major' as const)
        : undefined;
    const observation = `${isPrivacy ? 'The privacy manifest' : 'Entitlements'} ${file.status === 'added' ? 'added' : 'changed'}: ${notes.join('; ')}`;
    return [makeFinding(ruleId, file.path, firstLine, observation, notes.join(';'), { severity })];
  },
};
