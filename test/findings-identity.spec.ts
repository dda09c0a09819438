/**
 * One finding identity (issue 30, ADR 0032): the analysers, the agents, the run actor and the
 * notifier give and recognise the same fingerprint for the same finding, and it is the one stored
 * before the recipes were unified.
 */
import type { AgentTask, Finding, JobFinished, RunReport } from '@agentflow/contracts';
import { fingerprintOf } from '@agentflow/findings';
import { makeFinding, parseUnifiedDiff, toContractFinding } from '@agentflow/mobile';
import { mergeFindings } from '@agentflow/run-actor';
import { placeFinding } from '../services/agents/src/findings/placement';
import { jobResult } from '../services/agents/src/jobs/job-outcome';
import { regate } from '../services/notifier/src/dismissals/regate';
import { findingMarker, shortId } from '../services/notifier/src/render/summary';

const diff = parseUnifiedDiff(
  [
    'diff --git a/App/Api.swift b/App/Api.swift',
    '--- a/App/Api.swift',
    '+++ b/App/Api.swift',
    '@@ -10,2 +10,3 @@',
    ' let a = 1',
    '+let url = URL(string: "http://legacy.acme.com/v1")!',
    ' let b = 2',
    '',
  ].join('\n'),
);

const task = { runId: 'r1', stepId: 'sec', attempt: 1, agentType: 'security' } as AgentTask;
const vendorJob = (findings: unknown[]): JobFinished => ({
  jobId: 'j1',
  provider: 'testing-ai',
  state: 'finished',
  vendorStatus: 'done',
  costUsd: 0,
  attribution: { runId: 'r1', stepId: 'sec' },
  finishedAt: '2026-12-07T10:00:00Z',
  outcome: { summary: 'done', data: { findings } },
});

function reportOf(findings: Finding[]): RunReport {
  return {
    runId: 'r1',
    workflow: 'review',
    change: { platform: 'github', repo: 'acme/app', pr: 7, headSha: 'h', baseSha: 'b' },
    findings,
    findingStates: {},
    notReviewed: [],
    proposedFiles: [],
    steps: {},
    gateConclusion: 'failure',
    gateSummary: 'failure',
    gate: { failOn: 'minor', sources: [], minConfidence: 0 },
    rollout: 'gate',
    failingFindings: findings.length,
  } as unknown as RunReport;
}

describe('one finding identity', () => {
  it('gives a rule finding the same id from the analyser, an agent mapping a vendor report, and the run actor', () => {
    const analysed = toContractFinding(
      makeFinding(
        'code.insecure-http-url',
        'App/Api.swift',
        11,
        'Plain HTTP URL to legacy.acme.com',
        'http://legacy.acme.com/v1',
      ),
    );
    const { category, file, message, ruleId, startLine, endLine, severity } = analysed;
    const [mapped] = jobResult(
      task,
      vendorJob([{ file, category, message, ruleId, startLine, endLine, severity }]),
    ).findings;
    const [merged] = mergeFindings([{ ...analysed, fingerprint: '' }]);
    expect(mapped.fingerprint).toBe(analysed.fingerprint);
    expect(merged.fingerprint).toBe(analysed.fingerprint);
    expect(analysed.fingerprint).toBe(fingerprintOf(analysed));
  });

  it('gives a model finding the same id when an agent places it and when the run actor fingerprints it', () => {
    const placed = placeFinding(
      {
        file: 'App/Api.swift',
        startLine: 11,
        endLine: 11,
        severity: 'major',
        category: 'security',
        message: 'Cleartext URL for the login call',
        confidence: 0.9,
      },
      {
        files: new Map(diff.map((d) => [d.path, d])),
        agent: 'security',
        model: 'gpt-5',
        promptVersion: 'security@1',
      },
    ).finding!;
    const [merged] = mergeFindings([{ ...placed, fingerprint: '' }]);
    expect(merged.fingerprint).toBe(placed.fingerprint);
    // The id a vendor's job names the same problem with, too.
    const [mapped] = jobResult(
      task,
      vendorJob([
        {
          file: placed.file,
          category: placed.category,
          message: placed.message,
          startLine: 11,
          endLine: 11,
          severity: 'major',
        },
      ]),
    ).findings;
    expect(mapped.fingerprint).toBe(placed.fingerprint);
  });

  it('keeps the id through the run actor, and the notifier marks it and clears the gate when its short id is dismissed', () => {
    const analysed = toContractFinding(
      makeFinding(
        'code.insecure-http-url',
        'App/Api.swift',
        11,
        'Plain HTTP URL to legacy.acme.com',
        'http://legacy.acme.com/v1',
      ),
    );
    const [reported] = mergeFindings([analysed]);
    expect(reported.fingerprint).toBe(analysed.fingerprint);
    expect(findingMarker(reported.fingerprint)).toContain(analysed.fingerprint);
    const short = shortId(reported.fingerprint);
    const regated = regate(reportOf([reported]), (fp) =>
      fp.startsWith(short) ? { by: 'octocat', source: 'command' } : undefined,
    );
    expect(regated?.dismissed.map((d) => d.finding.fingerprint)).toEqual([analysed.fingerprint]);
    expect(regated?.adjusted.gateConclusion).toBe('success');
  });

  it('matches what was stored before the change: a finding first reported then is found again under its stored id', () => {
    // From libs/run-actor/src/fixtures/incremental.json: the prior review's stored ids.
    const [again] = mergeFindings([
      {
        file: 'Cart.swift',
        startLine: 50,
        endLine: 52,
        severity: 'major',
        category: 'bug',
        message: 'Race on total',
        confidence: 0.9,
        agent: 'code-review',
        model: 'm',
        source: 'model',
        fingerprint: '',
      },
    ]);
    expect(again.fingerprint).toBe('11ce0e00bb2d6d43a4d1');
    const placed = placeFinding(
      {
        file: 'App/Api.swift',
        startLine: 11,
        endLine: 11,
        severity: 'major',
        category: 'bug',
        message: 'Race on total',
        confidence: 0.9,
      },
      {
        files: new Map(diff.map((d) => [d.path, d])),
        agent: 'code-review',
        model: 'm',
        promptVersion: 'code-review@3',
      },
    ).finding!;
    expect(placed.fingerprint).toBe(
      fingerprintOf({ file: 'App/Api.swift', category: 'bug', message: 'Race on total' }),
    );
  });
});
