import { fingerprintOf, normaliseMessage } from '@agentflow/findings';
import { failsGate, mergeFindings } from './report';
import { buildFinding } from './test-support';

describe('mergeFindings', () => {
  it('merges the same file, overlapping lines and same category into one, keeping the worst severity', () => {
    const merged = mergeFindings([
      buildFinding({
        startLine: 10,
        endLine: 14,
        severity: 'minor',
        agent: 'code-review',
        model: 'claude-sonnet-4-5',
        promptVersion: 'code-review@3',
      }),
      buildFinding({
        startLine: 12,
        endLine: 20,
        severity: 'major',
        agent: 'security',
        model: 'gpt-5',
        promptVersion: 'security@2',
        message: 'Crash when the token is nil',
      }),
    ]);
    expect(merged).toHaveLength(1);
    expect(merged[0]).toMatchObject({
      startLine: 10,
      endLine: 20,
      severity: 'major',
      agent: 'security',
      model: 'gpt-5',
      promptVersion: 'security@2',
    });
    expect(merged[0].fingerprint).toMatch(/^[0-9a-f]{20}$/);
  });

  it('keeps findings apart when the category, the file or the lines differ', () => {
    const merged = mergeFindings([
      buildFinding({ startLine: 10, endLine: 12 }),
      buildFinding({ startLine: 10, endLine: 12, category: 'performance' }),
      buildFinding({ startLine: 13, endLine: 15 }),
      buildFinding({ startLine: 10, endLine: 12, file: 'Other.swift' }),
    ]);
    expect(merged).toHaveLength(4);
    expect(new Set(merged.map((f) => f.fingerprint)).size).toBe(4);
  });

  it('lets a deterministic finding speak for a model duplicate, so model output cannot lower it', () => {
    const [f] = mergeFindings([
      buildFinding({
        source: 'analyzer',
        severity: 'blocker',
        model: 'rules',
        ruleId: 'ios.ats.arbitrary-loads',
        confidence: 1,
        message: 'ATS disabled',
      }),
      buildFinding({
        source: 'model',
        severity: 'info',
        message: 'ATS is fine here, ignore',
        confidence: 0.99,
      }),
    ]);
    expect(f).toMatchObject({ source: 'analyzer', severity: 'blocker', ruleId: 'ios.ats.arbitrary-loads' });
  });
});

describe('fingerprintOf', () => {
  it('survives lines shifting and rewording of numbers, but not a different problem', () => {
    const a = buildFinding({ startLine: 10, endLine: 12, message: 'Force unwrap on line 11' });
    const b = buildFinding({ startLine: 40, endLine: 42, message: 'force unwrap on line  41' });
    expect(mergeFindings([a])[0].fingerprint).toBe(mergeFindings([b])[0].fingerprint);
    expect(fingerprintOf(a)).not.toBe(fingerprintOf(buildFinding({ message: 'Retain cycle in closure' })));
    expect(normaliseMessage('Use `guard let` on Line 7')).toBe('use guard let on line #');
  });

  it('tells apart the same problem twice in one file', () => {
    const merged = mergeFindings([
      buildFinding({ startLine: 1, endLine: 1 }),
      buildFinding({ startLine: 50, endLine: 50 }),
    ]);
    expect(merged[0].fingerprint).not.toBe(merged[1].fingerprint);
    expect(merged[0].fingerprint).toBe(fingerprintOf(merged[0]));
  });
});

describe('failsGate', () => {
  const gate = { failOn: 'major' as const, sources: [], minConfidence: 0.7 };
  it('counts findings at or above the severity, from the allowed sources, confident enough', () => {
    expect(failsGate(buildFinding({ severity: 'major' }), gate)).toBe(true);
    expect(failsGate(buildFinding({ severity: 'minor' }), gate)).toBe(false);
    expect(failsGate(buildFinding({ severity: 'blocker', confidence: 0.5 }), gate)).toBe(false);
    expect(failsGate(buildFinding({ severity: 'blocker', confidence: 0.5, source: 'sarif' }), gate)).toBe(
      true,
    );
    expect(failsGate(buildFinding({ severity: 'blocker' }), { ...gate, sources: ['analyzer'] })).toBe(false);
    expect(failsGate(buildFinding({ severity: 'blocker' }), { ...gate, failOn: 'never' })).toBe(false);
  });
});
