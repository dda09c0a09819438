import type { AnalyzerFinding } from '../findings/finding';
import { readPodfile } from '../dependencies/podfile';
import { readPackageSwift } from '../structure/swiftpm';
import { DEPLOYMENT_SETTINGS, readPbxproj, readXcconfig, SIGNING_SETTINGS, type XcodeProjectInfo } from '../structure/xcode';
import { makeFinding } from './catalogue';
import { isChangedLine, lineText, type ChangedFile, type FileRule } from './types';

function lineOf(text: string, needle: string): number {
  const i = text.indexOf(needle);
  if (i === -1) return 0;
  return text.slice(0, i).split('\n').length;
}

function lineOfSetting(text: string, key: string, value: string): number {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => new RegExp(`\\b${key}\\s*=\\s*"?${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?;`).test(l));
  return i + 1;
}

type SettingMap = Map<string, string>;

/** `target/config/KEY` -> value, for the settings a rule compares. */
function settingsOf(project: XcodeProjectInfo, keys: readonly string[]): SettingMap {
  const out: SettingMap = new Map();
  const scopes = [{ name: 'project', configurations: project.configurations }, ...project.targets];
  for (const scope of scopes) {
    for (const config of scope.configurations) {
      for (const key of keys) if (config.settings[key] !== undefined) out.set(`${scope.name}/${config.name}/${key}`, config.settings[key]!);
    }
  }
  return out;
}

/** Changed settings, one entry per target, key and change: Debug and Release moving together are one change. */
function changedSettings(before: SettingMap, after: SettingMap): Array<{ scope: string; key: string; from?: string; to?: string }> {
  const merged = new Map<string, { target: string; configs: string[]; key: string; from?: string; to?: string }>();
  for (const id of new Set([...before.keys(), ...after.keys()])) {
    if (before.get(id) === after.get(id)) continue;
    const [target, config, key] = id.split('/') as [string, string, string];
    const group = `${target}\0${key}\0${before.get(id)}\0${after.get(id)}`;
    const entry = merged.get(group) ?? { target, configs: [], key, from: before.get(id), to: after.get(id) };
    entry.configs.push(config);
    merged.set(group, entry);
  }
  return [...merged.values()].map((m) => ({ scope: `${m.target} (${m.configs.join(', ')})`, key: m.key, from: m.from, to: m.to }));
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
      makeFinding('ios.build-phase.run-script-added', file.path, lineOf(text, `${script.id} /* ${script.name} */ = {`) || lineOf(text, script.id), `Target ${script.target} gets a new Run Script phase "${script.name}" (${firstLine.trim().slice(0, 80) || 'empty script'})`, `${script.target}:${script.name}:${script.script}`),
    );
    notes.push(`new Run Script "${script.name}" in ${script.target}`);
  }

  for (const change of changedSettings(settingsOf(before, SIGNING_SETTINGS), settingsOf(after, SIGNING_SETTINGS))) {
    const line = change.to ? lineOfSetting(text, change.key, change.to) : 0;
    findings.push(makeFinding('ios.signing.changed', file.path, line, `${change.key} for ${change.scope} changes from ${change.from ?? '(unset)'} to ${change.to ?? '(unset)'}`, `${change.scope}:${change.key}:${change.to ?? ''}`));
    notes.push(`signing ${change.key} (${change.scope})`);
  }

  for (const change of changedSettings(settingsOf(before, Object.keys(DEPLOYMENT_SETTINGS)), settingsOf(after, Object.keys(DEPLOYMENT_SETTINGS)))) {
    const line = change.to ? lineOfSetting(text, change.key, change.to) : 0;
    findings.push(makeFinding('ios.deployment-target.changed', file.path, line, `${change.key} for ${change.scope} changes from ${change.from ?? '(unset)'} to ${change.to ?? '(unset)'}`, `${change.scope}:${change.key}:${change.to ?? ''}`));
    notes.push(`${change.key} ${change.from ?? '(unset)'} -> ${change.to ?? '(unset)'} (${change.scope})`);
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
  for (const name of oldTargets.keys()) if (!after.targets.some((t) => t.name === name)) notes.push(`target ${name} removed`);
  const oldPackages = new Map(before.packages.map((p) => [p.url, p.requirement]));
  const describe = (r: Record<string, string>) => (r.kind === 'branch' ? `branch ${r.branch}` : r.kind === 'revision' ? `revision ${r.revision}` : r.version ?? r.minimumVersion ? `${r.kind} ${r.version ?? r.minimumVersion}` : r.kind ?? 'unknown');
  for (const p of after.packages) {
    const old = oldPackages.get(p.url);
    if (!old) notes.push(`new Swift package ${p.url} (${describe(p.requirement)})`);
    else if (describe(old) !== describe(p.requirement)) notes.push(`${p.url} requirement ${describe(old)} -> ${describe(p.requirement)}`);
  }

  const summary = notes.length ? `Project changes: ${notes.join('; ')}` : 'Project file changed without target, signing, deployment or script changes (file references or ordering only)';
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
    if (file.oldContent !== undefined && baseKey in DEPLOYMENT_SETTINGS) findings.push(makeFinding('ios.deployment-target.changed', file.path, entry.line, observation, `${entry.key}:${entry.value}`));
    if (file.oldContent !== undefined && (SIGNING_SETTINGS as readonly string[]).includes(baseKey)) findings.push(makeFinding('ios.signing.changed', file.path, entry.line, observation, `${entry.key}:${entry.value}`));
    notes.push(observation);
  }
  if (file.oldContent !== undefined && notes.length) findings.push(makeFinding('ios.project.summary', file.path, 0, `Build settings: ${notes.join('; ')}`, notes.join(';')));
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
      makeFinding('ios.deployment-target.changed', file.path, p.line, `The ${p.platform} deployment target ${before.has(p.platform) ? `changes from ${before.get(p.platform)} to ${p.version}` : `is now ${p.version}`}`, `${p.platform}:${lineText(file.content!, p.line)}`),
    );
}

/** project.pbxproj, .xcconfig, and platform lines of Package.swift / Podfile. */
export const xcodeProjectRule: FileRule = {
  name: 'ios-project',
  ruleIds: ['ios.build-phase.run-script-added', 'ios.signing.changed', 'ios.deployment-target.changed', 'ios.project.summary'],
  appliesTo: (file) => file.content !== undefined && (file.path.endsWith('.pbxproj') || file.path.endsWith('.xcconfig') || /(^|\/)(Package\.swift|Podfile)$/.test(file.path)),
  check(file) {
    if (file.path.endsWith('.pbxproj')) return checkPbxproj(file);
    if (file.path.endsWith('.xcconfig')) return checkXcconfig(file);
    return checkManifestPlatforms(file);
  },
};

function plistKeys(text: string): Map<string, string> {
  // Key -> the text of its value, so a changed value counts as a change of that key.
  const out = new Map<string, string>();
  for (const m of text.matchAll(/<key>([^<]+)<\/key>\s*(<(?:true|false)\s*\/>|<string>[^<]*<\/string>|<array>[\s\S]*?<\/array>|<dict>[\s\S]*?<\/dict>|<integer>[^<]*<\/integer>)/g)) {
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
  appliesTo: (file) => (file.path.endsWith('.entitlements') || file.path.endsWith('.xcprivacy')) && file.status !== 'scanned',
  check(file) {
    const isPrivacy = file.path.endsWith('.xcprivacy');
    const ruleId = isPrivacy ? 'ios.privacy-manifest.changed' : 'ios.entitlements.changed';
    if (file.content === undefined) return [makeFinding(ruleId, file.path, 0, `${file.path} is deleted`, 'deleted')];
    const after = plistKeys(file.content);
    const before = plistKeys(file.oldContent ?? '');
    const notes: string[] = [];
    let firstLine = 0;
    for (const [key, value] of after) {
      if (before.get(key) === value) continue;
      // Dictionaries nest keys: report the innermost changed key, not its containers.
      if (value.startsWith('<dict>') && [...after.keys()].some((k) => k !== key && value.includes(`<key>${k}</key>`) && before.get(k) !== after.get(k))) continue;
      notes.push(before.has(key) ? `${key} changed` : `adds ${key}${value.startsWith('<true') ? ' = true' : ''}`);
      firstLine ||= lineOf(file.content, `<key>${key}</key>`);
    }
    for (const key of before.keys()) if (!after.has(key)) notes.push(`removes ${key}`);
    if (isPrivacy) {
      const oldStrings = plistStrings(file.oldContent ?? '');
      const added = [...plistStrings(file.content)].filter((s) => !oldStrings.has(s) && s.trim());
      if (added.length) notes.push(`new values: ${added.join(', ')}`);
    }
    if (notes.length === 0) return [];
    const severity = isPrivacy && /<key>NSPrivacyTracking<\/key>\s*<true\s*\/>/.test(file.content) && !/<key>NSPrivacyTracking<\/key>\s*<true\s*\/>/.test(file.oldContent ?? '') ? ('major' as const) : undefined;
    const observation = `${isPrivacy ? 'The privacy manifest' : 'Entitlements'} ${file.status === 'added' ? 'added' : 'changed'}: ${notes.join('; ')}`;
    return [makeFinding(ruleId, file.path, firstLine, observation, notes.join(';'), { severity })];
  },
};
