import { validateSync } from 'class-validator';
import { Finding } from '@agentflow/contracts';
import { makeFinding } from '../rules/catalogue';
import { fingerprintOf, toContractFinding } from './finding';

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
