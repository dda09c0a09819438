import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NotReviewed, RunReport, WorkflowPlan } from '@agentflow/contracts';
import { buildPlan } from '@agentflow/run-actor';
import { parseTimeoutSeconds } from '../commands/review';
import { EXIT_CODES_HELP, exitCodeOf } from './exit-code';
import { formatNotReviewed, renderReviewText } from './report-text';
import { planForMode, reviewMode } from './review-modes';

describe('exit codes', () => {
  it('0 when the gate passed and every step finished', () => {
    expect(exitCodeOf({ gateConclusion: 'success', failingFindings: 0 })).toBe(0);
  });
  it('1 when the gate failed', () => {
    expect(exitCodeOf({ gateConclusion: 'failure', failingFindings: 1 })).toBe(1);
  });
  it('3 when a step failed and nothing that exists fails the gate', () => {
    expect(
      exitCodeOf({ gateConclusion: 'success', failingFindings: 0, incompleteSteps: ['code-review'] }),
    ).toBe(3);
    expect(exitCodeOf({ gateConclusion: 'neutral', failingFindings: 0 }, true)).toBe(3);
  });
  it('1 over 3: an incomplete review whose findings fail the gate, even a run that ended early with a neutral check', () => {
    expect(exitCodeOf({ gateConclusion: 'failure', failingFindings: 1, incompleteSteps: ['security'] })).toBe(
      1,
    );
    expect(exitCodeOf({ gateConclusion: 'neutral', failingFindings: 2 }, true)).toBe(1);
  });
  it('documents every code in one help text', () => {
    for (const code of ['0', '1', '2', '3']) expect(EXIT_CODES_HELP).toMatch(new RegExp(`^  ${code}  `, 'm'));
    expect(EXIT_CODES_HELP).toContain('wins over 3');
  });
  it.each(['docs/ci.md', 'action.yml', 'ci-templates/gitlab-ci.yml'])(
    '%s documents the same four codes and that 1 wins over 3',
    (file) => {
      const text = readFileSync(join(__dirname, '..', '..', '..', file), 'utf8');
      expect(text).toMatch(/0 passed/);
      expect(text).toMatch(/1 (the )?gate failed/);
      expect(text).toMatch(/2 usage or configuration error/);
      expect(text).toMatch(/3 incomplete/);
      expect(text).toMatch(/wins over 3/i);
    },
  );
});

describe('--timeout', () => {
  it.each(['0', '-5', 'soon', ''])('refuses %p with what to give instead', (value) => {
    expect(() => parseTimeoutSeconds(value)).toThrow(/greater than 0 \(for example --timeout 600\)/);
  });
  it('accepts a positive number of seconds', () => {
    expect(parseTimeoutSeconds('90')).toBe(90);
    expect(parseTimeoutSeconds('0.5')).toBe(0.5);
  });
});

describe('review modes', () => {
  const plan: WorkflowPlan = buildPlan([
    { id: 'code-review' },
    { id: 'lint', agentType: 'lint', providers: [] },
  ]);

  it('with a key the plan runs as written', () => {
    expect(planForMode(plan, reviewMode(false, true))).toBe(plan);
  });
  it('offline runs every model step on its rules only', () => {
    const offline = planForMode(plan, reviewMode(true, false));
    expect(offline.steps.map((s) => s.options.rulesOnly ?? false)).toEqual([true, false]);
    expect(offline.gate).toEqual(plan.gate);
  });
  it('--simulate never gates on model findings and never posts them inline', () => {
    const simulated = planForMode(plan, reviewMode(true, true));
    expect(simulated.gate.sources).toEqual(['analyzer', 'sarif', 'coverage']);
    expect(simulated.outputs.inlineComments).toBe(false);
    const modelOnly = planForMode({ ...plan, gate: { ...plan.gate, sources: ['model'] } }, 'simulated');
    expect(modelOnly.gate.failOn).toBe('never');
  });
});

describe('review text', () => {
  const notReviewed: NotReviewed[] = [
    { file: 'App/Vendor/V.swift', reason: 'never-sent', detail: 'not sent to any vendor by policy' },
    { file: 'Pods/X/Y.swift', reason: 'never-sent', detail: 'not sent to any vendor by policy' },
    {
      file: 'App/Big.swift',
      reason: 'patch-missing',
      detail: 'GitHub sent no patch; reviewed by the rules only',
    },
  ];

  it('names the never-sent files on their own line and every other skipped file with its reason', () => {
    expect(formatNotReviewed(notReviewed)).toEqual([
      'not sent to any vendor by policy: App/Vendor/V.swift, Pods/X/Y.swift',
      'not reviewed in full by a model (1):',
      '  App/Big.swift: patch-missing (GitHub sent no patch; reviewed by the rules only)',
    ]);
  });

  it('says which step failed and why, and that offline means the analysers only', () => {
    const report = {
      findings: [],
      notReviewed,
      incompleteSteps: ['security'],
      gateConclusion: 'success',
      gateSummary: 'success: no finding at or above blocker',
      steps: {
        security: {
          state: 'failed',
          attempts: 1,
          durationMs: 5,
          errorMessage: 'never-sent paths in the request: App/Vendor/V.swift',
        },
      },
      usage: { costUsd: 0 },
    } as unknown as RunReport;
    const lines = renderReviewText({ report, mode: 'rules-only' });
    expect(lines[0]).toBe('no findings');
    expect(lines).toContain('step security failed: never-sent paths in the request: App/Vendor/V.swift');
    expect(lines).toContainEqual(expect.stringMatching(/^offline: the deterministic analysers only/));
  });
});
