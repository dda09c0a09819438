import type { AnalyzerFinding } from '../findings/finding';
import { readVersionCatalog } from '../dependencies/version-catalog';
import { readGradleBuild } from '../structure/gradle';
import { makeFinding } from './catalogue';
import { isChangedLine, lineOfOffset, type ChangedFile, type FileRule, type RuleContext } from './types';

/** Android's runtime ("dangerous") permissions, as of API 35. */
export const DANGEROUS_PERMISSIONS = new Set([
  'ACCEPT_HANDOVER',
  'ACCESS_BACKGROUND_LOCATION',
  'ACCESS_COARSE_LOCATION',
  'ACCESS_FINE_LOCATION',
  'ACCESS_MEDIA_LOCATION',
  'ACTIVITY_RECOGNITION',
  'ADD_VOICEMAIL',
  'ANSWER_PHONE_CALLS',
  'BLUETOOTH_ADVERTISE',
  'BLUETOOTH_CONNECT',
  'BLUETOOTH_SCAN',
  'BODY_SENSORS',
  'BODY_SENSORS_BACKGROUND',
  'CALL_PHONE',
  'CAMERA',
  'GET_ACCOUNTS',
  'NEARBY_WIFI_DEVICES',
  'POST_NOTIFICATIONS',
  'PROCESS_OUTGOING_CALLS',
  'READ_CALENDAR',
  'READ_CALL_LOG',
  'READ_CONTACTS',
  'READ_EXTERNAL_STORAGE',
  'READ_MEDIA_AUDIO',
  'READ_MEDIA_IMAGES',
  'READ_MEDIA_VIDEO',
  'READ_MEDIA_VISUAL_USER_SELECTED',
  'READ_PHONE_NUMBERS',
  'READ_PHONE_STATE',
  'READ_SMS',
  'RECEIVE_MMS',
  'RECEIVE_SMS',
  'RECEIVE_WAP_PUSH',
  'RECORD_AUDIO',
  'SEND_SMS',
  'USE_SIP',
  'UWB_RANGING',
  'WRITE_CALENDAR',
  'WRITE_CALL_LOG',
  'WRITE_CONTACTS',
  'WRITE_EXTERNAL_STORAGE',
]);

function attr(tag: string, name: string): string | undefined {
  return new RegExp(`android:${name}\\s*=\\s*"([^"]*)"`).exec(tag)?.[1];
}

function permissionsOf(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(/<uses-permission(?:-sdk-23)?\b[^>]*>/g)) {
    const name = attr(m[0], 'name');
    if (name) out.set(name, m.index);
  }
  return out;
}

/**
 * Actions other apps or the system send by design, so the component that answers them must be
 * exported: the platform's own (`android.*`, `androidx.*`, such as MEDIA_BUTTON, GET_CONTENT, SEND,
 * a MediaBrowserService) and Google Play services.
 */
const PUBLIC_ACTION = /^(android|androidx)\.|^com\.google\.android\.(gms|c2dm|apps)\./;

/**
 * Why an exported component with no permission is worth a look, or undefined when it is exported
 * for a purpose that needs it (labelled on real apps, bench/rules/labels): the launcher, a receiver
 * of system broadcasts, a media service, a file picker, a panic responder. A BROWSABLE filter makes
 * the activity a link target, exported on purpose; what needs checking there is how the link's
 * data is validated, an info note. Left at major: a component exported with no filter (reachable
 * by name only, so nothing needs it exported), an activity taking VIEW intents for a scheme
 * without BROWSABLE (not a link a browser can open, only one any other app can send) and one
 * answering the app's own custom actions.
 */
function exportedComponentRisk(
  kind: string,
  name: string,
  body: string,
  appPackage: string | undefined,
): { message: string; severity?: 'info' } | undefined {
  if (/android\.intent\.category\.(LAUNCHER|LEANBACK_LAUNCHER)/.test(body)) return undefined;
  const filters = [...body.matchAll(/<intent-filter\b[\s\S]*?<\/intent-filter>/g)].map((f) => ({
    actions: [...f[0].matchAll(/<action\s[^>]*android:name\s*=\s*"([^"]+)"/g)].map((a) => a[1]!),
    browsable: /android\.intent\.category\.BROWSABLE/.test(f[0]),
    // Document handlers (content:, file:, a MIME type) are "open with" targets the system offers.
    scheme: /android:mimeType\s*=/.test(f[0])
      ? undefined
      : [...f[0].matchAll(/android:scheme\s*=\s*"([^"]+)"/g)]
          .map((d) => d[1]!)
          .find((d) => d !== 'content' && d !== 'file'),
  }));
  if (filters.length === 0 || kind === 'provider') {
    return {
      message: `The ${kind} ${name} is exported with no android:permission and no intent filter, so any app can start it by name`,
    };
  }
  // VIEW with a data scheme but no BROWSABLE is not a link a browser can open: it is a deep link
  // only other apps can send, so any installed app can drive the screen with data of its choosing.
  const privateLink = filters.find(
    (f) => !f.browsable && f.scheme !== undefined && f.actions.includes('android.intent.action.VIEW'),
  );
  if (privateLink && kind !== 'service') {
    return {
      message: `The ${kind} ${name} is exported with no android:permission and takes VIEW intents for ${privateLink.scheme}: links without the BROWSABLE category: no browser opens them, but any installed app can start it with data of its choosing`,
    };
  }
  if (filters.some((f) => f.browsable)) {
    return {
      message: `The ${kind} ${name} opens links from browsers and other apps (a BROWSABLE intent filter), exported on purpose; check that it validates the link's host, path and extras before acting on them`,
      severity: 'info',
    };
  }
  const own = [...new Set(filters.flatMap((f) => f.actions).filter((a) => !PUBLIC_ACTION.test(a)))];
  if (own.length === 0) return undefined;
  const ownNamespace = (action: string) =>
    (appPackage !== undefined && action.startsWith(`${appPackage}.`)) ||
    (name.includes('.') &&
      !name.startsWith('.') &&
      action.startsWith(`${name.split('.').slice(0, 2).join('.')}.`));
  if (own.some(ownNamespace)) {
    return {
      message: `The ${kind} ${name} accepts ${own.join(', ')} from any app, with no android:permission to say who may send it`,
    };
  }
  return {
    message: `The ${kind} ${name} answers ${own.join(', ')}, another app's protocol, so it is exported on purpose; check what an intent from any app can make it do`,
    severity: 'info',
  };
}

/** The module's `namespace` (AGP 7+), which stands in for the manifest's `package` attribute. */
function gradleNamespace(manifestPath: string, context: RuleContext): string | undefined {
  const module = manifestPath.replace(
    /(^|\/)src\/[^/]+\/AndroidManifest\.xml$|(^|\/)AndroidManifest\.xml$/,
    '',
  );
  for (const build of ['build.gradle.kts', 'build.gradle']) {
    const text = context.repo.read(module ? `${module}/${build}` : build);
    const ns = text && /\bnamespace\s*=?\s*["']([\w.]+)["']/.exec(text)?.[1];
    if (ns) return ns;
  }
  return undefined;
}

function checkManifest(file: ChangedFile, context: RuleContext): AnalyzerFinding[] {
  const text = file.content!;
  const findings: AnalyzerFinding[] = [];
  const at = (offset: number) => lineOfOffset(text, offset);

  const appPackage =
    /<manifest\b[^>]*\bpackage\s*=\s*"([^"]+)"/.exec(text)?.[1] ?? gradleNamespace(file.path, context);
  for (const m of text.matchAll(/<(activity|activity-alias|service|receiver|provider)\b[^>]*?(\/>|>)/g)) {
    const tag = m[0];
    if (attr(tag, 'exported') !== 'true') continue;
    const protectedBy =
      attr(tag, 'permission') ??
      (m[1] === 'provider' ? (attr(tag, 'readPermission') ?? attr(tag, 'writePermission')) : undefined);
    if (protectedBy) continue;
    const close = m[2] === '/>' ? m.index + tag.length : text.indexOf(`</${m[1]}>`, m.index);
    const body = text.slice(m.index, close === -1 ? text.length : close);
    const line = at(m.index + tag.indexOf('android:exported'));
    if (!isChangedLine(file, line) && !isChangedLine(file, at(m.index))) continue;
    const name = attr(tag, 'name') ?? m[1]!;
    const exposure = exportedComponentRisk(m[1]!, name, body, appPackage);
    if (!exposure) continue;
    findings.push(
      makeFinding(
        'android.exported-without-permission',
        file.path,
        line,
        exposure.message,
        `${m[1]}:${name}`,
        { severity: exposure.severity },
      ),
    );
  }

  for (const m of text.matchAll(/android:usesCleartextTraffic\s*=\s*"true"/g)) {
    const line = at(m.index);
    if (!isChangedLine(file, line)) continue;
    if (DEBUG_SOURCE_SET.test(file.path)) {
      findings.push(
        makeFinding(
          'android.cleartext-traffic',
          file.path,
          line,
          'android:usesCleartextTraffic="true" in a debug manifest lets debug builds send unencrypted HTTP; release builds do not merge it',
          'usesCleartextTraffic',
          { severity: 'info' },
        ),
      );
    } else {
      findings.push(
        makeFinding(
          'android.cleartext-traffic',
          file.path,
          line,
          'android:usesCleartextTraffic="true" lets the app send unencrypted HTTP',
          'usesCleartextTraffic',
        ),
      );
    }
  }
  for (const m of text.matchAll(/android:debuggable\s*=\s*"true"/g)) {
    const line = at(m.index);
    if (isChangedLine(file, line))
      findings.push(
        makeFinding(
          'android.debuggable',
          file.path,
          line,
          'android:debuggable="true" is hard-coded in the manifest, so release builds can be debugged',
          'manifest debuggable',
        ),
      );
  }

  if (file.oldContent !== undefined) {
    const before = permissionsOf(file.oldContent);
    for (const [name, offset] of permissionsOf(text)) {
      const short = name.replace(/^android\.permission\./, '');
      if (before.has(name) || !name.startsWith('android.permission.') || !DANGEROUS_PERMISSIONS.has(short))
        continue;
      findings.push(
        makeFinding(
          'android.dangerous-permission.added',
          file.path,
          at(offset),
          `The app now requests ${name}, a runtime permission users must grant`,
          name,
        ),
      );
    }
    const oldMin = /android:minSdkVersion\s*=\s*"(\d+)"/.exec(file.oldContent)?.[1];
    const newMin = /android:minSdkVersion\s*=\s*"(\d+)"/.exec(text);
    if (oldMin && newMin && oldMin !== newMin[1]) {
      findings.push(
        makeFinding(
          'android.min-sdk.changed',
          file.path,
          at(newMin.index),
          `minSdkVersion changes from ${oldMin} to ${newMin[1]}`,
          `manifest minSdk ${newMin[1]}`,
        ),
      );
    }
  }
  return findings;
}

/** A source set only debug builds compile: `src/debug/`, or a variant's `src/<flavor>Debug/`. */
const DEBUG_SOURCE_SET = /(^|\/)src\/(debug|[a-z]\w*Debug)\//;

/**
 * Whether a network security config applies to debug builds only: it lives in a debug source set,
 * or every manifest that names it (`android:networkSecurityConfig="@xml/NAME"`) is a debug one.
 */
function isDebugOnlyConfig(path: string, context: RuleContext): boolean {
  if (DEBUG_SOURCE_SET.test(path)) return true;
  const name = /([^/]+)\.xml$/.exec(path)?.[1];
  const users = context.repo.files.filter(
    (f) =>
      f.endsWith('AndroidManifest.xml') &&
      new RegExp(`android:networkSecurityConfig\\s*=\\s*"@xml/${name}"`).test(context.repo.read(f) ?? ''),
  );
  return users.length > 0 && users.every((f) => DEBUG_SOURCE_SET.test(f));
}

/** The `<domain>` hosts an element lists itself, not those of the domain-configs nested in it. */
function ownDomains(element: string): string[] {
  const open = element.indexOf('>') + 1;
  let own = element.slice(open);
  // Drop nested domain-configs (innermost first) so their hosts are not taken for this element's.
  for (let prev = ''; prev !== own;) {
    prev = own;
    own = own.replace(/<domain-config\b(?:(?!<domain-config\b)[\s\S])*?<\/domain-config>/, '');
  }
  return [...own.matchAll(/<domain\b[^>]*>\s*([^<\s]+)\s*<\/domain>/g)].map((d) => d[1]!);
}

/** The element (`<base-config ...>` or `<domain-config ...>` up to its end) whose tag carries `offset`. */
function elementAt(text: string, offset: number): { tag: string; body: string } {
  const start = text.lastIndexOf('<', offset);
  const tag = /^<([\w-]+)/.exec(text.slice(start))?.[1] ?? '';
  const openEnd = text.indexOf('>', offset);
  if (text[openEnd - 1] === '/') return { tag, body: text.slice(start, openEnd + 1) };
  // Find the matching close tag, counting nested elements of the same name.
  const re = new RegExp(`<${tag}\\b|<\\/${tag}>`, 'g');
  re.lastIndex = openEnd;
  let depth = 1;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    depth += m[0].startsWith('</') ? -1 : 1;
    if (depth === 0) return { tag, body: text.slice(start, m.index + m[0].length) };
  }
  return { tag, body: text.slice(start) };
}

function checkNetworkSecurityConfig(file: ChangedFile, context: RuleContext): AnalyzerFinding[] {
  const text = file.content!;
  const findings: AnalyzerFinding[] = [];
  let debugOnly: boolean | undefined;
  for (const m of text.matchAll(/cleartextTrafficPermitted\s*=\s*"true"/g)) {
    const line = lineOfOffset(text, m.index);
    if (!isChangedLine(file, line)) continue;
    const element = elementAt(text, m.index);
    // Only hosts this element itself permits: never one a nested or later domain-config sets to false.
    const hosts = element.tag === 'domain-config' ? ownDomains(element.body) : [];
    const where =
      element.tag === 'domain-config'
        ? hosts.length
          ? ` to ${hosts.join(', ')}`
          : ' to its domains'
        : ' for every domain without its own domain-config';
    debugOnly ??= isDebugOnlyConfig(file.path, context);
    if (debugOnly) {
      findings.push(
        makeFinding(
          'android.cleartext-traffic',
          file.path,
          line,
          `A debug-only network security config permits cleartext traffic${where}; release builds do not use it`,
          `nsc:${hosts[0] ?? 'base'}`,
          { severity: 'info' },
        ),
      );
      continue;
    }
    findings.push(
      makeFinding(
        'android.cleartext-traffic',
        file.path,
        line,
        `The network security config permits cleartext traffic${where}`,
        `nsc:${hosts[0] ?? 'base'}`,
      ),
    );
  }
  return findings;
}

/** Version catalog keys that hold the minimum SDK: `minSdk`, `androidMinSdk`, `android-minSdk`, `min-sdk-version`. */
const MIN_SDK_KEY = /^(android[-_.]?)?min[-_.]?sdk([-_.]?version)?$/i;

/** `libs.versions.android.minSdk` -> its value in the repository's version catalogs (the new side), else the reference. */
function resolveCatalogRef(value: string, context: RuleContext): string {
  const ref = /^libs\.versions\.([\w.]+)$/.exec(value)?.[1];
  if (!ref) return value;
  for (const path of context.repo.files.filter((p) => /(^|\/)gradle\/[^/]*\.versions\.toml$/.test(p))) {
    try {
      const versions = readVersionCatalog(context.repo.read(path) ?? '').versions;
      const key = Object.keys(versions).find(
        (k) => k.replace(/[-_]/g, '.').toLowerCase() === ref.toLowerCase(),
      );
      if (key && versions[key]) return versions[key]!;
    } catch {
      // A catalog that does not parse resolves nothing.
    }
  }
  return value;
}

function checkGradle(file: ChangedFile, context: RuleContext): AnalyzerFinding[] {
  const text = file.content!;
  const findings: AnalyzerFinding[] = [];
  const after = readGradleBuild(text);
  for (const bt of after.debuggableBuildTypes) {
    if (bt.name === 'debug' || !isChangedLine(file, bt.line)) continue;
    findings.push(
      makeFinding(
        'android.debuggable',
        file.path,
        bt.line,
        `The ${bt.name} build type sets debuggable to true`,
        `gradle debuggable ${bt.name}`,
      ),
    );
  }
  if (file.oldContent !== undefined) {
    const before = readGradleBuild(file.oldContent);
    if (after.minSdk && before.minSdk && after.minSdk.value !== before.minSdk.value) {
      // A catalog reference is compared by its value: `21` -> `libs.versions.minSdk` (= 26) is a raise,
      // one that keeps the value is not. A change of the catalog itself is reported on the catalog.
      const from = resolveCatalogRef(before.minSdk.value, context);
      const to = resolveCatalogRef(after.minSdk.value, context);
      const written = (raw: string, resolved: string) =>
        raw === resolved ? resolved : `${resolved} (${raw})`;
      if (from !== to)
        findings.push(
          makeFinding(
            'android.min-sdk.changed',
            file.path,
            after.minSdk.line,
            `minSdk changes from ${written(before.minSdk.value, from)} to ${written(after.minSdk.value, to)}`,
            `minSdk ${to}`,
          ),
        );
    }
  }
  return findings;
}

function checkCatalogMinSdk(file: ChangedFile): AnalyzerFinding[] {
  if (file.oldContent === undefined) return [];
  const after = readVersionCatalog(file.content!).versions;
  const before = readVersionCatalog(file.oldContent).versions;
  const findings: AnalyzerFinding[] = [];
  for (const k of Object.keys(after).filter((key) => MIN_SDK_KEY.test(key))) {
    if (before[k] === undefined || before[k] === after[k]) continue;
    const line =
      file
        .content!.split('\n')
        .findIndex((l) => new RegExp(`^\\s*["']?${k.replace(/[.]/g, '\\.')}["']?\\s*=`).test(l)) + 1;
    findings.push(
      makeFinding(
        'android.min-sdk.changed',
        file.path,
        line,
        `The version catalog's ${k} changes from ${before[k]} to ${after[k]}`,
        `catalog ${k} ${after[k]}`,
      ),
    );
  }
  return findings;
}

/** Kotlin sources of Gradle convention plugins, where a multi-module build sets minSdk once for every module. */
const CONVENTION_PLUGIN_SOURCE = /(^|\/)(build-logic|buildSrc)\/.*\.kt$/;

/** AndroidManifest.xml, network security config, Gradle build types and min SDK. */
export const androidRule: FileRule = {
  name: 'android',
  ruleIds: [
    'android.exported-without-permission',
    'android.cleartext-traffic',
    'android.debuggable',
    'android.dangerous-permission.added',
    'android.min-sdk.changed',
  ],
  appliesTo: (file) =>
    file.content !== undefined &&
    (file.path.endsWith('AndroidManifest.xml') ||
      /(^|\/)res\/xml\/[^/]*\.xml$/.test(file.path) ||
      /\.gradle(\.kts)?$/.test(file.path) ||
      /\.versions\.toml$/.test(file.path) ||
      (CONVENTION_PLUGIN_SOURCE.test(file.path) && /\bminSdk/.test(file.content))),
  check(file, context) {
    if (file.path.endsWith('AndroidManifest.xml')) return checkManifest(file, context);
    if (file.path.endsWith('.toml')) return checkCatalogMinSdk(file);
    if (/\.gradle(\.kts)?$/.test(file.path) || CONVENTION_PLUGIN_SOURCE.test(file.path))
      return checkGradle(file, context);
    return /cleartextTrafficPermitted/.test(file.content!) ? checkNetworkSecurityConfig(file, context) : [];
  },
};
