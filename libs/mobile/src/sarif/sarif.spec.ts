import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { makeFinding, RULES } from '../rules/catalogue';
import { describeSamples, readFixture, readSample } from '../testing/samples';
import { ReportParseError } from '../coverage/errors';
import { readSarif } from './read-sarif';
import { loadSarifSchema } from './sarif-schema';
import { writeSarif } from './write-sarif';

function validator() {
  // The schema's `language` pattern has a stray `]`: legal without the `u` flag, where it is a literal.
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(loadSarifSchema());
}

describe('readSarif (own fixtures)', () => {
  it('reads SwiftLint output with relative URIs', () => {
    expect(readSarif(readFixture('sarif/swiftlint.sarif'))).toEqual([
      expect.objectContaining({
        tool: 'SwiftLint',
        ruleId: 'line_length',
        level: 'warning',
        severity: 'minor',
        file: 'ShopApp/Checkout/CheckoutView.swift',
        line: 42,
        column: 121,
      }),
      expect.objectContaining({
        ruleId: 'force_unwrapping',
        level: 'error',
        severity: 'major',
        file: 'ShopApp/Session/TokenStore.swift',
        line: 14,
      }),
    ]);
  });

  it('reads detekt output: %SRCROOT% and absolute URIs, levels from rule defaults', () => {
    const issues = readSarif(readFixture('sarif/detekt.sarif'), { root: '/home/ci/work/shop-android' });
    expect(issues.map((i) => [i.ruleId, i.level, i.file, i.line, i.endLine])).toEqual([
      [
        'detekt.style.MagicNumber',
        'warning',
        'app/src/main/java/com/acme/shop/cart/CartRepository.kt',
        22,
        22,
      ],
      [
        'detekt.exceptions.SwallowedException',
        'error',
        'app/src/main/java/com/acme/shop/MainActivity.kt',
        30,
        undefined,
      ],
    ]);
  });

  it('keeps paths absolute when they are not under the given root', () => {
    const [issue] = readSarif(readFixture('sarif/detekt.sarif'), { root: '/elsewhere' });
    expect(issue!.file).toBe(
      '/home/ci/work/shop-android/app/src/main/java/com/acme/shop/cart/CartRepository.kt',
    );
  });

  it('reads Android Lint output with ruleIndex and partial fingerprints', () => {
    const issues = readSarif(readFixture('sarif/android-lint.sarif'), {
      root: '/home/ci/work/shop-android/',
    });
    expect(issues).toEqual([
      expect.objectContaining({
        tool: 'Android Lint',
        ruleId: 'ExportedReceiver',
        level: 'warning',
        file: 'app/src/main/AndroidManifest.xml',
        line: 40,
        fingerprint: '3a7c1f0b2e9d4c81',
      }),
      expect.objectContaining({ ruleId: 'HardcodedDebugMode', level: 'error', severity: 'major', line: 12 }),
    ]);
  });

  it.each([
    ['not JSON', '{"runs": ['],
    ['no runs', '{"version": "2.1.0"}'],
    ['SARIF 1.0', '{"version": "1.0.0", "runs": []}'],
  ])('rejects %s', (_name, text) => {
    expect(() => readSarif(text)).toThrow(ReportParseError);
  });
});

describe('writeSarif', () => {
  const findings = [
    makeFinding(
      'android.exported-without-permission',
      'app/src/main/AndroidManifest.xml',
      21,
      'Activity .DeepLinkActivity is exported without a permission',
      '<activity android:name=".DeepLinkActivity" android:exported="true">',
    ),
    makeFinding(
      'ios.project.summary',
      'Shop.xcodeproj/project.pbxproj',
      0,
      'Adds a Run Script phase',
      'summary',
    ),
  ];

  it('writes a log that validates against the SARIF 2.1.0 schema', () => {
    const validate = validator();
    const log = writeSarif(findings, { root: '/work/shop', toolVersion: '0.1.0' });
    expect(validate(log) ? [] : validate.errors).toEqual([]);
  });

  it('carries rule, level, location and fingerprint; file-level findings have no region', () => {
    const log = writeSarif(findings, { root: '/work/shop' });
    const run = log.runs[0]!;
    expect(run.tool.driver.rules).toHaveLength(RULES.size);
    expect(run.originalUriBaseIds).toEqual({ '%SRCROOT%': { uri: 'file:///work/shop/' } });
    const [exported, summary] = run.results!;
    expect(run.tool.driver.rules![exported!.ruleIndex!]!.id).toBe('android.exported-without-permission');
    expect(exported).toMatchObject({
      level: 'error',
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: 'app/src/main/AndroidManifest.xml', uriBaseId: '%SRCROOT%' },
            region: { startLine: 21 },
          },
        },
      ],
    });
    expect(summary!.level).toBe('note');
    expect(summary!.locations![0]!.physicalLocation).not.toHaveProperty('region');
    expect(exported!.partialFingerprints!['agentflowFingerprint/v1']).toMatch(/^[0-9a-f]{20}$/);
  });

  it('round-trips through the reader', () => {
    const text = JSON.stringify(writeSarif(findings, { root: '/work/shop' }));
    expect(
      readSarif(text, { root: '/work/shop' }).map((i) => [i.ruleId, i.file, i.line, i.severity]),
    ).toEqual([
      ['android.exported-without-permission', 'app/src/main/AndroidManifest.xml', 21, 'major'],
      ['ios.project.summary', 'Shop.xcodeproj/project.pbxproj', 0, 'info'],
    ]);
  });

  it('the schema rejects a broken log (the validation can fail)', () => {
    const validate = validator();
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: {} } }] })).toBe(false);
  });
});

describeSamples('readSarif', () => {
  it.each([
    ['swiftlint.sarif', 'SwiftLint', 4],
    ['swiftlint-0.54.sarif', 'SwiftLint', 3],
    ['detekt-1.23.7.sarif', 'detekt', 14],
    ['detekt-2.0-fixture.sarif', 'detekt', 3],
    ['detekt-1.23-basepath-fixture.sarif', 'detekt', 3],
    ['lint-results.sarif', 'Android Lint', 9],
  ])('reads %s', (name, tool, count) => {
    const issues = readSarif(readSample(name));
    expect(issues).toHaveLength(count);
    expect(issues.every((i) => i.tool === tool && i.ruleId !== 'unknown')).toBe(true);
  });

  it('resolves the detekt base-path fixture against %SRCROOT%', () => {
    const [issue] = readSarif(readSample('detekt-1.23-basepath-fixture.sarif'), {
      root: '/Users/tester/detekt',
    });
    expect(issue).toMatchObject({ file: 'TestFile.kt', line: 1, level: 'warning' });
  });

  it('takes detekt 2 levels from rule defaults, including hierarchical rule ids', () => {
    const levels = readSarif(readSample('detekt-2.0-fixture.sarif')).map((i) => [i.ruleId, i.level]);
    expect(levels).toEqual([
      ['detekt.RuleSet1.TestSmellA', 'error'],
      ['detekt.RuleSet2.TestSmellB', 'warning'],
      ['detekt.RuleSet2.TestSmellC/id', 'note'],
    ]);
  });

  it('reads Android Lint paths from the Windows %SRCROOT%', () => {
    const issues = readSarif(readSample('lint-results.sarif'), {
      root: 'X:/AndroidStudioProjects/nowinandroid',
    });
    expect(issues[0]).toMatchObject({
      ruleId: 'UnusedAttribute',
      file: 'app/src/main/AndroidManifest.xml',
      line: 34,
    });
  });

  it('reads the unescaped and the escaped SwiftLint shapes alike', () => {
    const modern = readSarif(readSample('swiftlint.sarif'));
    const old = readSarif(readSample('swiftlint-0.54.sarif'));
    expect(modern.find((i) => i.ruleId === 'syntactic_sugar')?.file).toBe('path/file.swift');
    expect(old[0]).toMatchObject({ ruleId: 'line_length', line: 1 });
  });

  it('the real samples validate against the vendored schema', () => {
    const validate = validator();
    for (const name of ['swiftlint.sarif', 'detekt-1.23.7.sarif', 'lint-results.sarif']) {
      expect([name, validate(JSON.parse(readSample(name))) ? [] : validate.errors]).toEqual([name, []]);
    }
  });
});
