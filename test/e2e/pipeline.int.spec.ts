/**
 * The whole pipeline, once per infrastructure: signed pull_request.opened webhooks for the two
 * sample apps into the ingress, through coordinator, agents and gateway (offline fake vendor), out
 * as a summary comment, inline comments and a check run on the fake GitHub, a Slack message, and
 * database rows. Same test on the embedded bus + PGlite and on NATS JetStream + PostgreSQL (own
 * subject prefix and schema, deleted after).
 */
jest.mock(
  '@octokit/webhooks-methods',
  () => jest.requireActual(`${process.cwd()}/node_modules/@octokit/webhooks-methods/dist-node/index.js`),
  { virtual: true },
);

import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { deleteTopology } from '@agentflow/bus';
import { runDemo, type DemoResult } from '../../cli/src/demo/run-demo';
import { ProgressDisplay } from '../../cli/src/progress/progress';

const DB_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const NATS_URL = process.env.NATS_URL || 'nats://127.0.0.1:4222';

interface Landed {
  result: DemoResult;
  delivered: Array<{ sink: string; state: string }>;
  completedRuns: number;
}

async function runPipeline(infra: Parameters<typeof runDemo>[0]['infra']): Promise<Landed> {
  let delivered: Landed['delivered'] = [];
  let completedRuns = 0;
  const result = await runDemo({
    env: { ...process.env, ANTHROPIC_API_KEY: '', OPENAI_API_KEY: '' },
    progress: new ProgressDisplay({ write: () => undefined }, { colour: false, quiet: true }),
    timeoutMs: 150_000,
    infra,
    beforeShutdown: async (stack) => {
      const { db, bus, context } = stack.running;
      delivered = (
        await db.query<{ sink: string; state: string }>(
          'SELECT sink, state FROM notifier_deliveries ORDER BY sink',
        )
      ).rows;
      completedRuns = Number(
        (
          await db.query<{ n: string }>(
            `SELECT count(*) AS n FROM runs WHERE status = 'completed' AND gate_conclusion IS NOT NULL`,
          )
        ).rows[0].n,
      );
      if (infra) await deleteTopology(bus, context.topology).catch(() => undefined);
    },
  });
  return { result, delivered, completedRuns };
}

const cases: Array<[string, () => Parameters<typeof runDemo>[0]['infra']]> = [
  ['the embedded bus and PGlite', () => undefined],
  [
    'NATS JetStream and PostgreSQL',
    () => {
      const id = `t_pipe_${randomUUID().slice(0, 8)}`;
      return { natsUrl: NATS_URL, databaseUrl: DB_URL, schema: id, busPrefix: id };
    },
  ],
];

describe.each(cases)('signed webhook to comment, check run, Slack and rows on %s', (_name, infraOf) => {
  const infra = infraOf();
  let landed: Landed;

  beforeAll(async () => {
    landed = await runPipeline(infra);
  }, 240_000);

  afterAll(async () => {
    if (!infra) return;
    const client = new Client({ connectionString: DB_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${infra.schema}" CASCADE`);
    await client.end();
  });

  it('posts one comment per pull request with a section per workflow run, for the reviewed head, with inline comments', () => {
    for (const pr of landed.result.pullRequests) {
      expect(pr.runs.length).toBeGreaterThan(0);
      // One voice per pull request (ADR 0079).
      expect(pr.summaryComments).toHaveLength(1);
      for (const run of pr.runs)
        expect(pr.summaryComments[0].body).toContain(`<!-- agentflow:section workflow=${run.workflow} -->`);
      for (const c of pr.summaryComments) {
        expect(c.body).toContain('agentflow:summary');
        expect(c.body).toContain(pr.headSha.slice(0, 12));
      }
      expect(pr.inlineComments.length).toBeGreaterThan(0);
    }
  });

  it('completes a check run on the head commit for each gated workflow', () => {
    const checks = landed.result.pullRequests.flatMap((pr) =>
      pr.checkRuns.map((c) => ({ ...c, expectedHead: pr.headSha })),
    );
    expect(checks.length).toBeGreaterThan(0);
    for (const c of checks) {
      expect(c.status).toBe('completed');
      expect(c.head_sha).toBe(c.expectedHead);
      expect(['success', 'failure', 'neutral']).toContain(c.conclusion);
    }
  });

  it('sends the Slack message and records every run, finding and delivery', () => {
    expect(landed.result.slackMessages.length).toBeGreaterThan(0);
    const counts = landed.result.rowCounts;
    const runs = landed.result.pullRequests.flatMap((p) => p.runs);
    expect(counts.webhook_deliveries).toBe(2);
    expect(counts.runs).toBe(runs.length);
    expect(landed.completedRuns).toBe(runs.length);
    expect(counts.findings).toBeGreaterThan(0);
    expect(counts.cost_ledger).toBeGreaterThan(0);
    expect(landed.delivered.length).toBeGreaterThanOrEqual(runs.length * 2);
    expect(landed.delivered.filter((d) => d.state !== 'delivered' && d.state !== 'skipped')).toEqual([]);
    expect(new Set(landed.delivered.map((d) => d.sink))).toEqual(new Set(['database', 'github', 'slack']));
  });
});
