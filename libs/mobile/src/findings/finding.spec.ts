import { validateSync } from 'class-validator';
import { Finding } from '@agentflow/contracts';
import { makeFinding } from '../rules/catalogue';
import { readSarif } from '../sarif/read-sarif';
import { readFixture } from '../testing/samples';
import { fingerprintOf as findingFingerprint } from '@agentflow/findings';
import {
  fingerprintAll,
  fingerprintOf,
  toContractFinding,
  toolIssuesToFindings,
  toolIssueToFinding,
} from './finding';

describe('toContractFinding', () => {
  const finding = makeFinding(
    'code.insecure-http-url',
    'App/Api.swift',
    12,
    'Plain HTTP URL to legacy.acme.com',
    'http://legacy.acme.com/v1',
  );

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

  it('fingerprints as agents and the run actor do: rule and file, not the line or the evidence', () => {
    const contract = toContractFinding(finding);
    expect(contract.fingerprint).toBe(findingFingerprint(contract));
    expect(contract.fingerprint).toMatch(/^[0-9a-f]{20}$/);
    expect(
      fingerprintOf(
        makeFinding(
          'code.insecure-http-url',
          'App/Api.swift',
          40,
          'Plain HTTP URL to legacy.acme.com',
          'http://other.acme.com',
        ),
      ),
    ).toBe(fingerprintOf(finding));
    expect(fingerprintOf({ ...finding, file: 'App/Other.swift' })).not.toBe(fingerprintOf(finding));
    expect(fingerprintOf({ ...finding, ruleId: 'code.cleartext-traffic' })).not.toBe(fingerprintOf(finding));
  });

  it('tells apart the same rule twice in one file, in line order, as the run report does', () => {
    const later = makeFinding(
      'code.insecure-http-url',
      'App/Api.swift',
      30,
      'Plain HTTP URL to other.acme.com',
      'http://other.acme.com',
    );
    const [second, first] = fingerprintAll([later, finding]);
    expect(first).toBe(fingerprintOf(finding));
    expect(second).toBe(findingFingerprint(toContractFinding(later), 1));
  });

  it('uses the agent given, and the testing agent for test findings', () => {
    expect(toContractFinding(finding, { agent: 'code-review' }).agent).toBe('code-review');
    expect(
      toContractFinding(makeFinding('testing.untested-change', 'A.swift', 3, 'No test', 'x', { endLine: 9 }))
        .agent,
    ).toBe('test-coverage');
    expect(
      toContractFinding(makeFinding('testing.untested-change', 'A.swift', 3, 'No test', 'x', { endLine: 9 }))
        .endLine,
    ).toBe(9);
  });
});

describe('toolIssueToFinding', () => {
  it('converts SwiftLint and Android Lint results to valid sarif-sourced findings', () => {
    const issues = [
      ...readSarif(readFixture('sarif/swiftlint.sarif')),
      ...readSarif(readFixture('sarif/android-lint.sarif'), { root: '/home/ci/work/shop-android' }),
    ];
    const findings = toolIssuesToFindings(issues);
    expect(findings.map((f) => f.message)).toEqual(issues.map((i) => toolIssueToFinding(i).message));
    for (const f of findings) expect(validateSync(f)).toEqual([]);
    expect(findings[1]).toMatchObject({
      file: 'ShopApp/Session/TokenStore.swift',
      startLine: 14,
      severity: 'major',
      source: 'sarif',
      ruleId: 'force_unwrapping',
      message: 'SwiftLint force_unwrapping: Force unwrapping should be avoided',
    });
    expect(new Set(findings.map((f) => f.fingerprint)).size).toBe(findings.length);
  });
});
