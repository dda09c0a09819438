/**
 * Quieting on PGlite and the fake GitHub: a rule dismissed more than the threshold in a repository,
 * over the minimum sample, is kept from inline comments there (or shown one severity lower), each
 * change is recorded and logged, and the summary says "quieted: rule X, dismissed N of M times here".
 */
import type { Finding, RunReport } from '@agentflow/contracts';
import { startFakeGitHub, startFakeGitLab, type FakeGitHub } from '@agentflow/fake-platforms';
import { PgliteDatabase, runMigrations, type SqlDatabase } from '@agentflow/store';
import { readNotifierConfig } from '../config';
import { GitHubAccess } from '../sinks/github/github-access';
import { GitHubSink } from '../sinks/github/github-sink';
import { GitLabApi } from '../sinks/gitlab/gitlab-api';
import { GitLabSink } from '../sinks/gitlab/gitlab-sink';
import { PostedStore } from '../sinks/posted-store';
import { applyQuieting, Quieting, type QuietPolicy } from './quieting';

const HEAD = 'c'.repeat(40);
const PATCH = '@@ -1,1 +1,4 @@\n import UIKit\n+let a = 1\n+let b = 2\n+let c = 3';
const finding = (fp: string, over: Partial<Finding> = {}): Finding => ({
  file: 'A.swift',
  startLine: 2,
  endLine: 2,
  severity: 'major',
  category: 'style',
  message: `problem ${fp}`,
  confidence: 0.9,
  agent: 'style',
  model: 'rules',
  source: 'analyzer',
  ruleId: 'ios.naming',
  fingerprint: fp,
  ...over,
});
const report = (runId: string, findings: Finding[]): RunReport => ({
  runId,
  workflow: 'review',
  change: { platform: 'github', repo: 'acme/quiet', pr: 5, headSha: HEAD, headRef: 'f', baseRef: 'main' },
  findings,
  findingStates: {},
  notReviewed: [],
  proposedFiles: [],
  steps: {},
  usage: {
    inputTokens: 1,
    outputTokens: 1,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: 0,
    vendorMs: 0,
    models: [],
  },
  startedAt: 0,
  finishedAt: Date.now(),
  gateConclusion: 'failure',
  gateSummary: '1 major finding',
  rollout: 'gate',
  outputs: {},
});

describe('quieting', () => {
  let db: SqlDatabase;
  let gh: FakeGitHub;
  const logged: string[] = [];
  const policy: QuietPolicy = {
    dismissalRate: 0.5,
    minSample: 4,
    action: 'summary',
    by: ['rule', 'agent'],
    windowDays: 90,
  };

  /** `n` findings of a rule on earlier PRs of the repository, `dismissed` of them dismissed. */
  const history = async (
    repo: string,
    rule: string,
    agent: string,
    n: number,
    dismissed: number,
    platform = 'github',
  ) => {
    for (let i = 0; i < n; i++) {
      await db.query(
        `INSERT INTO findings (platform, repo, pr, workflow, fingerprint, state, file, start_line, end_line, severity, category, message, confidence, agent, model, source, rule_id,
                               first_seen_run, first_seen_sha, last_seen_run, last_seen_sha)
         VALUES ($7, $1, $2, 'review', $3, $4, 'A.swift', 1, 1, 'major', 'style', 'm', 1, $5, 'rules', 'rules', $6, 'r', 's', 'r', 's')`,
        [repo, 100 + i, `${rule}-${i}`, i < dismissed ? 'dismissed' : 'open', agent, rule, platform],
      );
    }
  };
  const changes = async () =>
    (
      await db.query<{ kind: string; key: string; change: string; dismissed: number; findings: number }>(
        `SELECT kind, key, change, dismissed, findings FROM quieting_changes WHERE repo = 'acme/quiet' ORDER BY id`,
      )
    ).rows;

  beforeAll(async () => {
    db = await PgliteDatabase.open();
    await runMigrations(db);
    gh = await startFakeGitHub();
    gh.seedPullRequest({
      owner: 'acme',
      repo: 'quiet',
      number: 5,
      headSha: HEAD,
      baseSha: 'b'.repeat(40),
      files: [{ filename: 'A.swift', status: 'modified', additions: 3, deletions: 0, patch: PATCH }],
      contents: { 'A.swift': 'import UIKit\n' },
    });
    // ios.naming (agent style): dismissed 4 of 5 times here; ios.ats (agent security): 1 of 5; ios.rare: 2 of 2, under the sample.
    await history('acme/quiet', 'ios.naming', 'style', 5, 4);
    await history('acme/quiet', 'ios.ats', 'security', 5, 1);
    await history('acme/quiet', 'ios.rare', 'security', 2, 2);
    // The same rule in another repository is judged there, not here.
    await history('acme/other', 'ios.ats', 'security', 4, 4);
  });
  afterAll(async () => {
    await gh.close();
    await db.close();
  });

  it('reads its settings from the environment, off unless a rate is set', () => {
    expect(readNotifierConfig({}).quiet).toBeUndefined();
    expect(
      readNotifierConfig({
        NOTIFIER_QUIET_DISMISSAL_RATE: '0.6',
        NOTIFIER_QUIET_ACTION: 'lower-severity',
        NOTIFIER_QUIET_BY: 'rule',
      }).quiet,
    ).toEqual({
      dismissalRate: 0.6,
      minSample: 20,
      action: 'lower-severity',
      by: ['rule'],
      windowDays: 90,
    });
    expect(() => readNotifierConfig({ NOTIFIER_QUIET_DISMISSAL_RATE: '1' })).toThrow(/above 0 and below 1/);
    expect(() =>
      readNotifierConfig({ NOTIFIER_QUIET_DISMISSAL_RATE: '0.5', NOTIFIER_QUIET_ACTION: 'mute' }),
    ).toThrow(/summary, lower-severity/);
    expect(() =>
      readNotifierConfig({ NOTIFIER_QUIET_DISMISSAL_RATE: '0.5', NOTIFIER_QUIET_BY: 'model' }),
    ).toThrow(/rule, agent or both/);
  });

  it('lowers severity once, keeps summary-quieted findings from inline, and leaves the rest alone', () => {
    const groups = [
      {
        kind: 'rule' as const,
        key: 'ios.naming',
        dismissed: 4,
        findings: 5,
        action: 'lower-severity' as const,
      },
      { kind: 'agent' as const, key: 'style', dismissed: 4, findings: 5, action: 'lower-severity' as const },
      { kind: 'rule' as const, key: 'category:docs', dismissed: 9, findings: 10, action: 'summary' as const },
    ];
    const out = applyQuieting(
      [
        finding('a', { severity: 'blocker' }),
        finding('b', { ruleId: undefined, category: 'docs', agent: 'docs' }),
        finding('c', { ruleId: 'ios.ats', agent: 'security' }),
      ],
      groups,
    );
    expect(out.findings.map((f) => [f.fingerprint, f.severity])).toEqual([
      ['a', 'major'],
      ['b', 'major'],
      ['c', 'major'],
    ]);
    expect([...out.summaryOnly]).toEqual(['b']);
    expect(out.notes.map((n) => `${n.kind}:${n.key}`)).toEqual([
      'agent:style',
      'rule:category:docs',
      'rule:ios.naming',
    ]);
  });

  it('quiets the rule and agent dismissed over the threshold here, records each change once, and restores them when that stops', async () => {
    const quieting = new Quieting(db, policy, { log: (m) => logged.push(m) });
    const groups = await quieting.groups('github', 'acme/quiet', 'run-1');
    expect(groups.map((g) => [g.kind, g.key, g.dismissed, g.findings])).toEqual([
      ['agent', 'style', 4, 5],
      ['rule', 'ios.naming', 4, 5],
    ]);
    await quieting.groups('github', 'acme/quiet', 'run-2');
    expect(await changes()).toEqual([
      { kind: 'agent', key: 'style', change: 'quieted', dismissed: 4, findings: 5 },
      { kind: 'rule', key: 'ios.naming', change: 'quieted', dismissed: 4, findings: 5 },
    ]);
    expect(logged).toEqual([
      'notifier: agent style quieted (summary) in acme/quiet: dismissed 4 of 5 times in 90 days (threshold 0.5 over at least 4)',
      'notifier: rule ios.naming quieted (summary) in acme/quiet: dismissed 4 of 5 times in 90 days (threshold 0.5 over at least 4)',
    ]);
    // Three more findings of the rule acted on: 4 of 8 is not over one half.
    for (let i = 0; i < 3; i++) {
      await db.query(
        `INSERT INTO findings (platform, repo, pr, workflow, fingerprint, state, file, start_line, end_line, severity, category, message, confidence, agent, model, source, rule_id,
                               first_seen_run, first_seen_sha, last_seen_run, last_seen_sha)
         VALUES ('github', 'acme/quiet', $1, 'review', $2, 'fixed', 'A.swift', 1, 1, 'major', 'style', 'm', 1, 'style', 'rules', 'rules', 'ios.naming', 'r', 's', 'r', 's')`,
        [200 + i, `later-${i}`],
      );
    }
    expect(await quieting.groups('github', 'acme/quiet', 'run-3')).toEqual([]);
    expect((await changes()).slice(2)).toEqual([
      { kind: 'agent', key: 'style', change: 'restored', dismissed: 4, findings: 8 },
      { kind: 'rule', key: 'ios.naming', change: 'restored', dismissed: 4, findings: 8 },
    ]);
    await db.query(`DELETE FROM findings WHERE fingerprint LIKE 'later-%'`);
  });

  it('moves the quieted rule to the summary on GitHub and says why, while the check keeps the agents severities', async () => {
    const sink = new GitHubSink({
      access: new GitHubAccess({ apiUrl: gh.apiUrl, token: 'ghs_quiet' }),
      posted: new PostedStore(db),
      defaultMaxInline: 8,
      maxWaitMs: 3000,
      quieting: new Quieting(db, policy, { log: (m) => logged.push(m) }),
    });
    const result = await sink.deliver({
      kind: 'completed',
      report: report('run-q', [
        finding('fp-naming-000001'),
        finding('fp-ats-000000001', { ruleId: 'ios.ats', agent: 'security', startLine: 3, endLine: 3 }),
      ]),
    });
    expect(result.state).toBe('delivered');
    expect(result.data?.quieted).toEqual(['agent:style', 'rule:ios.naming']);
    // Only the security finding is an inline comment; the quieted one is listed in the summary.
    expect(gh.state.reviewComments.map((c) => c.body).filter((b) => b.includes('problem'))).toEqual([
      expect.stringContaining('problem fp-ats'),
    ]);
    const summary = gh.state.commentsOn('acme/quiet', 5)[0].body;
    expect(summary).toContain('problem fp-naming');
    expect(summary).toContain(
      '- quieted: rule `ios.naming`, dismissed 4 of 5 times here (listed here instead of inline)',
    );
    expect(summary).toContain(
      '- quieted: agent `style`, dismissed 4 of 5 times here (listed here instead of inline)',
    );
    expect(gh.state.checkRuns.find((c) => c.external_id === 'run-q')?.conclusion).toBe('failure');
  });

  it('keeps the quieted findings and the note when a dismissal re-renders the summary', async () => {
    const sink = new GitHubSink({
      access: new GitHubAccess({ apiUrl: gh.apiUrl, token: 'ghs_quiet' }),
      posted: new PostedStore(db),
      defaultMaxInline: 8,
      maxWaitMs: 3000,
      quieting: new Quieting(db, policy, { log: (m) => logged.push(m) }),
    });
    const naming = finding('fp-naming-000001');
    const ats = finding('fp-ats-000000001', {
      ruleId: 'ios.ats',
      agent: 'security',
      startLine: 3,
      endLine: 3,
    });
    const original = report('run-q', [naming, ats]);
    const adjusted = {
      ...original,
      findings: [naming],
      gateConclusion: 'success' as const,
      gateSummary: 'nothing blocks',
    };
    const result = await sink.deliver({
      kind: 'gate-reassessment',
      regated: {
        original,
        adjusted,
        dismissed: [{ finding: ats, by: 'ios-dev', source: 'command' }],
        before: { conclusion: 'failure', reason: '1 major finding' },
        after: { conclusion: 'success', reason: 'nothing blocks' },
      },
    });
    expect(result.state).toBe('delivered');
    const summary = gh.state.commentsOn('acme/quiet', 5)[0].body;
    expect(summary).toContain('Dismissed since this review');
    expect(summary).toContain(
      '- quieted: rule `ios.naming`, dismissed 4 of 5 times here (listed here instead of inline)',
    );
    expect(summary).toContain('problem fp-naming');
  });

  it('shows quieted findings one severity lower with lower-severity', async () => {
    await db.query(`DELETE FROM quieting_changes`);
    const sink = new GitHubSink({
      access: new GitHubAccess({ apiUrl: gh.apiUrl, token: 'ghs_quiet' }),
      posted: new PostedStore(db),
      defaultMaxInline: 8,
      maxWaitMs: 3000,
      quieting: new Quieting(
        db,
        { ...policy, action: 'lower-severity', by: ['rule'] },
        { log: (m) => logged.push(m) },
      ),
    });
    await sink.deliver({
      kind: 'completed',
      report: { ...report('run-l', [finding('fp-naming-000002')]), workflow: 'lint' },
    });
    const section = gh.state.commentsOn('acme/quiet', 5)[0].body;
    expect(section).toMatch(/\*\*minor\*\* `A\.swift:2` problem fp-naming-000002/);
    expect(section).toContain(
      '- quieted: rule `ios.naming`, dismissed 4 of 5 times here (shown one severity lower)',
    );
    // The review workflow's section above still names the agent, quieted then; this one (rules only) does not.
    expect(section).not.toContain(
      'quieted: agent `style`, dismissed 4 of 5 times here (shown one severity lower)',
    );
  });
  it('quiets on GitLab too: no discussion for the quieted rule, the note says why', async () => {
    await db.query(`DELETE FROM quieting_changes`);
    await history('acme/gl-quiet', 'ios.naming', 'style', 5, 4, 'gitlab');
    const gl = await startFakeGitLab();
    try {
      const head = 'd'.repeat(40);
      gl.seedMergeRequest({
        projectId: 7,
        projectPath: 'acme/gl-quiet',
        iid: 2,
        title: 't',
        state: 'opened',
        author: 'dev',
        sourceBranch: 'f',
        targetBranch: 'main',
        headSha: head,
        baseSha: 'b'.repeat(40),
        diffs: [
          {
            old_path: 'A.swift',
            new_path: 'A.swift',
            diff: PATCH,
            new_file: false,
            renamed_file: false,
            deleted_file: false,
          },
        ],
      });
      const sink = new GitLabSink(
        new GitLabApi(gl.apiUrl, 'glpat', 2000),
        new PostedStore(db),
        8,
        new Quieting(db, policy, { log: (m) => logged.push(m) }),
      );
      const base = report('run-gl', [
        finding('fp-gl-naming-01'),
        finding('fp-gl-ats-00001', { ruleId: 'ios.ats', agent: 'security', startLine: 3, endLine: 3 }),
      ]);
      const result = await sink.deliver({
        kind: 'completed',
        report: {
          ...base,
          change: { platform: 'gitlab', repo: 'acme/gl-quiet', pr: 2, headSha: head, projectId: 7 },
        },
      });
      expect(result.data?.quieted).toEqual(['agent:style', 'rule:ios.naming']);
      expect(gl.notes.filter((n) => n.discussionId).map((n) => n.body)).toEqual([
        expect.stringContaining('problem fp-gl-ats'),
      ]);
      const note = gl.notes.find((n) => !n.discussionId)!.body;
      expect(note).toContain('problem fp-gl-naming-01');
      expect(note).toContain(
        '- quieted: rule `ios.naming`, dismissed 4 of 5 times here (listed here instead of inline)',
      );
    } finally {
      await gl.close();
    }
  });
});
