/**
 * The seed's coverage-gated workflow (`workflows/test-generation.yml`: `test_coverage: "< 80%"`)
 * from a webhook, as deployed: the pull-request webhook arrives before CI has measured the head,
 * so the workflow waits; CI's `POST /api/coverage` for that head (an lcov report at 60 %) starts
 * it, and its check run lands on GitHub. A pull request whose CI never reports coverage is skipped
 * when the bounded wait ends, with a reason that says what to do.
 */
import { rmSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SAMPLE_APPS } from '../../cli/src/demo/sample-repos';
import { startStack, type Stack } from './stack';

const ADMIN = 'e2e-coverage-admin-token';
const WAIT_MS = 6000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** lcov for two Swift files: 6 of 10 lines run. */
const LCOV = [
  'SF:App/Checkout.swift',
  'DA:1,1',
  'DA:2,1',
  'DA:3,0',
  'DA:4,1',
  'DA:5,0',
  'LF:5',
  'LH:3',
  'end_of_record',
  'SF:App/Cart.swift',
  'DA:1,1',
  'DA:2,1',
  'DA:3,0',
  'DA:4,1',
  'DA:5,0',
  'LF:5',
  'LH:3',
  'end_of_record',
  '',
].join('\n');

describe("a coverage-gated workflow started by CI's coverage upload", () => {
  let stack: Stack;

  async function outcome(
    workflow: string,
    pr: number,
  ): Promise<{ outcome: string; reason: string | null; run_id: string | null } | undefined> {
    const { rows } = await stack.db.query<{ outcome: string; reason: string | null; run_id: string | null }>(
      'SELECT outcome, reason, run_id FROM ingress_trigger_outcomes WHERE workflow = $1 AND pr = $2',
      [workflow, pr],
    );
    return rows[0];
  }

  async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline)
        throw new Error(`${what} did not happen within ${timeoutMs} ms\n${stack.tail()}`);
      await sleep(200);
    }
  }

  beforeAll(async () => {
    stack = await startStack({
      samples: SAMPLE_APPS.filter((a) => a.repo === 'ios-app'),
      replicas: { coordinator: 1, gateway: 1, agents: 1, notifier: 1 },
      // Only the seed's test-generation workflow, as shipped.
      editConfig: (dir) => {
        for (const f of readdirSync(dir))
          if (
            /\.ya?ml$/.test(f) &&
            !['test-generation.yml', 'providers.yml', 'agents.yml', 'settings.yml', 'gateway.yml'].includes(f)
          )
            rmSync(join(dir, f));
      },
      serviceEnv: {
        ingress: {
          AGENTFLOW_API_TOKEN: ADMIN,
          INGRESS_COVERAGE_WAIT_MS: String(WAIT_MS),
          INGRESS_COVERAGE_SWEEP_MS: '500',
        },
      },
    });
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it('waits at the webhook, and starts when CI uploads a coverage under 80 % for the head', async () => {
    const seed = stack.sample('ios-app').seed;
    await stack.pullRequestEvent(seed);
    const waiting = await until('the wait', async () =>
      (await outcome('test-generation', 42))?.reason?.startsWith('waiting')
        ? outcome('test-generation', 42)
        : undefined,
    );
    expect(waiting.reason).toContain(`coverage report of ${seed.headSha.slice(0, 12)}`);

    const res = await fetch(`${stack.ingressUrl}/api/coverage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ repo: 'acme/ios-app', headSha: seed.headSha, report: { content: LCOV } }),
    });
    const body = (await res.json()) as {
      lineCoverage: number;
      runs: Array<{ runId: string; workflow: string }>;
    };
    expect(res.status).toBe(200);
    expect(body.lineCoverage).toBe(60);
    expect(body.runs.map((r) => r.workflow)).toEqual(['test-generation']);
    const runId = body.runs[0].runId;

    expect(await outcome('test-generation', 42)).toMatchObject({
      outcome: 'fired',
      run_id: runId,
      reason: null,
    });
    const run = await stack.db.query<{ workflow: string; head_sha: string; trigger: string }>(
      'SELECT workflow, head_sha, trigger FROM runs WHERE id = $1',
      [runId],
    );
    expect(run.rows[0]).toEqual({
      workflow: 'test-generation',
      head_sha: seed.headSha,
      trigger: 'pull_request.opened',
    });
    // The run's check run on the head: what the team sees on GitHub.
    const check = await until('the check run', async () =>
      (await stack.github.state()).checkRuns.find(
        (c) => c.name === 'agentflow/test-generation' && c.head_sha === seed.headSha,
      ),
    );
    expect(check.external_id).toBe(runId);
    // A second upload for the same head starts nothing more.
    const again = await fetch(`${stack.ingressUrl}/api/coverage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ repo: 'acme/ios-app', headSha: seed.headSha, lineCoverage: 60 }),
    });
    expect(((await again.json()) as { runs: unknown[] }).runs).toEqual([]);
  }, 120_000);

  it('skips with a clear reason when no coverage comes within the wait', async () => {
    const seed = stack.sample('ios-app').seed;
    const other = { ...seed, number: 43, headSha: 'c0ffee'.padEnd(40, '0'), headRef: 'feature/no-coverage' };
    await stack.github.seedPullRequest(other);
    await stack.pullRequestEvent(other);
    const settled = await until(
      'the expiry',
      async () => {
        const o = await outcome('test-generation', 43);
        return o && !o.reason?.startsWith('waiting') ? o : undefined;
      },
      WAIT_MS + 30_000,
    );
    expect(settled).toMatchObject({ outcome: 'skipped', run_id: null });
    expect(settled.reason).toBe(
      `no coverage report for ${other.headSha.slice(0, 12)} arrived within 6 s: upload it from CI (POST /api/coverage), or set \`when_unknown: run\` on the test_coverage condition`,
    );
    const runs = await stack.db.query('SELECT id FROM runs WHERE pr = 43');
    expect(runs.rows).toEqual([]);
  }, 120_000);
});
