/**
 * `agentflow usefulness` against a real PostgreSQL (its own schema, migrated): a scripted history
 * of four pull requests whose findings were fixed by a later push, dismissed, resolved by a person
 * or still open at merge, printed as the table, as JSON, and grouped by rule and repository.
 */
import { randomBytes } from 'node:crypto';
import { Command } from 'commander';
import { Client } from 'pg';
import { USEFULNESS_GROUPS, openDatabase, type SqlDatabase } from '@agentflow/store';
import { registerUsefulness, USEFULNESS_BY } from './usefulness';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function run(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk) => ((out += String(chunk)), true));
  const stderr = jest
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk) => ((err += String(chunk)), true));
  const saved = { exitCode: process.exitCode, env: { ...process.env } };
  Object.assign(process.env, env);
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
  try {
    const program = new Command('agentflow').exitOverride();
    registerUsefulness(program);
    await program.parseAsync(['node', 'agentflow', 'usefulness', ...args]);
    return { code: Number(process.exitCode ?? 0), out, err };
  } finally {
    process.exitCode = saved.exitCode;
    process.env = saved.env;
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

describe('agentflow usefulness on PostgreSQL', () => {
  const schema = `t_usefulness_${randomBytes(4).toString('hex')}`;
  let db: SqlDatabase;

  const finding = async (f: {
    repo?: string;
    pr: number;
    fp: string;
    agent: string;
    rule?: string;
    state?: string;
    inline?: boolean;
    created?: string;
  }) => {
    const repo = f.repo ?? 'acme/ios-app';
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO findings (platform, repo, pr, workflow, fingerprint, state, file, start_line, end_line, severity, category, message, confidence, agent, model, source, rule_id,
                             first_seen_run, first_seen_sha, last_seen_run, last_seen_sha, created_at)
       VALUES ('github', $1, $2, 'review', $3, $4, 'App.swift', 3, 4, 'major', 'bug', 'm', 0.9, $5, 'claude-sonnet-4', 'llm', $6, 'r1', 's1', 'r1', 's1', $7) RETURNING id`,
      [repo, f.pr, f.fp, f.state ?? 'open', f.agent, f.rule ?? null, f.created ?? '2026-11-10T09:00:00Z'],
    );
    if (f.inline !== false) {
      await db.query(
        `INSERT INTO notifier_inline_comments (platform, repo, pr, workflow, fingerprint, comment_id, run_id, head_sha) VALUES ('github', $1, $2, 'review', $3, $4, 'r1', 's1')`,
        [repo, f.pr, f.fp, `c-${f.fp}`],
      );
    }
    return rows[0].id;
  };
  const resolved = (id: string) =>
    db.query(
      `INSERT INTO finding_signals (finding_id, signal, active, actor, occurred_at, delivery_id) VALUES ($1, 'thread_resolved', true, 'dev', '2026-11-11T09:00:00Z', 'd-t')`,
      [id],
    );
  /** What the notifier's harvest writes after the PR ended: a reaction read, a suggestion found applied. */
  const harvested = (
    id: string,
    signal: 'reacted_up' | 'reacted_down' | 'suggestion_applied',
    active: boolean,
  ) =>
    db.query(
      `INSERT INTO finding_signals (finding_id, signal, active, occurred_at, delivery_id) VALUES ($1, $2, $3, '2026-11-13T09:00:00Z', 'harvest')`,
      [id, signal, active],
    );
  const merged = async (repo: string, pr: number) => {
    await db.query(
      `INSERT INTO finding_signals (finding_id, signal, active, occurred_at, delivery_id)
       SELECT id, 'open_at_merge', state = 'open', '2026-11-12T09:00:00Z', 'd-m' FROM findings WHERE repo = $1 AND pr = $2`,
      [repo, pr],
    );
    await db.query(
      `INSERT INTO pull_request_outcomes (platform, repo, pr, outcome, ended_at, delivery_id) VALUES ('github', $1, $2, 'merged', '2026-11-12T09:00:00Z', 'd-m')`,
      [repo, pr],
    );
  };

  beforeAll(async () => {
    db = await openDatabase({ databaseUrl: DATABASE_URL, schema, migrate: true, maxConnections: 2 });
    // PR 1, merged: security fixed one secret (👍), one was dismissed, the SQL one stayed open (its thread
    // resolved, 👎) though its suggestion was applied; the summary got a 👍.
    const p1a = await finding({ pr: 1, fp: 'p1-a', agent: 'security', rule: 'sec/secret', state: 'fixed' });
    await finding({ pr: 1, fp: 'p1-b', agent: 'security', rule: 'sec/secret', state: 'dismissed' });
    const p1c = await finding({ pr: 1, fp: 'p1-c', agent: 'security', rule: 'sec/sql' });
    await resolved(p1c);
    await merged('acme/ios-app', 1);
    await harvested(p1a, 'reacted_up', true);
    await harvested(p1a, 'reacted_down', false);
    await harvested(p1c, 'reacted_up', false);
    await harvested(p1c, 'reacted_down', true);
    await harvested(p1c, 'suggestion_applied', true);
    await db.query(
      `INSERT INTO summary_reactions (platform, repo, pr, workflow, positive, negative) VALUES ('github', 'acme/ios-app', 1, 'review', 1, 0)`,
    );
    // PR 2, merged: style's two findings ignored, one only in the summary; its comment's reactions read, none.
    const p2a = await finding({ pr: 2, fp: 'p2-a', agent: 'style', rule: 'style/naming' });
    await finding({ pr: 2, fp: 'p2-b', agent: 'style', rule: 'style/naming', inline: false });
    await merged('acme/ios-app', 2);
    await harvested(p2a, 'reacted_up', false);
    await harvested(p2a, 'reacted_down', false);
    // PR 3 on another repository, still open: one style finding dismissed.
    await finding({
      repo: 'acme/android-app',
      pr: 3,
      fp: 'p3-a',
      agent: 'style',
      rule: 'style/naming',
      state: 'dismissed',
    });
    // PR 4, in September: a security finding fixed, outside --since 2026-11-01.
    await finding({
      pr: 4,
      fp: 'p4-a',
      agent: 'security',
      rule: 'sec/sql',
      state: 'fixed',
      created: '2026-09-03T09:00:00Z',
    });
  });
  afterAll(async () => {
    await db.close();
    const client = new Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });

  it('prints per agent each rate beside its sample, for findings since the date', async () => {
    const result = await run(['--since', '2026-11-01', '--database', DATABASE_URL, '--schema', schema]);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const lines = result.out.trimEnd().split('\n');
    expect(lines[0]).toBe('usefulness by agent of findings posted since 2026-11-01T00:00:00.000Z');
    expect(lines[1]).toMatch(
      /^agent\s+findings\s+PRs\s+comments\/PR\s+acted-on \(fixed\/applied\)\s+dismissed\s+ignored \(open at merge\)\s+threads resolved\s+reactions \+\/-$/,
    );
    // security: 3 findings on 1 PR, 3 comments; 1 fixed and 1 applied, 1 dismissed, 1 of 3 open at merge, 1 of 3 threads
    // resolved, of 2 comments read one 👍 and one 👎.
    expect(lines[2]).toMatch(
      /^security\s+3\s+1\s+3\.00\s+66\.7% \(2\/3\)\s+33\.3% \(1\/3\)\s+33\.3% \(1\/3\)\s+33\.3% \(1\/3\)\s+1\/1 of 2$/,
    );
    // style: 3 findings on 2 PRs, 2 comments; none fixed, 1 dismissed, both of PR 2 open at merge (PR 3 not merged), no thread resolved.
    expect(lines[3]).toMatch(
      /^style\s+3\s+2\s+1\.00\s+0\.0% \(0\/3\)\s+33\.3% \(1\/3\)\s+100\.0% \(2\/2\)\s+0\.0% \(0\/2\)\s+0\/0 of 1$/,
    );
    expect(lines[4]).toBe('summary comments: 1 of 1 with a positive reaction, 0 with a negative one');
    expect(lines).toHaveLength(5);
  });

  it('takes DATABASE_URL and DATABASE_SCHEMA, groups by rule and repository, and prints JSON', async () => {
    const env = { DATABASE_URL, DATABASE_SCHEMA: schema };
    const byRule = JSON.parse((await run(['--by', 'rule', '--format', 'json'], env)).out);
    expect(byRule.by).toBe('rule');
    expect(byRule.since).toBeNull();
    expect(
      byRule.rows.map((r: { key: string; findings: number; fixed: number; dismissed: number }) => [
        r.key,
        r.findings,
        r.fixed,
        r.dismissed,
      ]),
    ).toEqual([
      ['style/naming', 3, 0, 1],
      ['sec/secret', 2, 1, 1],
      ['sec/sql', 2, 1, 0],
    ]);
    const byRepo = JSON.parse(
      (await run(['--by', 'repo', '--format', 'json', '--since', '2026-11-01T00:00:00Z'], env)).out,
    );
    expect(
      byRepo.rows.map(
        (r: { key: string; findings: number; pullRequests: number; commentsPerPullRequest: number }) => [
          r.key,
          r.findings,
          r.pullRequests,
          r.commentsPerPullRequest,
        ],
      ),
    ).toEqual([
      ['acme/ios-app', 5, 2, 2],
      ['acme/android-app', 1, 1, 1],
    ]);
  });

  it('refuses an unknown group or date, and says where it looked for a database', async () => {
    await expect(run(['--by', 'team'])).rejects.toThrow(/choose from agent, rule, category, model, repo/);
    await expect(run(['--since', 'last week'])).rejects.toThrow(/expected a date/);
    const none = await run([], {
      DATABASE_URL: undefined,
      AGENTFLOW_DATA_DIR: `/tmp/af-usefulness-none-${schema}`,
    });
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/^agentflow usefulness: no database: pass --database or set DATABASE_URL/);
  });

  it('offers exactly the groups the store computes', () => {
    expect([...USEFULNESS_BY]).toEqual([...USEFULNESS_GROUPS]);
  });
});
