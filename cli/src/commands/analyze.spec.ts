import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { Command } from 'commander';
import { loadSarifSchema, type AnalysisJsonDocument, type SarifLog } from '@agentflow/mobile';
import { registerAnalyze } from './analyze';

const examples = join(__dirname, '..', '..', '..', 'examples');
const ios = join(examples, 'ios-shop');
const android = join(examples, 'android-shop');

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk) => ((out += String(chunk)), true));
  const stderr = jest
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk) => ((err += String(chunk)), true));
  const saved = process.exitCode;
  const savedNoColor = process.env.NO_COLOR;
  process.env.NO_COLOR = '1';
  try {
    process.exitCode = 0;
    const program = new Command('agentflow').exitOverride();
    registerAnalyze(program);
    await program.parseAsync(['node', 'agentflow', 'analyze', ...args]);
    return { code: Number(process.exitCode ?? 0), out, err };
  } finally {
    process.exitCode = saved;
    if (savedNoColor === undefined) delete process.env.NO_COLOR;
    else process.env.NO_COLOR = savedNoColor;
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

function rulesOf(doc: AnalysisJsonDocument): string[] {
  return [...new Set(doc.findings.map((f) => f.ruleId))].sort();
}

describe('agentflow analyze on the sample repositories', () => {
  it('prints what the iOS sample contains, as text, and exits 0', async () => {
    const { code, out } = await run([ios]);
    expect(code).toBe(0);
    for (const expected of [
      'Targets: ShopApp, ShopAppTests [test]',
      'Minimum OS: iOS 16.0',
      'ios.ats.arbitrary-loads',
      'ios.usage-description.empty',
      'ios.usage-description.missing',
      'secret.hardcoded-credential',
      'code.token-in-plain-storage',
      'code.sensitive-log',
      'l10n.placeholder-mismatch',
      'deps.branch-pin',
      'ShopApp/Base.lproj/Main.storyboard  interface-builder',
      'ShopApp/Generated/Strings+Generated.swift  generated: linguist-generated',
      'ShopApp/Session/TokenStore.swift  no test file found',
    ]) {
      expect(out).toContain(expected);
    }
    expect(out).not.toContain('CartViewModel.swift  no test file found');
    expect(out).not.toContain('\x1b[');
  });

  it('reports the iOS pull request as JSON: only the document on stdout', async () => {
    const { code, out, err } = await run([
      ios,
      '--diff',
      join(examples, 'ios-shop.diff'),
      '--format',
      'json',
    ]);
    expect(code).toBe(0);
    const doc = JSON.parse(out) as AnalysisJsonDocument;
    expect(doc.mode).toBe('diff');
    expect(doc.structure.targets.map((t) => t.name)).toEqual(['ShopApp', 'ShopAppTests']);
    expect(doc.structure.iosDeploymentTarget).toBe('16.0');
    expect(rulesOf(doc)).toEqual([
      'code.insecure-http-url',
      'code.sensitive-log',
      'code.token-in-plain-storage',
      'deps.branch-pin',
      'ios.ats.arbitrary-loads',
      'ios.build-phase.run-script-added',
      'ios.deployment-target.changed',
      'ios.entitlements.changed',
      'ios.project.summary',
      'ios.signing.changed',
      'ios.usage-description.empty',
      'ios.usage-description.missing',
      'l10n.missing-base-key',
      'l10n.placeholder-mismatch',
      'secret.hardcoded-credential',
      'testing.untested-change',
    ]);
    // Unchanged problems stay out of a pull request's report.
    expect(doc.findings.some((f) => f.ruleId === 'ios.ats.insecure-exception-domain')).toBe(false);
    for (const f of doc.findings) {
      expect(f).toEqual(
        expect.objectContaining({
          ruleId: expect.any(String),
          severity: expect.any(String),
          file: expect.any(String),
          line: expect.any(Number),
          message: expect.any(String),
        }),
      );
      expect(f.file.startsWith('/')).toBe(false);
    }
    expect(doc.untested.map((u) => u.file).sort()).toEqual([
      'ShopApp/Checkout/CheckoutView.swift',
      'ShopApp/Session/TokenStore.swift',
    ]);
    // Findings on changed lines carry their review-comment position; file-level ones do not.
    const credential = doc.findings.find((f) => f.ruleId === 'secret.hardcoded-credential')!;
    expect([credential.file, credential.line, credential.position]).toEqual([
      'ShopApp/Session/TokenStore.swift',
      10,
      10,
    ]);
    expect(doc.findings.find((f) => f.ruleId === 'ios.project.summary')!.position).toBeUndefined();
    expect(doc.notReviewed.map((n) => n.reason).sort()).toEqual([
      'binary',
      'generated',
      'interface-builder',
      'lockfile',
      'project-file',
      'project-file',
    ]);
    expect(err).toContain('finding(s)');
  });

  it('reports the Android pull request with coverage found in the checkout', async () => {
    const { out, err } = await run([
      android,
      '--diff',
      join(examples, 'android-shop.diff'),
      '--format',
      'json',
    ]);
    const doc = JSON.parse(out) as AnalysisJsonDocument;
    expect(err).toContain('using coverage from reports/jacocoTestReport.xml');
    expect(doc.structure.modules.map((m) => m.name)).toEqual([
      'AcmeShop',
      ':app',
      ':core:data',
      ':feature:checkout',
    ]);
    expect(doc.structure.minSdk).toBe(24);
    expect(rulesOf(doc)).toEqual([
      'android.dangerous-permission.added',
      'android.exported-without-permission',
      'android.min-sdk.changed',
      'code.sensitive-log',
      'deps.new-dependency',
      'deps.new-repository',
      'deps.snapshot-version',
      'l10n.missing-base-key',
      'l10n.placeholder-mismatch',
      'testing.untested-change',
    ]);
    expect(doc.untested).toContainEqual({
      file: 'core/data/src/main/java/com/acme/shop/cart/CartRepository.kt',
      lines: [14],
      reason: 'uncovered',
    });
    // The @Preview function added in the diff is not counted as untested code.
    const checkout = doc.untested.find((u) => u.file.endsWith('CheckoutScreen.kt'))!;
    expect(checkout.lines).toEqual([17]);
  });

  it('writes SARIF that validates against the SARIF 2.1.0 schema', async () => {
    const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
    addFormats(ajv);
    const validate = ajv.compile(loadSarifSchema());
    for (const args of [[ios, '--diff', join(examples, 'ios-shop.diff')], [android]]) {
      const { code, out } = await run([...args, '--format', 'sarif']);
      expect(code).toBe(0);
      const log = JSON.parse(out) as SarifLog;
      expect(validate(log) ? [] : validate.errors).toEqual([]);
      expect(log.runs[0]!.results!.length).toBeGreaterThan(5);
    }
  });

  it.each([
    ['blocker', 1],
    ['major', 1],
  ])('--fail-on %s exits %i on the iOS sample', async (severity, expected) => {
    const { code, err } = await run([ios, '--fail-on', severity, '--format', 'json']);
    expect(code).toBe(expected);
    expect(err).toContain(`at or above ${severity}`);
  });

  it('--fail-on blocker exits 0 when nothing is that severe', async () => {
    const { code } = await run([
      android,
      '--diff',
      join(examples, 'android-shop.diff'),
      '--fail-on',
      'blocker',
    ]);
    expect(code).toBe(0);
  });

  it.each([
    [['/no/such/dir'], 'is not a directory'],
    [[ios, '--format', 'xml'], '--format must be one of text, json, sarif'],
    [[ios, '--fail-on', 'critical'], '--fail-on must be one of blocker, major, minor, info'],
    [[ios, '--diff', 'x.diff', '--base', 'main'], 'either --diff FILE or --base REF'],
    [['<not a git checkout>', '--base', 'main'], '--base needs PATH to be a git checkout'],
    [[ios, '--diff', '<random bytes>'], 'is not a unified diff: none of its 512 bytes start a file'],
    [[ios, '--diff', '<cut hunk>'], 'is truncated: 2 old and 2 new lines missing'],
  ])('exits 2 and says what to change: %j', async (args, message) => {
    const plain = mkdtempSync(join(tmpdir(), 'af-cli-analyze-plain-'));
    // Random bytes without a newline or NUL at the start of a line, as a corrupted download would be.
    writeFileSync(
      join(plain, 'random.diff'),
      Buffer.from(Array.from({ length: 512 }, (_, i) => 33 + ((i * 7919) % 90))),
    );
    writeFileSync(join(plain, 'cut.diff'), '--- a/x.swift\n+++ b/x.swift\n@@ -1,3 +1,3 @@\n a\n');
    const files: Record<string, string> = {
      '<not a git checkout>': plain,
      '<random bytes>': join(plain, 'random.diff'),
      '<cut hunk>': join(plain, 'cut.diff'),
    };
    const { code, out, err } = await run(args.map((a) => files[a] ?? a)).finally(() =>
      rmSync(plain, { recursive: true, force: true }),
    );
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(message);
  });
});

describe('agentflow analyze --base', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'af-cli-analyze-'));
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t.invalid', ...args], {
        stdio: 'ignore',
      });
    git('init', '-q', '-b', 'main');
    mkdirSync(join(dir, 'App'));
    writeFileSync(
      join(dir, 'App/Api.swift'),
      'import Foundation\n\nlet base = URL(string: "https://api.acme.com")!\n',
    );
    git('add', '.');
    git('commit', '-q', '-m', 'base');
    writeFileSync(
      join(dir, 'App/Api.swift'),
      'import Foundation\n\nlet base = URL(string: "https://api.acme.com")!\nlet legacy = URL(string: "http://legacy.acme.com")!\n',
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('analyses the working tree against the ref', async () => {
    const { code, out } = await run([dir, '--base', 'main', '--format', 'json']);
    expect(code).toBe(0);
    const doc = JSON.parse(out) as AnalysisJsonDocument;
    expect(doc.mode).toBe('diff');
    expect(
      doc.findings.filter((f) => f.ruleId === 'code.insecure-http-url').map((f) => [f.file, f.line]),
    ).toEqual([['App/Api.swift', 4]]);
  });
});
