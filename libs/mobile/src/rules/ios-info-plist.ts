import { dirname, posix } from 'node:path';
import type { AnalyzerFinding } from '../findings/finding';
import { readPbxproj } from '../structure/xcode';
import { makeFinding } from './catalogue';
import { isChangedLine, lineOfOffset, type ChangedFile, type FileRule, type RuleContext } from './types';

const INFO_PLIST = /(^|\/)[^/]*Info\.plist$/;
const PLACEHOLDER_PURPOSE =
  /^(|\s+|todo|tbd|fixme|usage description|description|placeholder|\.+|-+|\$\([A-Z_]+\))$/i;

/** `<key>NAME</key>` followed by `<true/>`, with the key's offset. */
function trueFlags(text: string, key: string): number[] {
  const out: number[] = [];
  const re = new RegExp(`<key>${key}</key>\\s*<true\\s*/>`, 'g');
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m.index);
  return out;
}

/** A build setting path as a repository path: `$(SRCROOT)/App/Info.plist` from a project in `ios/` -> `ios/App/Info.plist`. */
function settingPath(projectRoot: string, value: string): string {
  const relative = value.replace(/^"|"$/g, '').replace(/^\$\((SRCROOT|PROJECT_DIR)\)\/?/, '');
  return posix.normalize(projectRoot === '.' ? relative : `${projectRoot}/${relative}`);
}

/**
 * The entitlements files of the targets built with this Info.plist (their CODE_SIGN_ENTITLEMENTS
 * where a project's INFOPLIST_FILE names the plist), or the .entitlements files beside the plist
 * when no project says.
 */
function entitlementsOfPlist(plistPath: string, context: RuleContext): string[] {
  const out = new Set<string>();
  for (const project of context.repo.files.filter((p) => p.endsWith('.xcodeproj/project.pbxproj'))) {
    const text = context.repo.read(project);
    if (!text || !text.includes(posix.basename(plistPath))) continue;
    const root = dirname(dirname(project));
    try {
      for (const target of readPbxproj(text).targets) {
        for (const config of target.configurations) {
          const plist = config.settings.INFOPLIST_FILE;
          const entitlements = config.settings.CODE_SIGN_ENTITLEMENTS;
          if (plist && entitlements && settingPath(root, plist) === plistPath)
            out.add(settingPath(root, entitlements));
        }
      }
    } catch {
      // A project file that does not parse says nothing about this plist.
    }
  }
  if (out.size === 0)
    for (const path of context.repo.files)
      if (path.endsWith('.entitlements') && dirname(path) === dirname(plistPath)) out.add(path);
  return [...out];
}

/** Whether the app built with this Info.plist is a default-browser app (the web-browser entitlement). */
function isBrowserApp(plistPath: string, context: RuleContext): boolean {
  return entitlementsOfPlist(plistPath, context).some((path) =>
    /<key>com\.apple\.developer\.web-browser<\/key>\s*<true\s*\/>/.test(context.repo.read(path) ?? ''),
  );
}

function checkAts(file: ChangedFile, context: RuleContext): AnalyzerFinding[] {
  const text = file.content!;
  const findings: AnalyzerFinding[] = [];
  let browser: boolean | undefined;
  for (const key of [
    'NSAllowsArbitraryLoads',
    'NSAllowsArbitraryLoadsInWebContent',
    'NSAllowsArbitraryLoadsForMedia',
  ]) {
    for (const at of trueFlags(text, key)) {
      const line = lineOfOffset(text, at);
      if (!isChangedLine(file, line)) continue;
      // A browser (com.apple.developer.web-browser) must open whatever site the user types: ATS off is the product.
      browser ??= isBrowserApp(file.path, context);
      if (browser) {
        findings.push(
          makeFinding(
            'ios.ats.arbitrary-loads',
            file.path,
            line,
            `${key} is true in ${file.path}; the target is a web browser (com.apple.developer.web-browser), which must load any site the user opens; check that the app's own endpoints are still HTTPS`,
            key,
            { severity: 'info' },
          ),
        );
        continue;
      }
      const severity = key === 'NSAllowsArbitraryLoads' ? undefined : ('minor' as const);
      findings.push(
        makeFinding(
          'ios.ats.arbitrary-loads',
          file.path,
          line,
          `${key} is true in ${file.path}, so App Transport Security allows plain HTTP`,
          key,
          { severity },
        ),
      );
    }
  }
  for (const key of ['NSExceptionAllowsInsecureHTTPLoads', 'NSTemporaryExceptionAllowsInsecureHTTPLoads']) {
    for (const at of trueFlags(text, key)) {
      const line = lineOfOffset(text, at);
      if (!isChangedLine(file, line)) continue;
      // The domain is the nearest `<key>host</key><dict>` opened before this flag.
      const before = text.slice(0, at);
      const domains = [...before.matchAll(/<key>([^<]+)<\/key>\s*<dict>/g)]
        .map((m) => m[1]!)
        .filter((d) => d.includes('.'));
      const domain = domains[domains.length - 1] ?? 'an exception domain';
      findings.push(
        makeFinding(
          'ios.ats.insecure-exception-domain',
          file.path,
          line,
          `ATS allows plain HTTP to ${domain}`,
          `${key}:${domain}`,
        ),
      );
    }
  }
  return findings;
}

function checkUsageStrings(file: ChangedFile): AnalyzerFinding[] {
  const text = file.content!;
  const findings: AnalyzerFinding[] = [];
  const re = /<key>(NS\w+UsageDescription)<\/key>\s*(?:<string>([\s\S]*?)<\/string>|<string\s*\/>)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const line = lineOfOffset(text, m.index);
    if (!isChangedLine(file, line)) continue;
    const purpose = (m[2] ?? '').trim();
    if (!PLACEHOLDER_PURPOSE.test(purpose)) continue;
    findings.push(
      makeFinding(
        'ios.usage-description.empty',
        file.path,
        line,
        `${m[1]} is ${purpose ? `a placeholder ("${purpose}")` : 'empty'}`,
        m[1]!,
      ),
    );
  }
  return findings;
}

/** Permission-gated APIs and the Info.plist key each needs (any one of the listed keys suffices). */
const PERMISSION_APIS: Array<{ pattern: RegExp; keys: string[]; what: string }> = [
  {
    pattern:
      /AVCaptureDevice\s*\.\s*requestAccess\s*\(\s*for\s*:\s*\.video|AVMediaTypeVideo|UIImagePickerController\.SourceType\.camera|sourceType\s*=\s*\.camera/,
    keys: ['NSCameraUsageDescription'],
    what: 'the camera',
  },
  {
    pattern:
      /AVCaptureDevice\s*\.\s*requestAccess\s*\(\s*for\s*:\s*\.audio|requestRecordPermission|AVMediaTypeAudio/,
    keys: ['NSMicrophoneUsageDescription'],
    what: 'the microphone',
  },
  {
    pattern: /requestWhenInUseAuthorization/,
    keys: ['NSLocationWhenInUseUsageDescription'],
    what: 'location while in use',
  },
  {
    pattern: /requestAlwaysAuthorization/,
    keys: ['NSLocationAlwaysAndWhenInUseUsageDescription'],
    what: 'location always',
  },
  {
    pattern: /PHPhotoLibrary\s*\.\s*requestAuthorization|PHPhotoLibrary\.authorizationStatus/,
    keys: ['NSPhotoLibraryUsageDescription', 'NSPhotoLibraryAddUsageDescription'],
    what: 'the photo library',
  },
  {
    pattern: /CNContactStore\s*\(\s*\)\s*\.\s*requestAccess|\[\s*CNContactStore\b/,
    keys: ['NSContactsUsageDescription'],
    what: 'contacts',
  },
  {
    pattern: /requestAccess\s*\(\s*to\s*:\s*\.event|requestFullAccessToEvents|requestWriteOnlyAccessToEvents/,
    keys: [
      'NSCalendarsUsageDescription',
      'NSCalendarsFullAccessUsageDescription',
      'NSCalendarsWriteOnlyAccessUsageDescription',
    ],
    what: 'calendars',
  },
  {
    pattern: /requestAccess\s*\(\s*to\s*:\s*\.reminder|requestFullAccessToReminders/,
    keys: ['NSRemindersUsageDescription', 'NSRemindersFullAccessUsageDescription'],
    what: 'reminders',
  },
  {
    pattern: /ATTrackingManager\s*\.\s*requestTrackingAuthorization/,
    keys: ['NSUserTrackingUsageDescription'],
    what: 'tracking',
  },
  {
    pattern: /\.deviceOwnerAuthenticationWithBiometrics|LAPolicyDeviceOwnerAuthenticationWithBiometrics/,
    keys: ['NSFaceIDUsageDescription'],
    what: 'Face ID',
  },
  {
    pattern: /CBCentralManager\s*\(|CBPeripheralManager\s*\(/,
    keys: ['NSBluetoothAlwaysUsageDescription'],
    what: 'Bluetooth',
  },
  {
    pattern: /HKHealthStore\s*\(\s*\)\s*\.\s*requestAuthorization|healthStore\s*\.\s*requestAuthorization/,
    keys: ['NSHealthShareUsageDescription', 'NSHealthUpdateUsageDescription'],
    what: 'HealthKit',
  },
  {
    pattern: /SFSpeechRecognizer\s*\.\s*requestAuthorization/,
    keys: ['NSSpeechRecognitionUsageDescription'],
    what: 'speech recognition',
  },
  {
    pattern: /CMMotionActivityManager\s*\(|CMPedometer\s*\(/,
    keys: ['NSMotionUsageDescription'],
    what: 'motion data',
  },
];

/** Usage keys declared anywhere in the app: Info.plist files and `INFOPLIST_KEY_*` build settings. */
function declaredUsageKeys(context: RuleContext): Set<string> {
  const keys = new Set<string>();
  for (const path of context.repo.files) {
    if (!INFO_PLIST.test(path) && !path.endsWith('.pbxproj') && !path.endsWith('.xcconfig')) continue;
    const text = context.repo.read(path) ?? '';
    for (const m of text.matchAll(
      /<key>(NS\w+UsageDescription)<\/key>|INFOPLIST_KEY_(NS\w+UsageDescription)\s*=/g,
    ))
      keys.add(m[1] ?? m[2]!);
  }
  return keys;
}

/** Info.plist: ATS exceptions and empty purpose strings. */
export const infoPlistRule: FileRule = {
  name: 'ios-info-plist',
  ruleIds: ['ios.ats.arbitrary-loads', 'ios.ats.insecure-exception-domain', 'ios.usage-description.empty'],
  appliesTo: (file) => file.content !== undefined && INFO_PLIST.test(file.path),
  check: (file, context) => [...checkAts(file, context), ...checkUsageStrings(file)],
};

/** Swift and Objective-C code that asks for a permission the app's Info.plist does not explain. */
export const missingUsageStringRule: FileRule = {
  name: 'ios-usage-string-missing',
  ruleIds: ['ios.usage-description.missing'],
  appliesTo: (file) =>
    file.content !== undefined &&
    file.class.kind === 'source' &&
    (file.class.language === 'swift' || file.class.language === 'objc'),
  check(file, context) {
    const lines = file.content!.split('\n');
    let declared: Set<string> | undefined;
    const findings: AnalyzerFinding[] = [];
    const reported = new Set<string>();
    lines.forEach((text, index) => {
      if (!isChangedLine(file, index + 1) || /^\s*(\/\/|\*)/.test(text)) return;
      for (const api of PERMISSION_APIS) {
        if (!api.pattern.test(text) || reported.has(api.keys[0]!)) continue;
        declared ??= declaredUsageKeys(context);
        if (api.keys.some((k) => declared!.has(k))) continue;
        reported.add(api.keys[0]!);
        findings.push(
          makeFinding(
            'ios.usage-description.missing',
            file.path,
            index + 1,
            `This code asks for ${api.what} but no Info.plist declares ${api.keys.join(' or ')}`,
            `${api.keys[0]}:${text}`,
          ),
        );
      }
    });
    return findings;
  },
};
