import { basicConditionEvaluator, ConditionSyntaxError } from './condition';
import { buildFinding } from './test-support';

const outcomes = {
  analysis: { status: 'succeeded' as const, findings: [buildFinding({ severity: 'blocker' }), buildFinding({ severity: 'minor' })] },
  'analysis.review': { status: 'failed' as const, findings: [] },
};

describe('basicConditionEvaluator', () => {
  it.each([
    ['analysis.succeeded', true],
    ['analysis.failed', false],
    ['analysis.review.failed', true],
    ['analysis.findings.blocker > 0', true],
    ['analysis.findings >= 3', false],
    ['!analysis.failed && (analysis.findings.minor == 1 || analysis.failed)', true],
  ])('%s is %s', (expr, expected) => {
    expect(basicConditionEvaluator(expr, outcomes)).toBe(expected);
  });

  it.each(['nosuch.succeeded', 'analysis.findings', 'analysis.findings.huge > 1', 'analysis.succeeded &&', 'analysis.succeeded $'])('rejects %s', (expr) => {
    expect(() => basicConditionEvaluator(expr, outcomes)).toThrow(ConditionSyntaxError);
  });
});
