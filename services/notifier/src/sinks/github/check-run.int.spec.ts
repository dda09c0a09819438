/**
 * Issue 17, defect 1, on real PostgreSQL: with GitHub answering writes slowly and many results and
 * progress events at once, the notifier used to take every connection of its pool with waiters
 * blocked in pg_advisory_lock while each lock holder needed a second connection to finish: nothing
 * was ever delivered again. Every delivery must finish, with one check run per run.
 */
import { randomBytes } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import type { RunProgress, RunReport } from '@agentflow/contracts';
import { startFakeGitHub, type FakeGitHub } from '@agentflow/fake-platforms';
import { openDatabase, type SqlDatabase } from '@agentflow/store';
import { readNotifierConfig } from '../../config';
import { createNotifier } from '../../service';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PULLS = 20;
const WRITE_DELAY_MS = 400;

/** GitHub as it answered in the chaos test: every write takes a while. Reads pass straight through. */
async function slowWrites(target: string): Promise<{ url: string; server: Server }> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const forward = () => {
      const out = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: `${upstream.pathname.replace(/\/$/, '')}${req.url}`,
          method: req.method,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      req.pipe(out);
    };
    if (req.method === 'POST' || req.method === 'PATCH') setTimeout(forward, WRITE_DELAY_MS);
    else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('notifier on a small PostgreSQL pool with a slow GitHub', () => {
  const schema = `t_notifier_pool_${randomBytes(4).toString('hex')}`;
  let db: SqlDatabase;
  let gh: FakeGitHub;
  let proxy: { url: string; server: Server };

  beforeAll(async () => {
    // 4 connections for 60 concurrent deliveries: as 6 consumers at concurrency 8 shared 10.
    db = await openDatabase({ databaseUrl: DATABASE_URL, schema, maxConnections: 4, migrate: true });
    gh = await startFakeGitHub();
    for (let pr = 1; pr <= PULLS; pr++) {
      gh.seedPullRequest({
        owner: 'acme',
        repo: 'app',
        number: pr,
        headSha: headOf(pr),
        baseSha: 'b'.repeat(40),
        files: [
          {
            filename: 'A.swift',
            status: 'modified',
            additions: 1,
            deletions: 0,
            patch: '@@ -1,1 +1,2 @@\n import UIKit\n+let a = 1',
          },
        ],
      });
    }
    proxy = await slowWrites(gh.apiUrl);
  }, 60_000);

  afterAll(async () => {
    await db?.close();
    await gh?.close();
    await new Promise((resolve) => proxy?.server.close(resolve));
    const client = new Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });

  it('delivers every result and progress event, one check run per run, with more deliveries than connections', async () => {
    const warnings: string[] = [];
    const notifier = createNotifier(
      { db },
      readNotifierConfig({ GITHUB_API_URL: proxy.url, GITHUB_TOKEN: 'ghs_pool' }),
      { log: () => undefined, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) },
    );
    const deliveries: Array<Promise<unknown>> = [];
    for (let pr = 1; pr <= PULLS; pr++) {
      deliveries.push(notifier.dispatch({ kind: 'progress', progress: progress(pr, 'running') }, 1));
      deliveries.push(notifier.dispatch({ kind: 'progress', progress: progress(pr, 'succeeded') }, 1));
      deliveries.push(notifier.dispatch({ kind: 'completed', report: report(pr) }, 1));
    }
    let guard: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      Promise.allSettled(deliveries).then(() => 'all settled'),
      new Promise<string>(
        (resolve) =>
          (guard = setTimeout(() => resolve('deadlocked: deliveries still waiting after 90 s'), 90_000)),
      ),
    ]);
    clearTimeout(guard);
    expect(outcome).toBe('all settled');
    const results = await Promise.allSettled(deliveries);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    for (let pr = 1; pr <= PULLS; pr++) {
      const runs = gh.state.checkRuns.filter((c) => c.external_id === `run-${pr}`);
      expect(runs).toHaveLength(1);
      expect(runs[0].status).toBe('completed');
    }
    const { rows } = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM notifier_deliveries WHERE state <> 'delivered'`,
    );
    expect(Number(rows[0].n)).toBe(0);
  }, 120_000);
});

function headOf(pr: number): string {
  return pr.toString(16).padStart(40, 'e');
}

function progress(pr: number, state: 'running' | 'succeeded'): RunProgress {
  return {
    runId: `run-${pr}`,
    stepId: 'review',
    state,
    attempt: 1,
    change: { platform: 'github', repo: 'acme/app', pr, headSha: headOf(pr) },
    workflow: 'review',
    steps: { review: state },
  };
}

function report(pr: number): RunReport {
  return {
    runId: `run-${pr}`,
    workflow: 'review',
    change: { platform: 'github', repo: 'acme/app', pr, headSha: headOf(pr) },
    findings: [],
    findingStates: {},
    notReviewed: [],
    proposedFiles: [],
    steps: { review: { state: 'succeeded', attempts: 1, durationMs: 10 } },
    usage: {
      inputTokens: 1,
      outputTokens: 1,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      costUsd: 0,
      vendorMs: 0,
      models: [],
    },
    startedAt: Date.now() - 1000,
    finishedAt: Date.now(),
    gateConclusion: 'success',
    gateSummary: 'ok',
    rollout: 'comment',
    outputs: {},
  };
}
