import type { Severity } from '@agentflow/contracts';
import type { AnalyzerFinding, RuleCategory } from '../findings/finding';
import { SECRET_DETECTORS } from '../secrets/detectors';

/** A deterministic rule as documented and as written into SARIF `tool.driver.rules`. */
export interface RuleDefinition {
  id: string;
  /** Default severity; a few rules lower it for a specific case (Stripe test keys, Firebase config). */
  severity: Severity;
  category: RuleCategory;
  /** One line: what the rule finds. */
  title: string;
  /** How to fix it; every message ends with this. */
  fix: string;
}

const defs: RuleDefinition[] = [
  // Secrets: each detector in secrets/ carries its own entry (it also serves the gateway's redactor).
  ...SECRET_DETECTORS.map((d): RuleDefinition => ({
    id: d.ruleId,
    severity: d.severity,
    category: 'security',
    title: d.title,
    fix: d.fix,
  })),

  // iOS app configuration.
  {
    id: 'ios.ats.arbitrary-loads',
    severity: 'major',
    category: 'security',
    title: 'App Transport Security disabled (NSAllowsArbitraryLoads)',
    fix: 'Remove NSAllowsArbitraryLoads and serve every endpoint over HTTPS; if one legacy host needs HTTP, use an NSExceptionDomains entry for that host only.',
  },
  {
    id: 'ios.ats.insecure-exception-domain',
    severity: 'minor',
    category: 'security',
    title: 'ATS exception allows plain HTTP for a domain',
    fix: 'Move the host to HTTPS and delete its NSExceptionAllowsInsecureHTTPLoads entry; keep a written reason for App Review if it must stay.',
  },
  {
    id: 'ios.usage-description.empty',
    severity: 'major',
    category: 'release-risk',
    title: 'Empty or placeholder permission usage string',
    fix: 'Write a specific sentence saying why the app needs the permission; App Review rejects empty or generic purpose strings.',
  },
  {
    id: 'ios.usage-description.missing',
    severity: 'blocker',
    category: 'release-risk',
    title: 'Permission API used without its Info.plist usage string',
    fix: 'Add the named NS…UsageDescription key to the app target’s Info.plist; without it the app crashes when it asks for the permission.',
  },
  {
    id: 'ios.privacy-manifest.changed',
    severity: 'minor',
    category: 'release-risk',
    title: 'Privacy manifest (PrivacyInfo.xcprivacy) changed',
    fix: 'Check that the declared data types, required-reason APIs and tracking domains match what the app and its SDKs do, and update the App Store privacy labels to match.',
  },
  {
    id: 'ios.entitlements.changed',
    severity: 'major',
    category: 'release-risk',
    title: 'Entitlements changed',
    fix: 'Confirm the capability is enabled for the App ID and in the provisioning profiles, and that the change is intended: entitlements widen what the app may do.',
  },
  {
    id: 'ios.deployment-target.changed',
    severity: 'major',
    category: 'release-risk',
    title: 'iOS deployment target changed',
    fix: 'Raising it drops users on older iOS versions; agree it with the product owner and keep all targets, Package.swift and the Podfile on the same value.',
  },
  {
    id: 'ios.build-phase.run-script-added',
    severity: 'major',
    category: 'security',
    title: 'New Run Script build phase',
    fix: 'Review the script: it runs with the developer’s and CI’s credentials on every build. Pin any tool it downloads, declare input and output files, and prefer a build tool plugin.',
  },
  {
    id: 'ios.signing.changed',
    severity: 'major',
    category: 'release-risk',
    title: 'Code signing settings changed',
    fix: 'Make sure the team, identity and provisioning profile are the release ones and that CI holds the matching certificate; unintended signing changes break release builds.',
  },
  {
    id: 'ios.project.summary',
    severity: 'info',
    category: 'project',
    title: 'Xcode project or build settings changed (summary)',
    fix: 'Read the summary instead of the raw project file; check that files were added to the intended targets.',
  },

  // Android app configuration.
  {
    id: 'android.exported-without-permission',
    severity: 'major',
    category: 'security',
    title: 'Exported component without a permission',
    fix: 'Set android:exported="false" if other apps need not start it, or protect it with android:permission (signature level where possible) and validate every incoming intent.',
  },
  {
    id: 'android.cleartext-traffic',
    severity: 'major',
    category: 'security',
    title: 'Cleartext (HTTP) traffic allowed',
    fix: 'Remove usesCleartextTraffic / cleartextTrafficPermitted and use HTTPS; if a debug host needs HTTP, allow it only in a debug network security config for that domain.',
  },
  {
    id: 'android.debuggable',
    severity: 'blocker',
    category: 'security',
    title: 'App marked debuggable',
    fix: 'Remove android:debuggable from the manifest (the build type sets it) and never set isDebuggable = true for release builds.',
  },
  {
    id: 'android.dangerous-permission.added',
    severity: 'major',
    category: 'release-risk',
    title: 'New dangerous permission requested',
    fix: 'Confirm the feature needs it, request it at the moment of use with a rationale, and declare it in the Play Console data-safety form.',
  },
  {
    id: 'android.min-sdk.changed',
    severity: 'major',
    category: 'release-risk',
    title: 'Android minSdk changed',
    fix: 'Raising minSdk drops devices on older Android versions; agree it with the product owner and keep every module on the same value.',
  },

  // Code.
  {
    id: 'code.sensitive-log',
    severity: 'major',
    category: 'security',
    title: 'Token or password written to a log',
    fix: 'Do not log credentials: remove the value from the message or log a redacted form (`<redacted>`, last four characters); device logs are readable by crash reporters and other tools.',
  },
  {
    id: 'code.insecure-http-url',
    severity: 'minor',
    category: 'security',
    title: 'Plain http:// URL in code',
    fix: 'Use https://; ATS and Android network security config block cleartext by default, and plain HTTP can be read and altered on the network.',
  },
  {
    id: 'code.token-in-plain-storage',
    severity: 'major',
    category: 'security',
    title: 'Token or password stored in UserDefaults / SharedPreferences',
    fix: 'Store credentials in the iOS Keychain or Android Keystore-backed storage (EncryptedSharedPreferences, DataStore with Tink); UserDefaults and SharedPreferences are plain files in backups.',
  },

  // Localisation.
  {
    id: 'l10n.placeholder-mismatch',
    severity: 'major',
    category: 'localization',
    title: 'Translation placeholders differ from the base language',
    fix: 'Make the translation use the same format specifiers, in number and type, as the base string (positional forms like %1$@ may reorder them); a mismatch crashes or prints garbage at run time.',
  },
  {
    id: 'l10n.missing-base-key',
    severity: 'minor',
    category: 'localization',
    title: 'Translated key missing from the base language',
    fix: 'Add the key to the base (development) language file or remove it from the translation; lookups for it fall back to the raw key.',
  },

  // Dependencies.
  {
    id: 'deps.new-dependency',
    severity: 'info',
    category: 'dependencies',
    title: 'New dependency',
    fix: 'Check the licence, maintenance and binary size of the new dependency, and that it ships a privacy manifest (iOS) if it uses required-reason APIs.',
  },
  {
    id: 'deps.new-repository',
    severity: 'major',
    category: 'dependencies',
    title: 'New package repository or source',
    fix: 'Only add repositories you trust and scope them to the groups they serve (Gradle content filters, a specific CocoaPods source); an extra repository can serve a look-alike artifact.',
  },
  {
    id: 'deps.snapshot-version',
    severity: 'major',
    category: 'dependencies',
    title: 'SNAPSHOT dependency version',
    fix: 'Depend on a released version: SNAPSHOT artifacts change under the same version and make builds unreproducible.',
  },
  {
    id: 'deps.branch-pin',
    severity: 'major',
    category: 'dependencies',
    title: 'Dependency pinned to a branch instead of a version',
    fix: 'Pin to a tagged version (from:, exact:, or a version in Package.resolved/Podfile.lock); a branch moves and makes builds unreproducible.',
  },

  // Tests.
  {
    id: 'testing.untested-change',
    severity: 'minor',
    category: 'testing',
    title: 'Changed code with no tests',
    fix: 'Add or update tests that exercise this code (XCTest / Swift Testing for iOS, JUnit for Android) in the module’s test target.',
  },
];

/** Every rule the analyser can report, by id. */
export const RULES: ReadonlyMap<string, RuleDefinition> = new Map(defs.map((d) => [d.id, d]));

/** The rule definition for an id; throws for an unknown id, which is a programming error. */
export function ruleById(id: string): RuleDefinition {
  const rule = RULES.get(id);
  if (!rule) throw new Error(`unknown rule id ${id}: add it to RULES in rules/catalogue.ts`);
  return rule;
}

/** Builds a finding whose message is the specific observation followed by the rule's fix. */
export function makeFinding(
  ruleId: string,
  file: string,
  line: number,
  observation: string,
  evidence: string,
  overrides: { severity?: Severity; endLine?: number } = {},
): AnalyzerFinding {
  const rule = ruleById(ruleId);
  const sentence = /[.!?]$/.test(observation) ? observation : `${observation}.`;
  return {
    ruleId,
    severity: overrides.severity ?? rule.severity,
    category: rule.category,
    file,
    line,
    ...(overrides.endLine !== undefined ? { endLine: overrides.endLine } : {}),
    message: `${sentence} ${rule.fix}`,
    evidence,
  };
}
