/**
 * Shapes of code from the labelled corpus (bench/rules/labels): each false-positive pattern found
 * on a real app, written here as a small synthetic file that must stay clean, and each true case
 * as one that must still be found. The files are written for these tests; none is copied.
 */
import { parseUnifiedDiff } from '../diff/parse-diff';
import { syntheticSecret } from '../secrets/synthetic';
import { analyzeChange, gitDiff, scanTree } from '../testing/change';

const strings = (entries: Record<string, string>) =>
  Object.entries(entries)
    .map(([k, v]) => `"${k.replace(/"/g, '\\"')}" = "${v}";`)
    .join('\n') + '\n';
const stringsXml = (body: string) =>
  `<?xml version="1.0" encoding="utf-8"?>\n<resources>\n${body}\n</resources>\n`;
const ruleHits = (tree: Record<string, string>, ruleId: string) =>
  scanTree(tree).findings.filter((f) => f.ruleId === ruleId);

describe('l10n.missing-base-key on real shapes', () => {
  const languages = ['de', 'fr', 'it'];
  const translated = (entries: Record<string, string>) =>
    Object.fromEntries(languages.map((l) => [`App/${l}.lproj/Localizable.strings`, strings(entries)]));

  it('stays quiet for English text used as the key (SwiftUI Text("Duck Address"), Button("Cancel"))', () => {
    const tree = {
      'App/en.lproj/Localizable.strings': strings({ 'settings.title': 'Settings' }),
      ...translated({
        'settings.title': 'Einstellungen',
        'Duck Address': 'Duck-Adresse',
        Cancel: 'Abbrechen',
        'Open "(preview)"': 'Öffnen',
      }),
      'App/Sources/AddressView.swift':
        'import SwiftUI\nstruct AddressView: View {\n    var body: some View { VStack { Text("Duck Address"); Button("Cancel") {} } }\n}\n',
    };
    expect(ruleHits(tree, 'l10n.missing-base-key')).toEqual([]);
  });

  it('stays quiet for an InfoPlist.strings key whose base is the Info.plist', () => {
    const tree = {
      'App/en.lproj/InfoPlist.strings': strings({ CFBundleDisplayName: 'Shop' }),
      'App/de.lproj/InfoPlist.strings': strings({
        CFBundleDisplayName: 'Laden',
        NSCameraUsageDescription: 'Zum Scannen',
      }),
      'App/Info.plist':
        '<plist><dict><key>NSCameraUsageDescription</key><string>To scan</string></dict></plist>\n',
    };
    expect(ruleHits(tree, 'l10n.missing-base-key')).toEqual([]);
  });

  it('stays quiet when every lookup carries its English default (value:), or nothing looks the key up', () => {
    const tree = {
      'App/en.lproj/Localizable.strings': strings({ 'settings.title': 'Settings' }),
      ...translated({
        'settings.title': 'Einstellungen',
        'vpn.enable.from.app': 'VPN in der App aktivieren',
        'old.removed.key': 'Alt',
      }),
      'App/Sources/UserText.swift':
        'enum UserText {\n    static let vpn = NSLocalizedString("vpn.enable.from.app", value: "Enable the VPN from the app.", comment: "")\n}\n',
    };
    expect(ruleHits(tree, 'l10n.missing-base-key')).toEqual([]);
  });

  it('stays quiet for an Android translation of a translatable="false" base string', () => {
    const tree = {
      'app/src/main/res/values/strings.xml': stringsXml(
        '    <string name="update_title" translatable="false">@string/check_updates</string>\n    <string name="check_updates">Check for updates</string>',
      ),
      'app/src/main/res/values-de/strings.xml': stringsXml(
        '    <string name="update_title">Aktualisieren</string>\n    <string name="check_updates">Nach Updates suchen</string>',
      ),
    };
    expect(ruleHits(tree, 'l10n.missing-base-key')).toEqual([]);
  });

  it('finds an identifier key looked up with no default, once for all its languages', () => {
    const tree = {
      'App/en.lproj/Localizable.strings': strings({ 'settings.title': 'Settings' }),
      ...translated({ 'settings.title': 'Einstellungen', 'checkout.total': 'Summe' }),
      'App/Sources/Checkout.swift': 'let total = NSLocalizedString("checkout.total", comment: "")\n',
    };
    const hits = ruleHits(tree, 'l10n.missing-base-key');
    expect(hits.map((h) => [h.file, h.line])).toEqual([['App/de.lproj/Localizable.strings', 2]]);
    expect(hits[0]!.message).toContain('de, fr, it');
  });

  it('finds an Android string missing from values/strings.xml, once for all its languages', () => {
    const tree = {
      'app/src/main/res/values/strings.xml': stringsXml('    <string name="title">Shop</string>'),
      'app/src/main/res/values-de/strings.xml': stringsXml(
        '    <string name="title">Laden</string>\n    <string name="cart_empty">Leer</string>',
      ),
      'app/src/main/res/values-fr/strings.xml': stringsXml(
        '    <string name="title">Boutique</string>\n    <string name="cart_empty">Vide</string>',
      ),
    };
    const hits = ruleHits(tree, 'l10n.missing-base-key');
    expect(hits.map((h) => [h.file, h.line])).toEqual([['app/src/main/res/values-de/strings.xml', 4]]);
  });
});

describe('testing.untested-change on real shapes', () => {
  const untested = (report: ReturnType<typeof scanTree>) =>
    report.findings.filter((f) => f.ruleId === 'testing.untested-change');
  const added = (tree: Record<string, string>) => untested(analyzeChange({}, tree));

  it('does not count test helpers, fakes, fixtures, benchmarks or build logic as production code', () => {
    const hits = added({
      'core/testing/src/main/kotlin/com/acme/testing/TestDispatcherRule.kt':
        'package com.acme.testing\n\nclass TestDispatcherRule\n',
      'core/data-test/src/main/kotlin/com/acme/data/test/FakeCartRepository.kt':
        'package com.acme.data.test\n\nclass FakeCartRepository : CartRepository\n',
      'benchmarks/src/main/kotlin/com/acme/ScrollBenchmark.kt': 'package com.acme\n\nclass ScrollBenchmark\n',
      'build-logic/convention/src/main/kotlin/AndroidLibraryConventionPlugin.kt':
        'class AndroidLibraryConventionPlugin : Plugin<Project>\n',
      'App/Sources/Preview Content/PreviewData.swift':
        'enum PreviewData {\n    static let cart = Cart()\n}\n',
      'AppTests/Support/CartFixtures.swift': 'enum CartFixtures {\n    static let empty = Cart()\n}\n',
      'ShopScreenshots/ShopScreenshots.swift': 'import XCTest\nfinal class ShopScreenshots: XCTestCase {}\n',
    });
    expect(hits).toEqual([]);
  });

  it('matches a type tested from a differently named test file', () => {
    const tree = {
      'shop/build.gradle.kts': 'plugins { }\n',
      'shop/src/main/kotlin/com/acme/CartMath.kt':
        'package com.acme\n\nclass PriceCalculator {\n    fun total(a: Int, b: Int) = a + b\n}\n',
      'shop/src/test/kotlin/com/acme/CheckoutTest.kt':
        'package com.acme\n\nclass CheckoutTest {\n    @Test fun sums() = assertEquals(3, PriceCalculator().total(1, 2))\n}\n',
    };
    expect(added(tree)).toEqual([]);
  });

  it('is not fooled by a private helper type or a test that declares the name itself', () => {
    const tree = {
      'App/Sources/CartView.swift':
        'final class CartViewController {\n    func reload() {}\n}\n\nprivate enum Constants {\n    static let rowHeight = 44\n}\n',
      'AppTests/LayoutTests.swift':
        'import XCTest\nprivate enum Constants { static let width = 1 }\nfinal class LayoutTests: XCTestCase {}\n',
    };
    expect(added(tree).map((f) => f.file)).toEqual(['App/Sources/CartView.swift']);
  });

  it('words a whole-repository scan per module, for modules with behaviour and no tests', () => {
    const tree = {
      'Packages/Lists/Package.swift':
        '// swift-tools-version:5.9\nimport PackageDescription\nlet package = Package(name: "Lists")\n',
      'Packages/Lists/Sources/Lists/ListEditViewModel.swift':
        'final class ListEditViewModel {\n    func save() {}\n}\n',
      'Packages/Lists/Sources/Lists/ListEditView.swift':
        'struct ListEditView {\n    let model: ListEditViewModel\n}\n',
      'Packages/Design/Package.swift':
        '// swift-tools-version:5.9\nimport PackageDescription\nlet package = Package(name: "Design")\n',
      'Packages/Design/Sources/Design/Card.swift': 'struct Card {\n    let title: String\n}\n',
      'Packages/Models/Package.swift':
        '// swift-tools-version:5.9\nimport PackageDescription\nlet package = Package(name: "Models")\n',
      'Packages/Models/Sources/Models/StatusParser.swift': 'struct StatusParser {\n    func parse() {}\n}\n',
      'Packages/Models/Tests/ModelsTests/StatusParserTests.swift':
        'import XCTest\nfinal class StatusParserTests: XCTestCase {}\n',
    };
    const hits = untested(scanTree(tree));
    expect(hits.map((h) => [h.file, h.line])).toEqual([
      ['Packages/Lists/Sources/Lists/ListEditView.swift', 1],
    ]);
    expect(hits[0]!.message).toContain('No tests for Packages/Lists/Sources/Lists');
    expect(hits[0]!.message).toContain('ListEditViewModel');
  });

  it('still finds a changed production file no test exercises', () => {
    expect(
      added({
        'App/Sources/PriceCalculator.swift':
          'final class PriceCalculator {\n    func total() -> Int { 0 }\n}\n',
      }).map((f) => [f.file, f.line]),
    ).toEqual([['App/Sources/PriceCalculator.swift', 1]]);
  });
});

describe('code.insecure-http-url on real shapes', () => {
  const hits = (body: string) =>
    scanTree({
      'App/Sources/Links.swift': `import Foundation\n\nenum Links {\n${body}\n}\n`,
    }).findings.filter((f) => f.ruleId === 'code.insecure-http-url');

  it('stays quiet for URL matching and default schemes (NSPredicate BEGINSWITH, hasPrefix, "http://" + host)', () => {
    expect(
      hits(
        '    static let p = NSPredicate(format: "%K BEGINSWITH[c] %@", #keyPath(Bookmark.url), "http://\\(domain)")',
      ),
    ).toEqual([]);
    expect(
      hits('    static func plain(_ s: String) -> Bool { s.hasPrefix("http://shop.acme-corp.com") }'),
    ).toEqual([]);
    expect(hits('    static func withScheme(_ host: String) -> String { "http://" + host }')).toEqual([]);
    expect(
      hits(
        '    static func upgrade(_ s: String) -> String { s.replacingOccurrences(of: "http://", with: "https://") }',
      ),
    ).toEqual([]);
  });

  it('still finds a fixed plain-HTTP endpoint', () => {
    expect(
      hits('    static let api = URL(string: "http://api.acme-corp.com/v1")!').map((f) => f.line),
    ).toEqual([4]);
  });
});

describe('secret.authorization-header and l10n.placeholder-mismatch on real shapes', () => {
  it('stays quiet for an example request in a comment with an all-digit bearer value', () => {
    const tree = {
      'backend/src/main/kotlin/Routes.kt':
        '/*\nGET http://localhost:8080/votes\nAuthorization: Bearer 1238476512873162837\n*/\nfun routes() {}\n',
    };
    expect(scanTree(tree).findings.filter((f) => f.ruleId === 'secret.authorization-header')).toEqual([]);
  });

  it('stays quiet for a String Catalog plural substitution of the same argument', () => {
    const catalog = JSON.stringify(
      {
        sourceLanguage: 'en',
        version: '1.0',
        strings: {
          'notifications.mention %lld': {
            localizations: {
              en: { stringUnit: { state: 'translated', value: 'mentioned you' } },
              fr: {
                stringUnit: { state: 'translated', value: '%#@count@' },
                substitutions: {
                  count: {
                    formatSpecifier: 'lld',
                    variations: {
                      plural: {
                        one: { stringUnit: { state: 'translated', value: 'vous a mentionné' } },
                        other: { stringUnit: { state: 'translated', value: 'vous ont mentionné' } },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
      null,
      2,
    );
    expect(
      scanTree({ 'App/Localizable.xcstrings': catalog }).findings.filter(
        (f) => f.ruleId === 'l10n.placeholder-mismatch',
      ),
    ).toEqual([]);
  });

  it('still finds a translation that drops an argument', () => {
    const tree = {
      'app/src/main/res/values/strings.xml': stringsXml(
        '    <string name="confirm">Sign in at %1$s (%2$s)</string>',
      ),
      'app/src/main/res/values-fr/strings.xml': stringsXml(
        '    <string name="confirm">Connectez-vous sur %1$s</string>',
      ),
    };
    expect(
      scanTree(tree)
        .findings.filter((f) => f.ruleId === 'l10n.placeholder-mismatch')
        .map((f) => f.file),
    ).toEqual(['app/src/main/res/values-fr/strings.xml']);
  });
});

describe('android.exported-without-permission on real shapes', () => {
  const app = (components: string, attrs = '') =>
    `<?xml version="1.0" encoding="utf-8"?>\n<manifest xmlns:android="http://schemas.android.com/apk/res/android"${attrs}>\n    <application android:label="Player">\n${components}\n    </application>\n</manifest>\n`;
  const filter = (...lines: string[]) =>
    `            <intent-filter>\n${lines.map((l) => `                ${l}`).join('\n')}\n            </intent-filter>`;
  const action = (name: string) => `<action android:name="${name}" />`;
  const category = (name: string) => `<category android:name="android.intent.category.${name}" />`;
  const exported = (kind: string, name: string, ...filters: string[]) =>
    `        <${kind}\n            android:name="${name}"\n            android:exported="true">\n${filters.join('\n')}\n        </${kind}>`;
  const hits = (manifest: string, tree: Record<string, string> = {}) =>
    scanTree({ 'app/src/main/AndroidManifest.xml': manifest, ...tree }).findings.filter(
      (f) => f.ruleId === 'android.exported-without-permission',
    );

  it('stays quiet for components that system intents need exported (media button, media browser, file picker)', () => {
    const manifest = app(
      [
        exported(
          'receiver',
          'androidx.media.session.MediaButtonReceiver',
          filter(action('android.intent.action.MEDIA_BUTTON')),
        ),
        exported(
          'service',
          '.player.AudioService',
          filter(action('android.intent.action.MEDIA_BUTTON')),
          filter(action('android.media.browse.MediaBrowserService')),
        ),
        exported(
          'activity',
          '.pick.PickerActivity',
          filter(action('android.intent.action.GET_CONTENT'), category('DEFAULT')),
        ),
        exported(
          'activity',
          '.share.ShareTarget',
          filter(
            action('android.intent.action.SEND'),
            category('DEFAULT'),
            '<data android:mimeType="text/plain" />',
          ),
        ),
      ].join('\n'),
    );
    expect(hits(manifest)).toEqual([]);
  });

  it('reports a BROWSABLE link router at info, about validating the link, not as "any app can start it"', () => {
    const router = exported(
      'activity',
      '.LinkRouter',
      filter(
        action('android.intent.action.VIEW'),
        category('DEFAULT'),
        category('BROWSABLE'),
        '<data android:scheme="https" android:host="video.example.org" />',
      ),
    );
    const found = hits(app(router));
    expect(found.map((f) => [f.severity, f.line])).toEqual([['info', 6]]);
    expect(found[0]!.message).toContain('BROWSABLE');
    expect(found[0]!.message).toContain('validates');
    expect(found[0]!.message).not.toContain('any app can start it');
  });

  it('still finds an activity taking VIEW intents for its own scheme without BROWSABLE, at major: no browser opens it, any app can', () => {
    const deepLink = exported(
      'activity',
      '.DeepLinkActivity',
      filter(
        action('android.intent.action.VIEW'),
        category('DEFAULT'),
        '<data android:scheme="acmeshop" android:host="order" />',
      ),
    );
    const found = hits(app(deepLink));
    expect(found.map((f) => [f.severity, f.line])).toEqual([['major', 6]]);
    expect(found[0]!.message).toContain('without the BROWSABLE category');
    expect(found[0]!.message).toContain('acmeshop');
  });

  it('stays quiet for an "open with" document handler (VIEW on content: and a MIME type, no BROWSABLE)', () => {
    const viewer = exported(
      'activity',
      '.viewer.PdfViewer',
      filter(
        action('android.intent.action.VIEW'),
        category('DEFAULT'),
        '<data android:scheme="content" />',
        '<data android:mimeType="application/pdf" />',
      ),
    );
    expect(hits(app(viewer))).toEqual([]);
  });

  it("reports another app's protocol (a panic trigger) at info", () => {
    const responder = exported(
      'activity',
      '.PanicResponder',
      filter(action('org.example.panic.action.TRIGGER'), category('DEFAULT')),
    );
    expect(hits(app(responder)).map((f) => f.severity)).toEqual(['info']);
  });

  it("still finds an exported component with no intent filter, and one taking the app's own action, at major", () => {
    const manifest = app(
      [
        `        <activity android:name=".internal.AdminActivity" android:exported="true" />`,
        exported('receiver', '.sync.WipeReceiver', filter(action('com.acme.shop.action.WIPE'))),
      ].join('\n'),
    );
    // The package comes from the module's Gradle namespace when the manifest has none.
    const found = hits(manifest, {
      'app/build.gradle.kts': 'android {\n    namespace = "com.acme.shop"\n}\n',
    });
    expect(found.map((f) => [f.severity, f.line])).toEqual([
      ['major', 4],
      ['major', 7],
    ]);
    expect(found[0]!.message).toContain('no intent filter');
    expect(found[1]!.message).toContain('com.acme.shop.action.WIPE from any app');
  });
});

describe('credentials templates and public SDK keys on real shapes', () => {
  const template = [
    '/// API credentials: copy to Credentials.swift and fill in',
    'enum Credentials {',
    '    static let analyticsKey = "not-required"',
    '    static let reviewURL = URL(string: "http://not.required.invalid")!',
    '    static let syncApiKey = "5f1c0e9a7b3d42c8a6e0b1d29f7c4a83"',
    '}',
    '',
  ].join('\n');
  const rules = (tree: Record<string, string>) =>
    scanTree(tree).findings.filter((f) =>
      ['secret.hardcoded-credential', 'code.insecure-http-url'].includes(f.ruleId),
    );

  it('stays quiet for a demo credentials template committed for contributors', () => {
    expect(rules({ 'App/Credentials-demo.swift': template, 'App/Secrets.example.swift': template })).toEqual(
      [],
    );
  });

  it('stays quiet for a RevenueCat public SDK key and a Stripe publishable key', () => {
    const code =
      'import RevenueCat\n\nfunc setUp() {\n    Purchases.configure(withAPIKey: "appl_Q7mWk2LrT9vXbN4sHc8dYe")\n    StripeAPI.defaultPublishableKey = "pk_live_51Hx8QmLw2KcT9vRbN4sHc8dYe"\n}\n';
    expect(rules({ 'App/Sources/Purchases.swift': code })).toEqual([]);
  });

  it('still finds the same key and URL in the real credentials file, and a secret SDK key', () => {
    const found = rules({
      'App/Credentials.swift': template,
      'App/Sources/Billing.swift': 'let billingApiKey = "sk_Q7mWk2LrT9vXbN4sHc8dYeA1"\n',
    })
      .map((f) => [f.ruleId, f.file, f.line])
      .sort((a, b) => String(a).localeCompare(String(b)));
    expect(found).toEqual([
      ['code.insecure-http-url', 'App/Credentials.swift', 4],
      ['secret.hardcoded-credential', 'App/Credentials.swift', 5],
      ['secret.hardcoded-credential', 'App/Sources/Billing.swift', 1],
    ]);
  });
});

describe('code.sensitive-log on real shapes', () => {
  const kotlin = (body: string) => ({
    'app/src/main/java/com/acme/token/TokenMinter.kt': `package com.acme.token\n\nclass TokenMinter {\n    fun minted(poToken: String) {\n${body}\n    }\n}\n`,
  });
  const hits = (tree: Record<string, string>) =>
    scanTree(tree)
      .findings.filter((f) => f.ruleId === 'code.sensitive-log')
      .map((f) => f.line);

  it('stays quiet for a log only a debug build runs (if (BuildConfig.DEBUG) { }, one-line if, #if DEBUG)', () => {
    expect(
      hits(
        kotlin(
          '        if (BuildConfig.DEBUG) {\n            Log.d(TAG, "minted: poToken=$poToken")\n        }',
        ),
      ),
    ).toEqual([]);
    expect(
      hits(kotlin('        if (BuildConfig.DEBUG)\n            Log.d(TAG, "minted: $poToken")')),
    ).toEqual([]);
    expect(hits(kotlin('        if (BuildConfig.DEBUG) Log.d(TAG, "minted: $poToken")'))).toEqual([]);
    const swift =
      'final class Session {\n    func signedIn(token: String) {\n#if DEBUG\n        print("token: \\(token)")\n#endif\n    }\n}\n';
    expect(hits({ 'App/Sources/Session.swift': swift })).toEqual([]);
  });

  it('still finds the same log in release code: after the debug block, in #else, or under a condition that is not debug-only', () => {
    expect(
      hits(
        kotlin(
          '        if (BuildConfig.DEBUG) {\n            Log.d(TAG, "debug")\n        }\n        Log.i(TAG, "minted: $poToken")',
        ),
      ),
    ).toEqual([8]);
    expect(
      hits(
        kotlin(
          '        if (BuildConfig.DEBUG || verbose) {\n            Log.d(TAG, "minted: $poToken")\n        }',
        ),
      ),
    ).toEqual([6]);
    const swift =
      'final class Session {\n    func signedIn(token: String) {\n#if DEBUG\n        print("debug")\n#else\n        NSLog("token: %@", token)\n#endif\n    }\n}\n';
    expect(hits({ 'App/Sources/Session.swift': swift })).toEqual([6]);
  });
});

/** A project file with one native target per entry, each with its configurations' build settings. */
const pbxproj = (
  targets: Array<{ name: string; type?: string; configs: Record<string, Record<string, string>> }>,
) => {
  const hex = (n: number) => `BB${String(n).padStart(22, '0')}`;
  const objects: string[] = [];
  const targetIds: string[] = [];
  let next = 1;
  for (const target of targets) {
    const targetId = hex(next++);
    const listId = hex(next++);
    targetIds.push(targetId);
    const configIds = Object.keys(target.configs).map(() => hex(next++));
    objects.push(
      `\t\t${targetId} /* ${target.name} */ = {\n\t\t\tisa = PBXNativeTarget;\n\t\t\tbuildConfigurationList = ${listId};\n\t\t\tbuildPhases = (\n\t\t\t);\n\t\t\tdependencies = (\n\t\t\t);\n\t\t\tname = ${target.name};\n\t\t\tproductType = "com.apple.product-type.${target.type ?? 'application'}";\n\t\t};`,
      `\t\t${listId} = {\n\t\t\tisa = XCConfigurationList;\n\t\t\tbuildConfigurations = (\n${configIds.map((id) => `\t\t\t\t${id},`).join('\n')}\n\t\t\t);\n\t\t};`,
      ...Object.entries(target.configs).map(
        ([name, settings], i) =>
          `\t\t${configIds[i]} /* ${name} */ = {\n\t\t\tisa = XCBuildConfiguration;\n\t\t\tbuildSettings = {\n${Object.entries(
            settings,
          )
            .map(([k, v]) => `\t\t\t\t${k} = ${/^[\w.]+$/.test(v) ? v : `"${v}"`};`)
            .join('\n')}\n\t\t\t};\n\t\t\tname = ${name};\n\t\t};`,
      ),
    );
  }
  const projectId = hex(next++);
  objects.push(
    `\t\t${projectId} /* Project object */ = {\n\t\t\tisa = PBXProject;\n\t\t\ttargets = (\n${targetIds.map((id) => `\t\t\t\t${id},`).join('\n')}\n\t\t\t);\n\t\t};`,
  );
  return `// !$*UTF8*$!\n{\n\tarchiveVersion = 1;\n\tobjectVersion = 56;\n\tobjects = {\n${objects.join('\n')}\n\t};\n\trootObject = ${projectId};\n}\n`;
};

describe('ios.ats.arbitrary-loads on real shapes', () => {
  const plist =
    '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n\t<key>NSAppTransportSecurity</key>\n\t<dict>\n\t\t<key>NSAllowsArbitraryLoads</key>\n\t\t<true/>\n\t</dict>\n</dict>\n</plist>\n';
  const entitlements = (keys: string) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n${keys}</dict>\n</plist>\n`;
  const browser = '\t<key>com.apple.developer.web-browser</key>\n\t<true/>\n';
  const atsHits = (tree: Record<string, string>) =>
    ruleHits(tree, 'ios.ats.arbitrary-loads').map((f) => [f.file, f.line, f.severity]);

  it("notes ATS off at info for a browser app: the target's entitlements (CODE_SIGN_ENTITLEMENTS) set com.apple.developer.web-browser", () => {
    const tree = {
      'Browser.xcodeproj/project.pbxproj': pbxproj([
        {
          name: 'Browser',
          configs: {
            Debug: {
              INFOPLIST_FILE: 'Browser/Info.plist',
              CODE_SIGN_ENTITLEMENTS: 'Browser/Browser.entitlements',
            },
            Release: {
              INFOPLIST_FILE: '$(SRCROOT)/Browser/Info.plist',
              CODE_SIGN_ENTITLEMENTS: 'Browser/Browser.entitlements',
            },
          },
        },
      ]),
      'Browser/Info.plist': plist,
      'Browser/Browser.entitlements': entitlements(browser),
    };
    expect(atsHits(tree)).toEqual([['Browser/Info.plist', 6, 'info']]);
    expect(ruleHits(tree, 'ios.ats.arbitrary-loads')[0]!.message).toContain(
      'com.apple.developer.web-browser',
    );
  });

  it('finds the entitlements beside the plist when no project names them', () => {
    expect(
      atsHits({ 'Browser/Info.plist': plist, 'Browser/Browser.entitlements': entitlements(browser) }),
    ).toEqual([['Browser/Info.plist', 6, 'info']]);
  });

  it('still reports ATS off at major for an app that is not a browser, even when another target of the repo is one', () => {
    const tree = {
      'Apps.xcodeproj/project.pbxproj': pbxproj([
        {
          name: 'Notes',
          configs: {
            Release: {
              INFOPLIST_FILE: 'Notes/Info.plist',
              CODE_SIGN_ENTITLEMENTS: 'Notes/Notes.entitlements',
            },
          },
        },
        {
          name: 'Browser',
          configs: {
            Release: {
              INFOPLIST_FILE: 'Browser/Info.plist',
              CODE_SIGN_ENTITLEMENTS: 'Browser/Browser.entitlements',
            },
          },
        },
      ]),
      'Notes/Info.plist': plist,
      'Notes/Notes.entitlements': entitlements(
        '\t<key>com.apple.security.application-groups</key>\n\t<array/>\n',
      ),
      'Browser/Browser.entitlements': entitlements(browser),
    };
    expect(atsHits(tree)).toEqual([['Notes/Info.plist', 6, 'major']]);
  });
});

describe('ios project file findings on real shapes', () => {
  const signed = (team: string) => ({
    CODE_SIGN_STYLE: 'Manual',
    DEVELOPMENT_TEAM: team,
    CODE_SIGN_IDENTITY: 'Apple Distribution',
    PROVISIONING_PROFILE_SPECIFIER: `${team} profile`,
    IPHONEOS_DEPLOYMENT_TARGET: '16.0',
  });
  const app = (team: string) => ({ name: 'Shop', configs: { Debug: signed(team), Release: signed(team) } });
  const widget = (team: string, deployment = '16.0') => ({
    name: 'ShopWidget',
    type: 'app-extension',
    configs: {
      Debug: {
        ...signed(team),
        CODE_SIGN_ENTITLEMENTS: 'Widget/Widget.entitlements',
        IPHONEOS_DEPLOYMENT_TARGET: deployment,
      },
      Release: {
        ...signed(team),
        CODE_SIGN_ENTITLEMENTS: 'Widget/Widget.entitlements',
        IPHONEOS_DEPLOYMENT_TARGET: deployment,
      },
    },
  });
  const path = 'Shop.xcodeproj/project.pbxproj';
  /** New-side lines the real `git diff` adds. */
  const changedLines = (before: string, after: string) =>
    parseUnifiedDiff(gitDiff({ [path]: before }, { [path]: after }))
      .flatMap((f) => f.hunks)
      .flatMap((h) => h.lines)
      .flatMap((l) => (l.kind === 'add' ? [l.newLine!] : []));

  it('reports one signing finding for a new target, on a line the diff adds, not one per setting and configuration', () => {
    const before = pbxproj([app('TEAM1')]);
    const after = pbxproj([app('TEAM1'), widget('TEAM1')]);
    const report = analyzeChange({ [path]: before }, { [path]: after });
    const signing = report.findings.filter((f) => f.ruleId === 'ios.signing.changed');
    expect(signing).toHaveLength(1);
    expect(signing[0]!.message).toContain('New target ShopWidget');
    expect(signing[0]!.message).toContain('DEVELOPMENT_TEAM = TEAM1 (Debug, Release)');
    expect(after.split('\n')[signing[0]!.line - 1]).toMatch(/^\s*(CODE_SIGN|DEVELOPMENT_TEAM|PROVISIONING)/);
    // The same settings of the existing target have the same text; the finding is on the new target's line.
    expect(changedLines(before, after)).toContain(signing[0]!.line);
    // A new target's deployment target drops no existing user: a note at info.
    const deployment = report.findings.filter((f) => f.ruleId === 'ios.deployment-target.changed');
    expect(deployment.map((f) => [f.severity, changedLines(before, after).includes(f.line)])).toEqual([
      ['info', true],
    ]);
    expect(deployment[0]!.message).toContain(
      'New target ShopWidget (Debug, Release) sets IPHONEOS_DEPLOYMENT_TARGET = 16.0',
    );
  });

  it("places a deployment-target change on the changed target's line, not on the same setting of another target", () => {
    const before = pbxproj([app('TEAM1'), widget('TEAM1', '15.0')]);
    const after = pbxproj([app('TEAM1'), widget('TEAM1', '16.0')]);
    const found = analyzeChange({ [path]: before }, { [path]: after }).findings.filter(
      (f) => f.ruleId === 'ios.deployment-target.changed',
    );
    expect(found).toHaveLength(1);
    expect(found[0]!.message).toContain('ShopWidget (Debug, Release)');
    // The app target sets IPHONEOS_DEPLOYMENT_TARGET = 16.0 earlier in the file, outside every hunk.
    const firstMatch =
      after.split('\n').findIndex((l) => l.includes('IPHONEOS_DEPLOYMENT_TARGET = 16.0;')) + 1;
    expect(found[0]!.line).not.toBe(firstMatch);
    expect(changedLines(before, after)).toContain(found[0]!.line);
  });

  it('still reports a team change of an existing target once, on its changed line', () => {
    const before = pbxproj([app('TEAM1'), widget('TEAM1')]);
    const after = pbxproj([app('TEAM2'), widget('TEAM1')]);
    const signing = analyzeChange({ [path]: before }, { [path]: after }).findings.filter(
      (f) => f.ruleId === 'ios.signing.changed',
    );
    expect(signing.map((f) => f.severity)).toEqual(['major']);
    expect(signing[0]!.message).toContain(
      'Signing of target Shop changes: DEVELOPMENT_TEAM TEAM1 -> TEAM2 (Debug, Release); PROVISIONING_PROFILE_SPECIFIER',
    );
    expect(changedLines(before, after)).toContain(signing[0]!.line);
  });
});

describe('android.min-sdk.changed on real shapes', () => {
  const minSdkHits = (before: Record<string, string>, after: Record<string, string>) =>
    analyzeChange(before, after)
      .findings.filter((f) => f.ruleId === 'android.min-sdk.changed')
      .map((f) => [f.file, f.line, f.message.split('.')[0]]);
  const agp9 = (min: number, target = 35) =>
    `android {\n    namespace = "com.acme.shop"\n    defaultConfig {\n        minSdk {\n            version = release(${min})\n        }\n        targetSdk {\n            version = release(${target})\n        }\n    }\n}\n`;
  const catalog = (key: string, value: string) =>
    `[versions]\nkotlin = "2.1.0"\n${key} = "${value}"\n\n[libraries]\nokhttp = { module = "com.squareup.okhttp3:okhttp", version = "4.12.0" }\n`;
  const catalogBuild =
    'android {\n    defaultConfig {\n        minSdk = libs.versions.minSdk.get().toInt()\n    }\n}\n';

  it('finds a raise in the AGP 9 block form minSdk { version = release(N) }, on the version line', () => {
    expect(minSdkHits({ 'app/build.gradle.kts': agp9(24) }, { 'app/build.gradle.kts': agp9(26) })).toEqual([
      ['app/build.gradle.kts', 5, 'minSdk changes from 24 to 26'],
    ]);
  });

  it('stays quiet when only targetSdk moves in the AGP 9 block form', () => {
    expect(
      minSdkHits({ 'app/build.gradle.kts': agp9(24, 35) }, { 'app/build.gradle.kts': agp9(24, 36) }),
    ).toEqual([]);
  });

  it('finds a raise in the version catalog that the build reads (libs.versions.minSdk.get().toInt()), on the catalog line', () => {
    const before = {
      'gradle/libs.versions.toml': catalog('minSdk', '24'),
      'app/build.gradle.kts': catalogBuild,
    };
    const after = {
      'gradle/libs.versions.toml': catalog('minSdk', '26'),
      'app/build.gradle.kts': catalogBuild,
    };
    expect(minSdkHits(before, after)).toEqual([
      ['gradle/libs.versions.toml', 3, "The version catalog's minSdk changes from 24 to 26"],
    ]);
    expect(
      minSdkHits(
        { 'gradle/libs.versions.toml': catalog('android-min-sdk', '24') },
        { 'gradle/libs.versions.toml': catalog('android-min-sdk', '28') },
      ),
    ).toHaveLength(1);
  });

  it('compares a build that moves from a literal to the catalog by the catalog value', () => {
    const literal = 'android {\n    defaultConfig {\n        minSdk = 24\n    }\n}\n';
    const toml = (value: string) => ({ 'gradle/libs.versions.toml': catalog('minSdk', value) });
    expect(
      minSdkHits(
        { ...toml('26'), 'app/build.gradle.kts': literal },
        { ...toml('26'), 'app/build.gradle.kts': catalogBuild },
      ),
    ).toEqual([['app/build.gradle.kts', 3, 'minSdk changes from 24 to 26 (libs']]);
    expect(
      minSdkHits(
        { ...toml('24'), 'app/build.gradle.kts': literal },
        { ...toml('24'), 'app/build.gradle.kts': catalogBuild },
      ),
    ).toEqual([]);
  });

  it('finds a raise in a convention plugin under build-logic/ (Kotlin source, not a build script)', () => {
    const plugin = (min: number) =>
      `package com.acme.buildlogic\n\nimport com.android.build.api.dsl.CommonExtension\n\ninternal fun configureKotlinAndroid(extension: CommonExtension<*, *, *, *, *, *>) {\n    extension.apply {\n        compileSdk = 35\n        defaultConfig {\n            minSdk = ${min}\n        }\n    }\n}\n`;
    const path = 'build-logic/convention/src/main/kotlin/com/acme/buildlogic/KotlinAndroid.kt';
    expect(minSdkHits({ [path]: plugin(21) }, { [path]: plugin(24) })).toEqual([
      [path, 9, 'minSdk changes from 21 to 24'],
    ]);
  });

  it('reads the AGP 9 block form as its number, not as "{"', () => {
    const tree = {
      'settings.gradle.kts': 'include(":app")\n',
      'app/build.gradle.kts': `plugins { id("com.android.application") }\n${agp9(23)}`,
    };
    expect(scanTree(tree).structure.minSdk).toBe(23);
  });
});

describe('android.cleartext-traffic on real shapes', () => {
  const nsc = (body: string) =>
    `<?xml version="1.0" encoding="utf-8"?>\n<network-security-config>\n${body}\n</network-security-config>\n`;
  const manifestUsing = (config: string) =>
    `<?xml version="1.0" encoding="utf-8"?>\n<manifest xmlns:android="http://schemas.android.com/apk/res/android">\n    <application android:networkSecurityConfig="@xml/${config}" />\n</manifest>\n`;
  const cleartext = (tree: Record<string, string>) => ruleHits(tree, 'android.cleartext-traffic');
  const localhost = nsc(
    '    <domain-config cleartextTrafficPermitted="true">\n        <domain includeSubdomains="true">10.0.2.2</domain>\n    </domain-config>',
  );

  it('notes a config in the debug source set at info, not as a release risk', () => {
    const found = cleartext({
      'app/src/debug/res/xml/network_security_config.xml': localhost,
      'app/src/debug/AndroidManifest.xml': manifestUsing('network_security_config'),
    });
    expect(found.map((f) => [f.file, f.severity])).toEqual([
      ['app/src/debug/res/xml/network_security_config.xml', 'info'],
    ]);
    expect(found[0]!.message).toContain('debug-only');
  });

  it('notes at info a main config that only a debug manifest names', () => {
    const found = cleartext({
      'app/src/main/res/xml/debug_network.xml': localhost,
      'app/src/main/AndroidManifest.xml': manifestUsing('release_network'),
      'app/src/devDebug/AndroidManifest.xml': manifestUsing('debug_network'),
    });
    expect(found.map((f) => f.severity)).toEqual(['info']);
  });

  it('names only hosts the config sets to true, never one a nested or later domain-config sets to false', () => {
    const config = nsc(
      [
        '    <base-config cleartextTrafficPermitted="true" />',
        '    <domain-config cleartextTrafficPermitted="false">',
        '        <domain includeSubdomains="true">api.acme-shop.com</domain>',
        '    </domain-config>',
        '    <domain-config cleartextTrafficPermitted="true">',
        '        <domain>legacy-images.acme-shop.com</domain>',
        '        <domain-config cleartextTrafficPermitted="false">',
        '            <domain>secure.legacy-images.acme-shop.com</domain>',
        '        </domain-config>',
        '    </domain-config>',
      ].join('\n'),
    );
    const found = cleartext({
      'app/src/main/res/xml/network_security_config.xml': config,
      'app/src/main/AndroidManifest.xml': manifestUsing('network_security_config'),
    });
    expect(found.map((f) => [f.line, f.severity])).toEqual([
      [3, 'major'],
      [7, 'major'],
    ]);
    expect(found[0]!.message).toContain('for every domain without its own domain-config');
    expect(found[1]!.message).toContain('to legacy-images.acme-shop.com.');
    for (const f of found) {
      expect(f.message).not.toContain('api.acme-shop.com');
      expect(f.message).not.toContain('secure.legacy');
    }
  });

  it('still reports at major a release config and a main manifest that permit cleartext', () => {
    const tree = {
      'app/src/main/res/xml/network_security_config.xml': localhost,
      'app/src/main/AndroidManifest.xml': manifestUsing('network_security_config').replace(
        '<application ',
        '<application android:usesCleartextTraffic="true" ',
      ),
    };
    expect(cleartext(tree).map((f) => [f.file, f.severity])).toEqual([
      ['app/src/main/AndroidManifest.xml', 'major'],
      ['app/src/main/res/xml/network_security_config.xml', 'major'],
    ]);
  });
});

describe('secret.google-api-key on real shapes', () => {
  const key = syntheticSecret('google-api-key', 18);
  const googleHits = (tree: Record<string, string>) =>
    ruleHits(tree, 'secret.google-api-key').map((f) => [f.file, f.line, f.severity]);

  it('notes at info the key a Firebase config file ships (google-services.json, GoogleService-Info.plist)', () => {
    const tree = {
      'app/google-services.json': `{\n  "client": [\n    {\n      "api_key": [\n        { "current_key": "${key}" }\n      ]\n    }\n  ]\n}\n`,
      'iosApp/GoogleService-Info.plist': `<plist version="1.0">\n<dict>\n\t<key>API_KEY</key>\n\t<string>${key}</string>\n</dict>\n</plist>\n`,
    };
    expect(googleHits(tree)).toEqual([
      ['app/google-services.json', 5, 'info'],
      ['iosApp/GoogleService-Info.plist', 4, 'info'],
    ]);
  });

  it("notes at info a key its authors mark public (a comment above, a scanner's allow mark)", () => {
    const tree = {
      'app/src/main/java/org/example/web/Challenge.kt': `object Challenge {\n    // Public API key of the web client, read from its requests\n    private const val WEB_KEY = "${key}"\n}\n`,
      'app/src/main/java/org/example/web/Other.kt': `object Other {\n    private const val WEB_KEY = "${key}" // NOSONAR\n}\n`,
    };
    expect(googleHits(tree).map((h) => h[2])).toEqual(['info', 'info']);
  });

  it('still reports at major a key in code with no such mark', () => {
    const tree = {
      'app/src/main/java/org/example/maps/MapsClient.kt': `object MapsClient {\n    // Key for the Places API\n    private const val KEY = "${key}"\n}\n`,
    };
    expect(googleHits(tree)).toEqual([['app/src/main/java/org/example/maps/MapsClient.kt', 3, 'major']]);
  });
});
