import {
  ConditionEvaluationError,
  ConditionSyntaxError,
  evaluateCondition,
  isSatisfiable,
  parseCondition,
  RUNNABLE_STATUSES,
  type StepOutcome,
} from './conditions';

const finding = (severity: string) => ({ severity });
const outcomes: Record<string, StepOutcome> = {
  analysis: { status: 'succeeded', findings: [] },
  'review.code-review-agent': {
    status: 'succeeded',
    findings: [finding('blocker'), finding('major'), finding('major')],
  },
  'review.security-agent': { status: 'failed', findings: [finding('blocker')] },
  lint: { status: 'timed_out' },
  docs: { status: 'skipped', findings: [] },
};

describe('evaluateCondition', () => {
  const cases: Array<[string, boolean]> = [
    ['analysis.succeeded', true],
    ['analysis.failed', false],
    ['lint.failed', true], // a timeout is a failure
    ['lint.timed_out', true],
    ['docs.skipped', true],
    ['docs.completed', true],
    ['review.succeeded', false], // a phase succeeds only when all its steps do
    ['review.failed', true], // and fails when one does
    ['review.completed', true],
    ['review.code-review-agent.succeeded', true],
    ['review.findings > 3', true],
    ['review.findings.blocker > 0', true],
    ['review.findings.blocker == 2', true],
    ['review.code-review-agent.findings.major >= 2', true],
    ['review.findings.minor != 0', false],
    ['0 < review.findings.blocker', true],
    ['analysis.succeeded && !lint.succeeded', true],
    ['analysis.failed || docs.skipped', true],
    ['not (analysis.succeeded and lint.timed_out)', false],
    ['analysis.succeeded && (lint.succeeded || review.findings.blocker > 5)', false],
    ['always()', true],
    ['true', true],
    ['false', false],
  ];
  it.each(cases)('%s -> %s', (expr, expected) => {
    expect(evaluateCondition(expr, outcomes)).toBe(expected);
  });

  it('throws a typed error for a step without an outcome', () => {
    expect(() => evaluateCondition('missing.succeeded', outcomes)).toThrow(ConditionEvaluationError);
  });
});

describe('parseCondition rejects, with the offset of the problem', () => {
  const bad: Array<[string, number, string]> = [
    ['', 0, 'empty'],
    ['analysis', 0, 'is a name, not a condition'],
    ['analysis.succeded', 0, 'did you mean `analysis.succeeded`?'],
    ['analysis.status', 0, 'is not a status'],
    ['analysis.succeeded &&', 21, 'ends too early'],
    ['analysis.succeeded & lint.failed', 19, 'alone is not an operator'],
    ['a.findings = 1', 11, 'compare with `==`'],
    ['a.findings', 10, 'compare the count'],
    ['a.findings.critical > 0', 0, 'a severity'],
    ['a.succeeded > 1', 12, 'cannot be compared'],
    ['(a.succeeded', 12, 'missing `)`'],
    ['a.succeeded b.failed', 12, 'join conditions'],
    ['findings > 1', 0, 'needs a step or phase'],
    ['a.succeeded ? b', 12, 'unexpected character'],
  ];
  it.each(bad)('%j', (expr, offset, fragment) => {
    try {
      parseCondition(expr);
      throw new Error('expected a syntax error');
    } catch (error) {
      expect(error).toBeInstanceOf(ConditionSyntaxError);
      expect((error as ConditionSyntaxError).message).toContain(fragment);
      expect((error as ConditionSyntaxError).offset).toBe(offset);
      expect((error as ConditionSyntaxError).retryable).toBe(false);
    }
  });
});

describe('isSatisfiable', () => {
  const single = () => RUNNABLE_STATUSES;
  it.each([
    ['a.succeeded', true],
    ['a.succeeded && a.failed', false],
    ['a.skipped && !a.completed', false],
    ['a.failed && a.timed_out', true],
    ['a.findings > 1 && a.findings < 1', true], // counts are free: erring on the side of running
    ['false || a.cancelled', true],
    ['false', false],
  ])('%s -> %s', (expr, expected) => {
    expect(isSatisfiable(parseCondition(expr), single)).toBe(expected);
  });

  it('a step that never runs can only be skipped', () => {
    expect(isSatisfiable(parseCondition('a.succeeded'), () => ['skipped'])).toBe(false);
    expect(isSatisfiable(parseCondition('a.skipped'), () => ['skipped'])).toBe(true);
  });
});
