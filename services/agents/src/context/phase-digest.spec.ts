import type { Finding, StepOutcomeSummary } from '@agentflow/contracts';
import { phaseDigest } from './phase-digest';
import { BpeTokenCounter } from './tokens';

const tokens = new BpeTokenCounter();

function finding(i: number, severity: Finding['severity']): Finding {
  return {
    file: `App/Feature${i}.swift`,
    startLine: i + 1,
    endLine: i + 1,
    severity,
    category: 'architecture',
    message: `view ${i} calls the network client directly`,
    confidence: 0.9,
    agent: 'architecture-review',
    model: 'm',
    source: 'model',
    fingerprint: `fp${i}`,
  } as Finding;
}

describe('phaseDigest', () => {
  it('is absent for a step with no earlier phase', () => {
    expect(phaseDigest({}, tokens)).toBeUndefined();
    expect(phaseDigest(undefined, tokens)).toBeUndefined();
  });

  it('names each earlier step with its status, summary, most severe findings first and the files it proposed', () => {
    const context: Record<string, StepOutcomeSummary> = {
      'analysis.architecture-analysis-agent': {
        status: 'succeeded',
        summary: 'Checkout mixes UIKit and SwiftUI.',
        findings: [finding(1, 'minor'), finding(2, 'blocker')],
      },
      'planning.migration-planning-agent': {
        status: 'succeeded',
        findings: [],
        proposedFiles: [
          {
            path: 'docs/adr/0007-swiftui-checkout.md',
            purpose: 'ADR',
            content: '# 0007: Checkout moves to SwiftUI\n\nDecision: behind flag MIGRATE-4242.',
          },
        ],
      },
    };
    const digest = phaseDigest(context, tokens)!;
    expect(digest.steps).toEqual([
      'analysis.architecture-analysis-agent',
      'planning.migration-planning-agent',
    ]);
    expect(digest.truncated).toBe(false);
    const text = digest.text;
    expect(text).toContain(
      'step analysis.architecture-analysis-agent: succeeded\nsummary: Checkout mixes UIKit and SwiftUI.',
    );
    expect(text.indexOf('- blocker App/Feature2.swift:3')).toBeLessThan(
      text.indexOf('- minor App/Feature1.swift:2'),
    );
    expect(text).toContain(
      '- docs/adr/0007-swiftui-checkout.md (ADR):\n    # 0007: Checkout moves to SwiftUI',
    );
    expect(text).toContain('Decision: behind flag MIGRATE-4242.');
  });

  it('stays within its token budget however much the earlier phases produced, and says it cut', () => {
    const big: StepOutcomeSummary = {
      status: 'succeeded',
      summary: 'x '.repeat(5000),
      findings: Array.from({ length: 200 }, (_, i) => finding(i, 'major')),
      proposedFiles: Array.from({ length: 20 }, (_, i) => ({
        path: `docs/migrations/step-${i}.md`,
        purpose: 'plan',
        content: 'step text '.repeat(2000),
      })),
    };
    const digest = phaseDigest({ a: big, b: big, c: big }, tokens)!;
    expect(digest.tokens).toBeLessThanOrEqual(1500);
    expect(digest.truncated).toBe(true);
    for (const id of ['a', 'b', 'c']) expect(digest.text).toContain(`step ${id}: succeeded`);
    expect(digest.text).toContain('findings (200, the 8 most severe shown):');
  });
});
