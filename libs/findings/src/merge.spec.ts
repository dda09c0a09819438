import type { Finding } from '@agentflow/contracts';
import { fingerprintOf } from './fingerprint';
import { failsGate } from './gate';
import { mergeFindings } from './merge';

const finding = (over: Partial<Finding> = {}): Finding => ({
  file: 'Cart.swift',
  startLine: 10,
  endLine: 12,
  severity: 'major',
  category: 'bug',
  message: 'Race on total',
  confidence: 0.8,
  agent: 'code-review',
  model: 'claude-sonnet-4-5',
  source: 'model',
  fingerprint: '',
  ...over,
});
const rule = (over: Partial<Finding> = {}): Finding =>
  finding({
    source: 'analyzer',
    model: 'rules',
    agent: 'security',
    confidence: 1,
    ruleId: 'code.force-try',
    severity: 'minor',
    ...over,
  });

describe('mergeFindings', () => {
  it('lets a deterministic finding absorb a model duplicate unchanged, whatever severity the model gave', () => {
    const { findings, shadowed } = mergeFindings([
      finding({ severity: 'blocker', startLine: 11, endLine: 20, confidence: 0.99 }),
      rule(),
    ]);
    expect(shadowed).toBe(1);
    expect(findings).toEqual([{ ...rule(), fingerprint: fingerprintOf(rule()) }]);
  });

  it('counts every model finding a deterministic one shadows, even merged ones', () => {
    const { findings, shadowed } = mergeFindings([
      finding({ startLine: 9, endLine: 10 }),
      finding({ startLine: 10, endLine: 11 }),
      rule({ startLine: 11, endLine: 11 }),
    ]);
    expect(findings).toHaveLength(1);
    expect(findings[0].source).toBe('analyzer');
    expect(shadowed).toBe(2);
  });

  it('merges two of one kind into the worse severity, the union of lines and the higher confidence', () => {
    const { findings } = mergeFindings([
      finding({ severity: 'minor', confidence: 0.9 }),
      finding({ startLine: 12, endLine: 20, message: 'Data race', agent: 'security' }),
    ]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      startLine: 10,
      endLine: 20,
      severity: 'major',
      confidence: 0.9,
      agent: 'security',
      message: 'Data race',
    });
  });

  it('treats a shared fingerprint on overlapping lines as the same problem across categories', () => {
    const { findings, shadowed } = mergeFindings([
      rule({ fingerprint: 'same', category: 'security' }),
      finding({ fingerprint: 'same', category: 'bug' }),
    ]);
    expect(findings).toHaveLength(1);
    expect(shadowed).toBe(1);
  });

  it('keeps apart other files, other categories and lines that do not overlap, each with its own id', () => {
    const { findings } = mergeFindings([
      finding(),
      finding({ file: 'Other.swift' }),
      finding({ category: 'performance' }),
      finding({ startLine: 13, endLine: 15 }),
    ]);
    expect(findings).toHaveLength(4);
    expect(new Set(findings.map((f) => f.fingerprint)).size).toBe(4);
  });

  it('keeps the fingerprint a producer set (a stored one carried over) rather than computing another', () => {
    const { findings } = mergeFindings([
      finding({ fingerprint: '11ce0e00bb2d6d43a4d1', message: 'Race on total, reworded' }),
    ]);
    expect(findings[0].fingerprint).toBe('11ce0e00bb2d6d43a4d1');
  });
});

describe('failsGate', () => {
  const gate = { failOn: 'major' as const, sources: [], minConfidence: 0.7 };
  it('counts findings at or above the severity, from the allowed sources, confident enough', () => {
    expect(failsGate(finding(), gate)).toBe(true);
    expect(failsGate(finding({ severity: 'minor' }), gate)).toBe(false);
    expect(failsGate(finding({ confidence: 0.5 }), gate)).toBe(false);
    expect(failsGate(rule({ severity: 'blocker', confidence: 0.5 }), gate)).toBe(true);
    expect(failsGate(finding(), { ...gate, sources: ['analyzer'] })).toBe(false);
    expect(failsGate(finding({ severity: 'blocker' }), { ...gate, failOn: 'never' })).toBe(false);
  });
});
