import type { Finding, RunReport } from '@agentflow/contracts';
import { reassessmentKind, regate, resultConclusion } from './regate';

const f = (fp: string, severity: Finding['severity'], extra: Partial<Finding> = {}): Finding => ({
  file: 'A.swift',
  startLine: 1,
  endLine: 1,
  severity,
  category: 'bug',
  message: fp,
  confidence: 0.9,
  agent: 'a',
  model: 'm',
  source: 'model',
  fingerprint: fp,
  ...extra,
});
const report = (findings: Finding[], over: Partial<RunReport> = {}): RunReport => ({
  runId: 'r',
  workflow: 'w',
  change: { platform: 'github', repo: 'acme/app', pr: 1, headSha: 'h' },
  findings,
  findingStates: {},
  notReviewed: [],
  proposedFiles: [],
  steps: {},
  usage: {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: 0,
    vendorMs: 0,
    models: [],
  },
  startedAt: 0,
  finishedAt: 1,
  gateConclusion: 'failure',
  gateSummary: 'failure: 1 finding(s) at or above blocker',
  gate: { failOn: 'blocker', sources: [], minConfidence: 0.7 },
  rollout: 'gate',
  outputs: {},
  ...over,
});
const by =
  (...fps: string[]) =>
  (fp: string) =>
    fps.includes(fp) ? { by: 'dev', source: 'command' as const } : undefined;

describe('regate', () => {
  it('passes the gate once the only blocker is dismissed, and names what was dismissed', () => {
    const r = regate(report([f('b1', 'blocker'), f('m1', 'major')]), by('b1'))!;
    expect(r.before.conclusion).toBe('failure');
    expect(r.after).toEqual({
      conclusion: 'success',
      reason: 'success: no finding at or above blocker after 1 dismissal(s)',
    });
    expect(r.adjusted.findings.map((x) => x.fingerprint)).toEqual(['m1']);
    expect(r.dismissed).toEqual([
      { finding: expect.objectContaining({ fingerprint: 'b1' }), by: 'dev', source: 'command' },
    ]);
  });

  it('still fails while another finding fails the rule; a low-confidence model blocker does not count, as in the coordinator', () => {
    expect(regate(report([f('b1', 'blocker'), f('b2', 'blocker')]), by('b1'))!.after.conclusion).toBe(
      'failure',
    );
    expect(
      regate(report([f('b1', 'blocker'), f('b2', 'blocker', { confidence: 0.5 })]), by('b1'))!.after
        .conclusion,
    ).toBe('success');
  });

  it('keeps a check that only informs neutral, and changes nothing without a dismissal or without the gate rule', () => {
    expect(
      regate(report([f('b1', 'blocker')], { rollout: 'comment', gateConclusion: 'neutral' }), by('b1'))!.after
        .conclusion,
    ).toBe('neutral');
    expect(regate(report([f('b1', 'blocker')], { degraded: true }), by('b1'))!.after.conclusion).toBe(
      'neutral',
    );
    expect(regate(report([f('b1', 'blocker')]), by('other'))).toBeNull();
    expect(regate(report([f('b1', 'blocker')], { gate: undefined }), by('b1'))).toBeNull();
  });

  it('gives one ledger kind per set of dismissed findings, whatever their order', () => {
    const a = regate(report([f('b1', 'blocker'), f('b2', 'blocker')]), by('b1', 'b2'))!;
    const b = regate(report([f('b2', 'blocker'), f('b1', 'blocker')]), by('b2', 'b1'))!;
    const one = regate(report([f('b1', 'blocker'), f('b2', 'blocker')]), by('b1'))!;
    expect(reassessmentKind(a)).toBe(reassessmentKind(b));
    expect(reassessmentKind(a)).not.toBe(reassessmentKind(one));
  });

  it('judges a result being posted without findings already dismissed, but never a failed run', () => {
    const r = report([f('b1', 'blocker')]);
    expect(resultConclusion(r, false, (fp) => fp === 'b1').conclusion).toBe('success');
    expect(resultConclusion(r, false, () => false).conclusion).toBe('failure');
    expect(resultConclusion(r, true, (fp) => fp === 'b1').conclusion).toBe('neutral');
  });
});
