/**
 * The usefulness measures on a scripted history of pull requests (PGlite): findings of two agents
 * over four PRs, some fixed by a later push, dismissed, resolved by a person, or open at merge.
 */
import { PgliteDatabase } from './pglite';
import { runMigrations } from './migrations';
import type { SqlDatabase } from './database';
import { renderUsefulnessTable, usefulnessReport } from './usefulness';

interface Scripted {
  pr: number;
  fp: string;
  agent: string;
  rule?: string;
  category?: string;
  model?: string;
  repo?: string;
  state?: 'open' | 'fixed' | 'dismissed';
  inline?: boolean;
  resolved?: boolean;
  created?: string;
}

describe('usefulnessReport', () => {
  let db: SqlDatabase;

  const finding = async (s: Scripted): Promise<string> => {
    const repo = s.repo ?? 'acme/app';
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO findings (platform, repo, pr, workflow, fingerprint, state, file, start_line, end_line, severity, category, message, confidence, agent, model, source, rule_id,
                             first_seen_run, first_seen_sha, last_seen_run, last_seen_sha, created_at)
       VALUES ('github', $1, $2, 'review', $3, $4, 'a.ts', 1, 2, 'major', $5, 'm', 0.9, $6, $7, 'llm', $8, 'r1', 'sha1', 'r1', 'sha1', $9) RETURNING id`,
      [
        repo,
        s.pr,
        s.fp,
        s.state ?? 'open',
        s.category ?? 'bug',
        s.agent,
        s.model ?? 'claude',
        s.rule ?? null,
        s.created ?? '2026-11-10T00:00:00Z',
      ],
    );
    if (s.inline !== false) {
      await db.query(
        `INSERT INTO notifier_inline_comments (platform, repo, pr, workflow, fingerprint, comment_id, run_id, head_sha) VALUES ('github', $1, $2, 'review', $3, $4, 'r1', 'sha1')`,
        [repo, s.pr, s.fp, `c-${s.fp}`],
      );
    }
    if (s.resolved !== undefined) {
      await db.query(
        `INSERT INTO finding_signals (finding_id, signal, active, actor, occurred_at, delivery_id) VALUES ($1, 'thread_resolved', $2, 'dev', now(), 'd')`,
        [rows[0].id, s.resolved],
      );
    }
    return rows[0].id;
  };
  /** What the ingress writes when it records the merge. */
  const merge = async (pr: number) => {
    await db.query(
      `INSERT INTO finding_signals (finding_id, signal, active, occurred_at, delivery_id)
       SELECT id, 'open_at_merge', state = 'open', now(), 'merge' FROM findings WHERE repo = 'acme/app' AND pr = $1`,
      [pr],
    );
  };

  beforeAll(async () => {
    db = await PgliteDatabase.open();
    await runMigrations(db);
    // PR 1 (merged): security's 3 findings: one fixed, one dismissed, one open at merge (its thread resolved).
    await finding({ pr: 1, fp: 'p1-a', agent: 'security', rule: 'sec/secret', state: 'fixed' });
    await finding({ pr: 1, fp: 'p1-b', agent: 'security', rule: 'sec/secret', state: 'dismissed' });
    await finding({ pr: 1, fp: 'p1-c', agent: 'security', rule: 'sec/sql', resolved: true });
    // PR 2 (merged): style's 2 findings, both ignored; one only in the summary (no inline comment), one thread resolved then unresolved.
    await finding({ pr: 2, fp: 'p2-a', agent: 'style', inline: false, category: 'style', model: 'gpt' });
    await finding({ pr: 2, fp: 'p2-b', agent: 'style', category: 'style', model: 'gpt', resolved: false });
    // PR 3 (still open): one security finding fixed.
    await finding({ pr: 3, fp: 'p3-a', agent: 'security', rule: 'sec/sql', state: 'fixed' });
    // PR 4, before the window: a dismissed style finding.
    await finding({
      pr: 4,
      fp: 'p4-a',
      agent: 'style',
      state: 'dismissed',
      category: 'style',
      model: 'gpt',
      created: '2026-09-01T00:00:00Z',
    });
    await merge(1);
    await merge(2);
  });
  afterAll(async () => db.close());

  it('gives each agent its rates with the samples they divide by', async () => {
    const report = await usefulnessReport(db, { by: 'agent', since: new Date('2026-11-01T00:00:00Z') });
    expect(report.rows).toEqual([
      {
        key: 'security',
        findings: 4,
        pullRequests: 2,
        comments: 4,
        fixed: 2,
        suggestionsApplied: 0,
        actedOn: 2,
        dismissed: 1,
        resolved: 1,
        atMerge: 3,
        openAtMerge: 1,
        reactionsRead: 0,
        reactedUp: 0,
        reactedDown: 0,
        actedOnRate: 0.5,
        dismissalRate: 0.25,
        ignoredRate: 1 / 3,
        resolvedRate: 0.25,
        commentsPerPullRequest: 2,
        positiveReactionRate: null,
        negativeReactionRate: null,
      },
      {
        key: 'style',
        findings: 2,
        pullRequests: 1,
        comments: 1,
        fixed: 0,
        suggestionsApplied: 0,
        actedOn: 0,
        dismissed: 0,
        resolved: 0,
        atMerge: 2,
        openAtMerge: 2,
        reactionsRead: 0,
        reactedUp: 0,
        reactedDown: 0,
        actedOnRate: 0,
        dismissalRate: 0,
        ignoredRate: 1,
        resolvedRate: 0,
        commentsPerPullRequest: 1,
        positiveReactionRate: null,
        negativeReactionRate: null,
      },
    ]);
  });

  it('counts findings before the window only without --since', async () => {
    const all = await usefulnessReport(db, { by: 'agent' });
    expect(all.rows.find((r) => r.key === 'style')).toMatchObject({
      findings: 3,
      pullRequests: 2,
      dismissed: 1,
      atMerge: 2,
    });
  });

  it('groups by rule, a finding without a rule id under its category', async () => {
    const report = await usefulnessReport(db, { by: 'rule', since: new Date('2026-11-01T00:00:00Z') });
    expect(
      report.rows.map((r) => [r.key, r.findings, r.fixed, r.dismissed, r.openAtMerge, r.atMerge]),
    ).toEqual([
      ['category:style', 2, 0, 0, 2, 2],
      ['sec/secret', 2, 1, 1, 0, 2],
      ['sec/sql', 2, 1, 0, 1, 1],
    ]);
  });

  it('groups by model and by repository', async () => {
    expect((await usefulnessReport(db, { by: 'model' })).rows.map((r) => [r.key, r.findings])).toEqual([
      ['claude', 4],
      ['gpt', 3],
    ]);
    expect(
      (await usefulnessReport(db, { by: 'repo' })).rows.map((r) => [r.key, r.findings, r.pullRequests]),
    ).toEqual([['acme/app', 7, 4]]);
  });

  it('counts a finding acted on once when fixed and its suggestion applied, and the reactions read with their sample', async () => {
    const signal = (id: string, name: string, active: boolean) =>
      db.query(
        `INSERT INTO finding_signals (finding_id, signal, active, occurred_at, delivery_id) VALUES ($1, $2, $3, now(), 'h')`,
        [id, name, active],
      );
    const fixedApplied = await finding({
      pr: 5,
      fp: 'p5-a',
      agent: 'perf',
      state: 'fixed',
      repo: 'acme/perf',
    });
    const applied = await finding({ pr: 5, fp: 'p5-b', agent: 'perf', repo: 'acme/perf' });
    const untouched = await finding({ pr: 5, fp: 'p5-c', agent: 'perf', repo: 'acme/perf' });
    await signal(fixedApplied, 'suggestion_applied', true);
    await signal(applied, 'suggestion_applied', true);
    await signal(untouched, 'suggestion_applied', false);
    for (const [id, up, down] of [
      [fixedApplied, true, false],
      [applied, true, false],
      [untouched, false, true],
    ] as const) {
      await signal(id, 'reacted_up', up);
      await signal(id, 'reacted_down', down);
    }
    await db.query(
      `INSERT INTO pull_request_outcomes (platform, repo, pr, outcome, ended_at, delivery_id) VALUES ('github', 'acme/perf', 5, 'merged', '2026-11-20T00:00:00Z', 'd')`,
    );
    await db.query(
      `INSERT INTO summary_reactions (platform, repo, pr, workflow, positive, negative) VALUES ('github', 'acme/perf', 5, 'review', 2, 0)`,
    );
    const report = await usefulnessReport(db, { by: 'agent', since: new Date('2026-11-01T00:00:00Z') });
    expect(report.rows.find((r) => r.key === 'perf')).toMatchObject({
      findings: 3,
      fixed: 1,
      suggestionsApplied: 2,
      actedOn: 2,
      actedOnRate: 2 / 3,
      reactionsRead: 3,
      reactedUp: 2,
      reactedDown: 1,
      positiveReactionRate: 2 / 3,
      negativeReactionRate: 1 / 3,
    });
    expect(report.summaries).toEqual({ read: 1, positive: 1, negative: 0 });
    const text = renderUsefulnessTable(report);
    expect(text).toMatch(
      /\nperf\s+3\s+1\s+3\.00\s+66\.7% \(2\/3\)\s+0\.0% \(0\/3\)\s+- \(0\/0\)\s+0\.0% \(0\/3\)\s+2\/1 of 3\n/,
    );
    expect(text.split('\n').pop()).toBe(
      'summary comments: 1 of 1 with a positive reaction, 0 with a negative one',
    );
    expect((await usefulnessReport(db, { since: new Date('2026-11-21T00:00:00Z') })).summaries.read).toBe(0);
    await db.query(`DELETE FROM findings WHERE repo = 'acme/perf'`);
    await db.query(`DELETE FROM summary_reactions`);
  });

  it('renders a table with every rate and its sample, and says when there is nothing', async () => {
    const text = renderUsefulnessTable(
      await usefulnessReport(db, { by: 'agent', since: new Date('2026-11-01T00:00:00Z') }),
    );
    const lines = text.split('\n');
    expect(lines[0]).toBe('usefulness by agent of findings posted since 2026-11-01T00:00:00.000Z');
    expect(lines[2]).toMatch(
      /^security\s+4\s+2\s+2\.00\s+50\.0% \(2\/4\)\s+25\.0% \(1\/4\)\s+33\.3% \(1\/3\)\s+25\.0% \(1\/4\)\s+-$/,
    );
    expect(
      renderUsefulnessTable(await usefulnessReport(db, { since: new Date('2027-01-01T00:00:00Z') })),
    ).toBe('no findings on pull requests since 2027-01-01T00:00:00.000Z');
  });
});
