/**
 * CI-uploaded reports reach the agents, as deployed: CI starts the Android review through the CI
 * API with its detekt SARIF (larger than any NATS message); the ingress keeps it in the object
 * store, only its reference travels, and the lint agent reads it from there. The finding it flags
 * on a changed line lands on GitHub (inline comment, failed check run), in Slack and in the
 * database.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SAMPLE_APPS } from '../../cli/src/demo/sample-repos';
import { startStack, type Stack } from './stack';

const FILE = 'core/data/src/main/java/com/acme/shop/cart/CartRepository.kt';
const RULE = 'detekt.potential-bugs.UnsafeCallOnNullableType';

/** A detekt report: one result on a line the pull request adds, thousands on files it does not touch. */
function detektSarif(): string {
  const untouched = Array.from({ length: 6000 }, (_, i) => ({
    ruleId: 'detekt.style.MaxLineLength',
    level: 'warning',
    message: { text: `Line ${i} exceeds 120 characters in a file this change does not touch` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: `app/src/main/java/com/acme/shop/legacy/Legacy${i}.kt` },
          region: { startLine: 3 },
        },
      },
    ],
  }));
  return JSON.stringify({
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        tool: { driver: { name: 'detekt', informationUri: 'https://detekt.dev' } },
        results: [
          {
            ruleId: RULE,
            level: 'error',
            message: { text: 'items.clear() on a map that may be null: check it first' },
            locations: [{ physicalLocation: { artifactLocation: { uri: FILE }, region: { startLine: 14 } } }],
          },
          ...untouched,
        ],
      },
    ],
  });
}

describe('CI reports through the CI API, on the separate-process stack', () => {
  let stack: Stack;
  let runId = '';
  const sarif = detektSarif();

  beforeAll(async () => {
    stack = await startStack({
      samples: SAMPLE_APPS.filter((a) => a.repo === 'android-app'),
      replicas: { coordinator: 1, gateway: 1, agents: 1, notifier: 1 },
      editConfig: (dir) => {
        const file = join(dir, 'android-review.yml');
        writeFileSync(
          file,
          readFileSync(file, 'utf8').replace(
            '  database_log: true',
            '  database_log: true\n  slack_notification: "#android-reviews"',
          ),
        );
      },
    });
    const seed = stack.sample('android-app').seed;
    const started = await stack.ciApi('POST', '/api/runs', {
      workflow: 'android-review',
      repo: 'acme/android-app',
      pr: seed.number,
      headSha: seed.headSha,
      baseSha: seed.baseSha,
      headRef: seed.headRef,
      baseRef: seed.baseRef,
      requestId: 'ci-build-4711',
      artifacts: [{ name: 'detekt.sarif', kind: 'sarif', content: sarif }],
    });
    if (started.status !== 202)
      throw new Error(`POST /api/runs answered ${started.status}: ${JSON.stringify(started.body)}`);
    runId = String(started.body.runId);
    await stack.waitForRunIds([runId], { sinks: ['github', 'slack', 'database'], timeoutMs: 180_000 });
  }, 360_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it('uploads a report larger than one NATS message', () => {
    expect(Buffer.byteLength(sarif)).toBeGreaterThan(1024 * 1024);
  });

  it('keeps the report in the object store and lists it with the run', async () => {
    const run = await stack.ciApi('GET', `/api/runs/${runId}`);
    expect(run.body.artifacts).toEqual([
      expect.objectContaining({
        name: 'detekt.sarif',
        kind: 'sarif',
        ref: `${stack.busPrefix}_objects/artifacts/${runId}/detekt.sarif`,
        size: Buffer.byteLength(sarif),
      }),
    ]);
  });

  it('has the lint step read it: the step record names the report and its finding', async () => {
    const { rows } = await stack.db.query<{ step_id: string; state: string; summary: string }>(
      `SELECT step_id, state, summary FROM steps WHERE run_id = $1 AND agent_type = 'lint-agent'`,
      [runId],
    );
    expect(rows).toEqual([
      expect.objectContaining({
        state: 'succeeded',
        summary: expect.stringContaining('1 from 1 SARIF report(s) (ci:detekt.sarif)'),
      }),
    ]);
    const findings = await stack.db.query<{
      file: string;
      start_line: number;
      source: string;
      severity: string;
    }>(
      `SELECT file, start_line, source, severity FROM findings WHERE repo = 'acme/android-app' AND rule_id = $1`,
      [RULE],
    );
    expect(findings.rows).toEqual([{ file: FILE, start_line: 14, source: 'sarif', severity: 'major' }]);
    const run = await stack.db.query<{ status: string; gate_conclusion: string; trigger: string }>(
      'SELECT status, gate_conclusion, trigger FROM runs WHERE id = $1',
      [runId],
    );
    expect(run.rows[0]).toMatchObject({ status: 'completed', gate_conclusion: 'failure' });
  });

  it('posts the finding on the changed line and fails the check run on GitHub', async () => {
    const state = await stack.github.state();
    const seed = stack.sample('android-app').seed;
    const inline = state.reviewComments.filter((c) => c.repo === 'acme/android-app' && c.path === FILE);
    expect(inline).toEqual([
      expect.objectContaining({
        line: 14,
        body: expect.stringContaining('items.clear() on a map that may be null'),
      }),
    ]);
    const checks = state.checkRuns.filter(
      (c) => c.repo === 'acme/android-app' && c.head_sha === seed.headSha,
    );
    expect(checks.map((c) => c.conclusion)).toContain('failure');
    expect(await stack.github.violations()).toEqual([]);
  });

  it('tells Slack the check failed with a major finding', async () => {
    const messages = (await stack.slack.messages()).filter((m) => m.channel === '#android-reviews');
    expect(messages).toHaveLength(1);
    expect(JSON.stringify(messages[0].blocks)).toMatch(/Check: \*failure\*/);
    expect(JSON.stringify(messages[0].blocks)).toMatch(/\*Major\*\\n[1-9]/);
  });
});
