/**
 * The usefulness gauges on PGlite: a scripted history of two agents' findings, exported per group
 * kind and group with the samples, refreshed so a group that left the window leaves the series.
 */
import { PgliteDatabase, runMigrations, type SqlDatabase } from '@agentflow/store';
import { metricsRegistry } from '@agentflow/telemetry';
import { UsefulnessGauges } from './usefulness-gauges';

describe('usefulness gauges', () => {
  let db: SqlDatabase;
  let now = new Date('2026-11-30T12:00:00Z');
  const warnings: string[] = [];
  const gauges = (windowDays = 30) =>
    new UsefulnessGauges({
      db,
      intervalMs: 60_000,
      windowDays,
      log: { warn: (m) => warnings.push(m) },
      now: () => now,
    });
  const series = async (name: string) =>
    (await metricsRegistry.metrics()).split('\n').filter((l) => l.startsWith(`${name}{`));

  const finding = async (
    pr: number,
    fp: string,
    agent: string,
    state: string,
    created: string,
    inline = true,
  ) => {
    await db.query(
      `INSERT INTO findings (platform, repo, pr, workflow, fingerprint, state, file, start_line, end_line, severity, category, message, confidence, agent, model, source, rule_id,
                             first_seen_run, first_seen_sha, last_seen_run, last_seen_sha, created_at)
       VALUES ('github', 'acme/app', $1, 'review', $2, $3, 'a.ts', 1, 1, 'major', 'bug', 'm', 0.9, $4, 'claude', 'llm', $5, 'r', 's', 'r', 's', $6)`,
      [pr, fp, state, agent, `${agent}/rule`, created],
    );
    if (inline)
      await db.query(
        `INSERT INTO notifier_inline_comments (platform, repo, pr, workflow, fingerprint, comment_id, run_id, head_sha) VALUES ('github', 'acme/app', $1, 'review', $2, $3, 'r', 's')`,
        [pr, fp, `c-${fp}`],
      );
  };

  beforeAll(async () => {
    db = await PgliteDatabase.open();
    await runMigrations(db);
    // security, PR 1 (merged): one fixed, one dismissed, one open at merge; style, PR 2, in early November: one dismissed, only in the summary.
    await finding(1, 'a', 'security', 'fixed', '2026-11-25T00:00:00Z');
    await finding(1, 'b', 'security', 'dismissed', '2026-11-25T00:00:00Z');
    await finding(1, 'c', 'security', 'open', '2026-11-25T00:00:00Z');
    await db.query(
      `INSERT INTO finding_signals (finding_id, signal, active, occurred_at, delivery_id) SELECT id, 'open_at_merge', state = 'open', now(), 'm' FROM findings WHERE pr = 1`,
    );
    await finding(2, 'd', 'style', 'dismissed', '2026-11-05T00:00:00Z', false);
  });
  afterAll(async () => db.close());

  it('exports each rate and its sample per group kind and group', async () => {
    await gauges().refreshOnce();
    const rates = await series('agentflow_usefulness_rate');
    expect(rates).toEqual(
      expect.arrayContaining([
        'agentflow_usefulness_rate{by="agent",group="security",measure="acted_on"} 0.3333333333333333',
        'agentflow_usefulness_rate{by="agent",group="security",measure="dismissed"} 0.3333333333333333',
        'agentflow_usefulness_rate{by="agent",group="security",measure="ignored"} 0.3333333333333333',
        'agentflow_usefulness_rate{by="agent",group="security",measure="thread_resolved"} 0',
        'agentflow_usefulness_rate{by="agent",group="style",measure="dismissed"} 1',
        'agentflow_usefulness_rate{by="rule",group="style/rule",measure="dismissed"} 1',
        'agentflow_usefulness_rate{by="repo",group="acme/app",measure="acted_on"} 0.25',
      ]),
    );
    // style has no merge and no inline comment: no ignored or thread-resolved rate, rather than a made-up 0.
    expect(
      rates.filter((l) => l.includes('group="style"') && /measure="(ignored|thread_resolved)"/.test(l)),
    ).toEqual([]);
    expect(await series('agentflow_usefulness_sample')).toEqual(
      expect.arrayContaining([
        'agentflow_usefulness_sample{by="agent",group="security",sample="findings"} 3',
        'agentflow_usefulness_sample{by="agent",group="security",sample="at_merge"} 3',
        'agentflow_usefulness_sample{by="agent",group="security",sample="comments"} 3',
        'agentflow_usefulness_sample{by="agent",group="style",sample="at_merge"} 0',
        'agentflow_usefulness_sample{by="model",group="claude",sample="pull_requests"} 2',
      ]),
    );
    expect(await series('agentflow_usefulness_comments_per_pull_request')).toEqual(
      expect.arrayContaining([
        'agentflow_usefulness_comments_per_pull_request{by="agent",group="security"} 3',
        'agentflow_usefulness_comments_per_pull_request{by="agent",group="style"} 0',
      ]),
    );
  });

  it('drops the series of a group whose findings left the window', async () => {
    now = new Date('2026-12-10T12:00:00Z');
    await gauges().refreshOnce();
    const samples = await series('agentflow_usefulness_sample');
    expect(samples.some((l) => l.includes('group="style"'))).toBe(false);
    expect(samples).toContain('agentflow_usefulness_sample{by="agent",group="security",sample="findings"} 3');
  });

  it('refreshes at start, and keeps the last values with a warning when the store fails', async () => {
    await db.query(`UPDATE findings SET state = 'fixed' WHERE fingerprint = 'c'`);
    const g = gauges();
    g.start();
    await g.stop();
    expect(await series('agentflow_usefulness_rate')).toContain(
      'agentflow_usefulness_rate{by="agent",group="security",measure="acted_on"} 0.6666666666666666',
    );
    const broken = new UsefulnessGauges({
      db: { query: () => Promise.reject(new Error('connection refused')), exec: () => Promise.resolve() },
      intervalMs: 60_000,
      windowDays: 30,
      log: { warn: (m) => warnings.push(m) },
      now: () => now,
    });
    broken.start();
    await broken.stop();
    expect(warnings).toEqual([
      expect.stringMatching(
        /^notifier: refreshing the usefulness gauges failed, they keep their last values: .*connection refused/,
      ),
    ]);
    expect(await series('agentflow_usefulness_rate')).toContain(
      'agentflow_usefulness_rate{by="agent",group="security",measure="acted_on"} 0.6666666666666666',
    );
  });
});
