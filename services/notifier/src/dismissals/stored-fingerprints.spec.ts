/**
 * Fingerprints stored before the finding identity was unified (issue 30, ADR 0032) still match:
 * a report whose findings come from today's producers updates the same `findings` rows, links
 * them in `run_findings`, and is covered by the `finding_dismissals` recorded back then.
 */
import type { Finding, RunReport } from '@agentflow/contracts';
import { makeFinding, toContractFinding } from '@agentflow/mobile';
import { mergeFindings } from '@agentflow/run-actor';
import { PgliteDatabase, runMigrations, type SqlDatabase } from '@agentflow/store';
import { DatabaseSink } from '../sinks/database/database-sink';
import { PostedStore } from '../sinks/posted-store';
import { regate } from './regate';

// Ids the run actor gave these findings before the change (pinned in libs/findings too).
const STORED_ATS = '1eb1e3c5419e034be4db';
const STORED_NAG = '767e7bfb2bf27ca673f1';

const change = {
  platform: 'github',
  repo: 'acme/ios-app',
  pr: 12,
  headSha: 'h1',
  baseSha: 'b1',
} as RunReport['change'];

function report(runId: string, headSha: string, findings: Finding[]): RunReport {
  return {
    runId,
    workflow: 'review',
    change: { ...change, headSha },
    trigger: 'pull_request',
    findings,
    findingStates: Object.fromEntries(findings.map((f) => [f.fingerprint, 'new'])),
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
    startedAt: 1_764_000_000_000,
    finishedAt: 1_764_000_060_000,
    gateConclusion: 'failure',
    gateSummary: 'failure: 2 finding(s) at or above major',
    gate: { failOn: 'major', sources: [], minConfidence: 0.7 },
    rollout: 'gate',
    outputs: {},
    failingFindings: findings.length,
  } as unknown as RunReport;
}

const model = (over: Partial<Finding>): Finding => ({
  file: 'Nag.swift',
  startLine: 10,
  endLine: 12,
  severity: 'major',
  category: 'bug',
  message: 'Prefer let',
  confidence: 0.9,
  agent: 'code-review',
  model: 'claude-sonnet-4-5',
  source: 'model',
  fingerprint: '',
  ...over,
});

describe('fingerprints stored before the change', () => {
  let db: SqlDatabase;
  beforeAll(async () => {
    db = await PgliteDatabase.open();
    await runMigrations(db);
    const sink = new DatabaseSink(db);
    // The run before the change: the ids as the run actor stored them.
    const before = [
      {
        ...toContractFinding(
          makeFinding(
            'ios.ats.arbitrary-loads',
            'App/Info.plist',
            8,
            'ATS disabled',
            'NSAllowsArbitraryLoads',
          ),
        ),
        fingerprint: STORED_ATS,
      },
      model({ fingerprint: STORED_NAG }),
    ];
    await sink.deliver({ kind: 'completed', report: report('r-before', 'h0', before) });
    // Dismissed back then by its short id, as `/agentflow dismiss 767e7bfb2bf2` records it.
    await db.query(
      `INSERT INTO finding_dismissals (platform, repo, pr, fingerprint_prefix, dismissed_by, source) VALUES ('github', 'acme/ios-app', 12, $1, 'dev', 'command')`,
      [STORED_NAG.slice(0, 12)],
    );
  }, 60_000);
  afterAll(async () => db.close());

  it('are the ids today’s analyser and run actor give the same findings', async () => {
    const analysed = toContractFinding(
      makeFinding(
        'ios.ats.arbitrary-loads',
        'App/Info.plist',
        30,
        'ATS disabled again',
        'NSAllowsArbitraryLoads',
      ),
    );
    const [ats, nag] = mergeFindings([
      analysed,
      model({ startLine: 40, endLine: 41, message: 'prefer  let' }),
    ]);
    expect([ats.fingerprint, nag.fingerprint]).toEqual([STORED_ATS, STORED_NAG]);

    await new DatabaseSink(db).deliver({ kind: 'completed', report: report('r-after', 'h1', [ats, nag]) });
    const { rows } = await db.query<{
      fingerprint: string;
      first_seen_run: string;
      last_seen_run: string;
      runs: string;
    }>(
      `SELECT f.fingerprint, f.first_seen_run, f.last_seen_run, string_agg(rf.run_id, ',' ORDER BY rf.run_id) AS runs
         FROM findings f JOIN run_findings rf ON rf.finding_id = f.id GROUP BY f.id ORDER BY f.fingerprint`,
    );
    expect(rows).toEqual([
      {
        fingerprint: STORED_ATS,
        first_seen_run: 'r-before',
        last_seen_run: 'r-after',
        runs: 'r-after,r-before',
      },
      {
        fingerprint: STORED_NAG,
        first_seen_run: 'r-before',
        last_seen_run: 'r-after',
        runs: 'r-after,r-before',
      },
    ]);

    const dismissed = await new PostedStore(db).dismissed({
      platform: 'github',
      repo: 'acme/ios-app',
      pr: 12,
    });
    expect([ats, nag].map((f) => dismissed(f.fingerprint))).toEqual([false, true]);
    const regated = regate(report('r-after', 'h1', [ats, nag]), (fp) =>
      dismissed(fp) ? { by: 'dev', source: 'command' } : undefined,
    );
    expect(regated?.dismissed.map((d) => d.finding.fingerprint)).toEqual([STORED_NAG]);
  });
});
