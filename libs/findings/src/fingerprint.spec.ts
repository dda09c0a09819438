import { dismissalCovers, type Finding } from '@agentflow/contracts';
import { assignFingerprints, fingerprintOf, FINGERPRINT_VERSION, normaliseMessage } from './fingerprint';

const finding = (over: Partial<Finding> = {}): Finding => ({
  file: 'Cart.swift',
  startLine: 10,
  endLine: 12,
  severity: 'major',
  category: 'bug',
  message: 'Race on total',
  confidence: 0.9,
  agent: 'code-review',
  model: 'claude-sonnet-4-5',
  source: 'model',
  fingerprint: '',
  ...over,
});

describe('fingerprintOf, version 1', () => {
  // Computed with the run actor's recipe before the four recipes became one: the ids that the
  // findings, run_findings and finding_dismissals tables and posted comments' markers hold.
  const stored: Array<[Parameters<typeof fingerprintOf>[0], number, string]> = [
    [
      {
        file: 'App/Info.plist',
        category: 'security',
        ruleId: 'ios.ats.arbitrary-loads',
        message: 'ATS disabled',
      },
      0,
      '1eb1e3c5419e034be4db',
    ],
    [
      {
        file: 'App/Info.plist',
        category: 'security',
        ruleId: 'ios.ats.arbitrary-loads',
        message: 'ATS disabled',
      },
      1,
      'f2ba6e2f243e699472de',
    ],
    [{ file: 'Cart.swift', category: 'bug', message: 'Race on total' }, 0, '11ce0e00bb2d6d43a4d1'],
    [
      { file: 'Cart.swift', category: 'Bug', message: 'Force unwrap on `line 11`' },
      0,
      '18f0305672068f7d0990',
    ],
    [
      { file: 'Cart.swift', category: 'Bug', message: 'Force unwrap on `line 11`' },
      2,
      'eb4a44d6e64f51dcc5b2',
    ],
    [{ file: 'Nag.swift', category: 'bug', message: 'Prefer let' }, 0, '767e7bfb2bf27ca673f1'],
  ];

  it('gives the fingerprints stored before the change, so stored ids and dismissals still match', () => {
    expect(FINGERPRINT_VERSION).toBe(1);
    for (const [subject, occurrence, id] of stored) expect(fingerprintOf(subject, occurrence)).toBe(id);
    // A dismissal by the short id shown under the finding (its first 12 characters) still covers it.
    expect(
      dismissalCovers(
        '767e7bfb2bf2',
        fingerprintOf({ file: 'Nag.swift', category: 'bug', message: 'Prefer let' }),
      ),
    ).toBe(true);
  });

  it('leaves out lines, numbers and wording noise, but not the problem', () => {
    expect(fingerprintOf({ file: 'A.swift', category: 'bug', message: 'Force unwrap on line 11' })).toBe(
      fingerprintOf({ file: 'A.swift', category: 'BUG', message: '  force unwrap on "line"  41' }),
    );
    expect(fingerprintOf({ file: 'A.swift', category: 'bug', message: 'x' })).not.toBe(
      fingerprintOf({ file: 'B.swift', category: 'bug', message: 'x' }),
    );
    expect(fingerprintOf({ file: 'A.swift', category: 'bug', message: 'x', ruleId: 'r1' })).toBe(
      fingerprintOf({ file: 'A.swift', category: 'bug', message: 'other words', ruleId: 'r1' }),
    );
    expect(normaliseMessage('Use `guard let` on Line 7')).toBe('use guard let on line #');
  });
});

describe('assignFingerprints', () => {
  it('keeps a fingerprint already set and computes the missing ones, in the order given', () => {
    const [kept, computed] = assignFingerprints([
      finding({ startLine: 50, endLine: 50, fingerprint: 'stored-id' }),
      finding(),
    ]);
    expect(kept.fingerprint).toBe('stored-id');
    expect(computed.fingerprint).toBe(fingerprintOf(finding()));
  });

  it('tells apart the same problem twice in one file by line order, wherever they were listed', () => {
    const ids = assignFingerprints([
      finding({ startLine: 50, endLine: 50 }),
      finding({ startLine: 1, endLine: 1 }),
    ]).map((f) => f.fingerprint);
    expect(ids).toEqual([fingerprintOf(finding(), 1), fingerprintOf(finding())]);
  });

  it('gives the second finding that claims a set id the next free one instead of a duplicate', () => {
    const id = fingerprintOf(finding());
    const ids = assignFingerprints([
      finding({ fingerprint: id }),
      finding({ startLine: 40, endLine: 40, fingerprint: id }),
    ]).map((f) => f.fingerprint);
    expect(ids).toEqual([id, fingerprintOf(finding(), 1)]);
  });
});
