import { validateSync } from 'class-validator';
import { Finding } from '@agentflow/contracts';
import { makeFinding } from '../rules/catalogue';
import { readSarif } from '../sarif/read-sarif';
import { readFixture } from '../testing/samples';
import { fingerprintOf, toContractFinding, toolIssueToFinding } from './finding';

describe('toContractFinding', () => {
  const finding = makeFinding('code.insecure-http-url', 'App/Api.swift', 12, 'Plain HTTP URL to legacy.acme.com', 'http://legacy.acme.com/v1');

  it('produces a valid contract Finding from the analyser', () => {
    const contract = toContractFinding(finding);
    expect(contract).toBeInstanceOf(Finding);
    expect(validateSync(contract)).toEqual([]);
    expect(contract).toMatchObject({
      file: 'App/Api.swift',
      startLine: 12,
      endLine: 12,
      severity: 'minor',
      category: 'security',
      source: 'analyzer',
      confidence: 1,
      model: 'rules',
      agent: 'security',
      ruleId: 'code.insecure-http-url',
    });
  });

  it('keeps the fingerprint when the line moves or whitespace changes, and changes it with the content', () => {
    const moved = { ...finding, line: 40, evidence: '  http://legacy.acme.com/v1 ' };
    expect(fingerprintOf(moved)).toBe(fingerprintOf(finding));
    expect(fingerprintOf({ ...finding, evidence: 'http://other.acme.com' })).not.toBe(fingerprintOf(finding));
    expect(fingerprintOf({ ...finding, file: 'App/Other.swift' })).not.toBe(fingerprintOf(finding));
  });

  it('uses the agent given, and the testing agent for test findings', () => {
    expect(toContractFinding(finding, { agent: 'code-review' }).agent).toBe('code-review');
    expect(toContractFinding(makeFinding('testing.untested-change', 'A.swift', 3, 'No test', 'x', { endLine: 9 })).agent).toBe('test-coverage');
    expect(toContractFinding(makeFinding('testing.untested-change', 'A.swift', 3, 'No test', 'x', { endLine: 9 })).endLine).toBe(9);
  });
});

describe('toolIssueToFinding', () => {
  it('converts SwiftLint and Android Lint results to valid sarif-sourced findings', () => {
    const issues = [...readSarif(readFixture('sarif/swiftlint.sarif')), ...readSarif(readFixture('sarif/android-lint.sarif'), { root: '/home/ci/work/shop-android' })];
    const findings = issues.map((i) => toolIssueToFinding(i));
    for (const f of findings) expect(validateSync(f)).toEqual([]);
    expect(findings[1]).toMatchObject({ file: 'ShopApp/Session/TokenStore.swift', startLine: 14, severity: 'major', source: 'sarif', ruleId: 'force_unwrapping', message: 'SwiftLint force_unwrapping: Force unwrapping should be avoided' });
    expect(new Set(findings.map((f) => f.fingerprint)).size).toBe(findings.length);
  });
});
