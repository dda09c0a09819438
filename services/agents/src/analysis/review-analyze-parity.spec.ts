/**
 * `agentflow review` runs the rules through `MobileRulesAnalyzer` on files read from git;
 * `agentflow analyze --base` runs them on the checkout on disk. The same change must give the same
 * deterministic findings either way, including the rules that read files the change did not touch
 * (tests, for untested code; code, for which localisation keys are looked up).
 */
import {
  analyze,
  directoryReader,
  gitDiffAgainst,
  gitFileReader,
  parseUnifiedDiff,
  toContractFinding,
} from '@agentflow/mobile';
import { FixtureRepo, GitCheckoutReader } from '@agentflow/repo';
import { RepoContext } from '../repo/repo-context';
import { MobileRulesAnalyzer } from './mobile-analyzer';

const strings = (entries: Record<string, string>) =>
  Object.entries(entries)
    .map(([k, v]) => `"${k}" = "${v}";`)
    .join('\n') + '\n';

describe('review and analyze on the same change', () => {
  let repo: FixtureRepo;
  let base: string;
  let head: string;

  beforeAll(() => {
    repo = new FixtureRepo({
      'Shop.xcodeproj/project.pbxproj': '// !$*UTF8*$!\n{\n}\n',
      'Shop/PriceCalculator.swift':
        'final class PriceCalculator {\n    func total(_ a: Int, _ b: Int) -> Int { a + b }\n}\n',
      'Shop/Checkout.swift':
        'let title = NSLocalizedString("checkout.title", comment: "")\nlet total = NSLocalizedString("checkout.total", comment: "")\n',
      'ShopTests/CheckoutFlowTests.swift':
        'import XCTest\n@testable import Shop\nfinal class CheckoutFlowTests: XCTestCase {\n    func testTotal() { XCTAssertEqual(PriceCalculator().total(1, 2), 3) }\n}\n',
      'Shop/en.lproj/Localizable.strings': strings({ 'checkout.title': 'Checkout', items: '%d items' }),
      'Shop/fr.lproj/Localizable.strings': strings({ 'checkout.title': 'Paiement', items: '%d articles' }),
    });
    base = repo.head();
    head = repo.commit({
      // Tested from a differently named, unchanged test file: only a reader of test files knows.
      'Shop/PriceCalculator.swift':
        'final class PriceCalculator {\n    func total(_ a: Int, _ b: Int) -> Int { a + b }\n    func discount(_ a: Int) -> Int { a / 10 }\n}\n',
      'Shop/Receipt.swift':
        'final class ReceiptFormatter {\n    func line(_ total: Int) -> String { "\\(total)" }\n}\n',
      'ShopTests/CheckoutFlowTests.swift':
        'import XCTest\n@testable import Shop\nfinal class CheckoutFlowTests: XCTestCase {\n    func testTotal() { XCTAssertEqual(PriceCalculator().total(1, 2), 3) }\n    func testDiscount() { XCTAssertEqual(PriceCalculator().discount(100), 10) }\n}\n',
      // A translation key the base lacks and unchanged code looks up; a placeholder the base does not have.
      'Shop/fr.lproj/Localizable.strings': strings({
        'checkout.title': 'Paiement',
        items: '%@ articles',
        'checkout.total': 'Total',
      }),
    });
  });

  afterAll(() => repo.remove());

  it('reports the same findings', async () => {
    const cli = analyze({
      repo: directoryReader(repo.root),
      diff: parseUnifiedDiff(gitDiffAgainst(repo.root, base)),
      readOld: gitFileReader(repo.root, base),
    });
    const expected = cli.findings.map((f) => toContractFinding(f, { agent: 'test' }));

    const reader = new GitCheckoutReader(repo.root);
    try {
      const diff = await reader.diff(base, head);
      const review = await new MobileRulesAnalyzer().run(diff, new RepoContext(reader, head, base), 'test');
      const key = (f: { ruleId?: string; file: string; startLine: number; message: string }) =>
        `${f.ruleId} ${f.file}:${f.startLine} ${f.message}`;
      expect(review.findings.map(key).sort()).toEqual(expected.map(key).sort());
      expect(review.untested.map((u) => u.file)).toEqual(cli.untested.map((u) => u.file));
    } finally {
      reader.close();
    }

    // What the change holds, so the comparison is not two empty lists.
    const rules = expected.map((f) => `${f.ruleId} ${f.file}`).sort();
    expect(rules).toEqual([
      'l10n.missing-base-key Shop/fr.lproj/Localizable.strings',
      'l10n.placeholder-mismatch Shop/fr.lproj/Localizable.strings',
      'testing.untested-change Shop/Receipt.swift',
    ]);
  });
});
