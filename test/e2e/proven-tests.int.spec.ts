/**
 * The proven-tests loop (issue #20, journey 6; ADR 0083) on the separate-process stack, with the
 * seed's test-generation workflow as shipped: a signed pull-request webhook, CI's coverage upload
 * under 80 %, generated tests, the test runner cloning the repository itself, pushing them to
 * `agentflow/run-<runId>`, and waiting for the team's CI on that commit. CI reports as a team's CI
 * does on GitHub: it creates a check run for the pushed head through the REST API, and GitHub
 * delivers `check_run.completed` to the App (here: signed by the test, the payload carrying the
 * check run as the REST API answered it). Green: the tests are proposed as a pull request. Red:
 * the runner's step fails `ci_failed` with CI's title and summary, and nothing is proposed.
 *
 * How the runner gets the code: the agents run with no provisioned clone (`AGENTS_CHECKOUTS_DIR`
 * empty) and no `AGENTS_GIT_REMOTE`, as `k8s/base/agents-tests.yaml` deploys them, so the runner
 * fetches from the platform's own git URL (`GITHUB_SERVER_URL/<repo>.git`) with the token as a
 * Basic `Authorization` header. The fake GitHub serves the seeded repository over git's smart
 * HTTP next to its API, as GitHub Enterprise serves git next to `/api/v3`. A `file://` mirror
 * (`AGENTS_GIT_REMOTE`) would skip exactly what a deployment depends on: the remote URL the
 * runner derives, the credentials it sends per fetch, and a fetch by commit id over HTTP.
 *
 * Fails without ADR 0083's behaviour: without the runner's own clone it finds no checkout and
 * pushes nothing; without `create_files` turning pushing on it skips; with a red CI ending the step
 * succeeded, the run completes and the files are proposed anyway.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SeedPullRequest } from '@agentflow/fake-platforms';
import { SAMPLE_APPS, splitDiff } from '../../cli/src/demo/sample-repos';
import { startStack, type Stack } from './stack';

const TEST_PATH = 'ShopAppTests/Checkout/CheckoutViewTests.swift';
const TEST_CONTENT = [
  'import XCTest',
  '@testable import ShopApp',
  '',
  'final class CheckoutViewTests: XCTestCase {',
  '    func testTotalIsTheSumOfTheLines() {',
  '        XCTAssertEqual(Cart(lines: [2, 3]).total, 5)',
  '    }',
  '}',
  '',
].join('\n');
/** What the fake vendor answers the test-generation prompt with (the other prompts: the simulated reviewer). */
const GENERATED = {
  summary: 'One unit test for the checkout total.',
  confidence: 0.9,
  files: [{ path: TEST_PATH, purpose: 'unit tests for the checkout total', content: TEST_CONTENT }],
  findings: [],
};
/** lcov for two Swift files: 6 of 10 lines run. */
const LCOV = [
  'SF:ShopApp/Checkout/CheckoutView.swift',
  'DA:1,1',
  'DA:2,1',
  'DA:3,0',
  'DA:4,1',
  'DA:5,0',
  'LF:5',
  'LH:3',
  'end_of_record',
  'SF:ShopApp/Session/TokenStore.swift',
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
const CI_TOKEN = 'ghs_team_ci_github_actions';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('the proven-tests loop on the separate-process stack', () => {
  let stack: Stack;

  async function until<T>(
    what: string,
    probe: () => Promise<T | undefined>,
    timeoutMs = 120_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline)
        throw new Error(`${what} did not happen within ${timeoutMs} ms\n${stack.tail()}`);
      await sleep(250);
    }
  }

  /** A call to the fake GitHub's REST API as a client outside agentflow (the team's CI). */
  async function rest(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Json }> {
    const res = await fetch(`${stack.github.url}${path}`, {
      method,
      headers: {
        authorization: `token ${CI_TOKEN}`,
        accept: 'application/vnd.github+json',
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as Json };
  }

  /** Webhook, coverage upload; answers the test-generation run the upload started. */
  async function startRun(seed: SeedPullRequest): Promise<string> {
    await stack.pullRequestEvent(seed);
    await until('the coverage wait', async () => {
      const { rows } = await stack.db.query<{ reason: string | null }>(
        'SELECT reason FROM ingress_trigger_outcomes WHERE workflow = $1 AND pr = $2',
        ['test-generation', seed.number],
      );
      return rows[0]?.reason?.startsWith('waiting') ? true : undefined;
    });
    const upload = await stack.ciApi('POST', '/api/coverage', {
      repo: `${seed.owner}/${seed.repo}`,
      headSha: seed.headSha,
      report: { content: LCOV },
    });
    expect(upload.status).toBe(200);
    const runs = upload.body.runs as Array<{ runId: string; workflow: string }>;
    expect(runs.map((r) => r.workflow)).toEqual(['test-generation']);
    return runs[0].runId;
  }

  /** The commit the runner pushed to its branch, once the branch is on GitHub. */
  async function pushed(runId: string): Promise<string> {
    return until(`the push of run ${runId}`, async () => {
      const sha = (await stack.github.state()).refs['acme/ios-app']?.[`refs/heads/agentflow/run-${runId}`];
      if (sha) return sha;
      // A runner that skipped the push ends the run without one: say why at once.
      const runner = await runnerStep(runId);
      if (runner && ['succeeded', 'failed', 'skipped'].includes(runner.state))
        throw new Error(
          `the test runner ended ${runner.state} without pushing: ${runner.summary ?? ''} ${runner.error_message ?? ''}`,
        );
      return undefined;
    });
  }

  /** The team's CI: a check run on the pushed commit through the REST API, then GitHub's `check_run.completed` delivery. */
  async function ciReports(
    headSha: string,
    conclusion: 'success' | 'failure',
    output: { title: string; summary: string },
  ): Promise<{ html_url: string }> {
    const created = await rest('POST', '/repos/acme/ios-app/check-runs', {
      name: 'iOS tests',
      head_sha: headSha,
      status: 'completed',
      conclusion,
      completed_at: new Date().toISOString(),
      details_url: 'https://ci.example/acme/ios-app/runs/7',
      output,
    });
    expect(created.status).toBe(201);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const example = (require('@octokit/webhooks-examples') as Array<{ name: string; examples: Json[] }>)
      .find((d) => d.name === 'check_run')!
      .examples.find((e) => e.action === 'completed')!;
    const payload = structuredClone(example);
    // The check run as GitHub's API answered it; the app that made it is the team's CI, as in the example.
    payload.check_run = {
      ...payload.check_run,
      ...created.body,
      output: { ...created.body.output, title: output.title, summary: output.summary },
      app: payload.check_run.app,
      pull_requests: [],
    };
    Object.assign(payload.repository, {
      id: (await stack.github.repository('acme', 'ios-app')).id,
      name: 'ios-app',
      full_name: 'acme/ios-app',
      private: true,
    });
    payload.repository.owner.login = 'acme';
    const sent = await stack.sendWebhook('check_run', payload);
    expect(sent.status).toBeLessThan(300);
    return created.body as { html_url: string };
  }

  /** What the notifier settled per sink for a run (`notifier_deliveries`). */
  async function ledger(
    runId: string,
  ): Promise<Array<{ sink: string; kind: string; state: string; result: Json | null }>> {
    const { rows } = await stack.db.query<{ sink: string; kind: string; state: string; result: Json | null }>(
      'SELECT sink, kind, state, result FROM notifier_deliveries WHERE run_id = $1 ORDER BY sink, kind',
      [runId],
    );
    return rows;
  }

  /** The Slack summary of a run (its context line names the run). */
  async function slackSummaryOf(runId: string) {
    const messages = (await stack.slack.messages()).filter((m) =>
      JSON.stringify(m.blocks ?? []).includes(`run ${runId}`),
    );
    expect(messages).toHaveLength(1);
    return messages[0];
  }

  /** The test-generation section of the pull request's agentflow comment. */
  async function commentOn(pr: number): Promise<string> {
    const comments = (await stack.github.state()).issueComments.filter(
      (c) => c.issue_number === pr && c.body.includes('agentflow:section workflow=test-generation'),
    );
    expect(comments).toHaveLength(1);
    return comments[0].body;
  }

  async function runnerStep(runId: string) {
    const { rows } = await stack.db.query<{
      state: string;
      error_code: string | null;
      error_message: string | null;
      summary: string | null;
    }>(
      "SELECT state, error_code, error_message, summary FROM steps WHERE run_id = $1 AND agent_type = 'test-runner'",
      [runId],
    );
    return rows[0];
  }

  beforeAll(async () => {
    stack = await startStack({
      samples: SAMPLE_APPS.filter((a) => a.repo === 'ios-app'),
      replicas: { coordinator: 1, gateway: 1, agents: 1, notifier: 1 },
      // Only the seed's test-generation workflow, as shipped, with its summary also posted to Slack.
      editConfig: (dir) => {
        for (const f of readdirSync(dir))
          if (
            /\.ya?ml$/.test(f) &&
            !['test-generation.yml', 'providers.yml', 'agents.yml', 'settings.yml', 'gateway.yml'].includes(f)
          )
            rmSync(join(dir, f));
        const workflow = join(dir, 'test-generation.yml');
        writeFileSync(
          workflow,
          `${readFileSync(workflow, 'utf8').trimEnd()}\n  slack_notification: "#mobile-tests"\n`,
        );
      },
      serviceEnv: {
        ingress: { INGRESS_COVERAGE_WAIT_MS: '120000', INGRESS_COVERAGE_SWEEP_MS: '500' },
        // No provisioned clones: the test runner fetches the repository itself (ADR 0083).
        agents: { AGENTS_CHECKOUTS_DIR: '' },
      },
    });
    for (const route of ['anthropic', 'openai'] as const) {
      await stack.vendor.script(route, [
        {
          bodyIncludes: 'writes focused, deterministic unit tests',
          script: { kind: 'reply', json: GENERATED, text: JSON.stringify(GENERATED) },
        },
        { script: { kind: 'reply' } },
      ]);
    }
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it('pushes the generated tests, waits for CI, and proposes them once CI passed', async () => {
    const seed = stack.sample('ios-app').seed;
    const runId = await startRun(seed);
    const sha = await pushed(runId);

    // What landed on GitHub: the tests on top of the pull request's head, in a commit whose id is
    // the one the runner built in its own clone (GitHub's tree is git's tree).
    const commit = await rest('GET', `/repos/acme/ios-app/git/commits/${sha}`);
    expect(commit.body.parents.map((p: { sha: string }) => p.sha)).toEqual([seed.headSha]);
    const file = await rest('GET', `/repos/acme/ios-app/contents/${TEST_PATH}?ref=agentflow/run-${runId}`);
    expect(Buffer.from(String(file.body.content), 'base64').toString('utf8')).toBe(TEST_CONTENT);
    const waiting = await until('the runner waiting for CI', async () =>
      (await runnerStep(runId))?.state === 'waiting' ? runnerStep(runId) : undefined,
    );
    expect(waiting.state).toBe('waiting');
    expect(
      await stack.db
        .query('SELECT 1 FROM runs WHERE id = $1 AND status = $2', [runId, 'completed'])
        .then((r) => r.rows),
    ).toEqual([]);

    await ciReports(sha, 'success', { title: '12 tests passed', summary: 'CheckoutViewTests: 1 passed' });
    const [run] = await stack.waitForRunIds([runId], {
      sinks: ['github', 'slack', 'database'],
      timeoutMs: 120_000,
    });
    expect(run).toMatchObject({ workflow: 'test-generation', status: 'completed' });
    expect(await runnerStep(runId)).toMatchObject({ state: 'succeeded', error_code: null });

    // Proposed: a pull request from agentflow's files branch onto the PR's branch, holding the proven tests.
    const github = await stack.github.state();
    const proposal = github.pulls.find(
      (p) => p.head.ref === `agentflow/test-generation/${runId.slice(0, 12)}`,
    );
    expect(proposal).toMatchObject({ state: 'open', base: { ref: seed.headRef } });
    const proposed = await rest('GET', `/repos/acme/ios-app/contents/${TEST_PATH}?ref=${proposal!.head.sha}`);
    expect(Buffer.from(String(proposed.body.content), 'base64').toString('utf8')).toBe(TEST_CONTENT);
    const check = github.checkRuns.find(
      (c) => c.name === 'agentflow/test-generation' && c.external_id === runId,
    );
    expect(check?.status).toBe('completed');
    expect(await commentOn(seed.number)).toContain(
      `Generated files: #${proposal!.number} (branch \`agentflow/test-generation/${runId.slice(0, 12)}\`).`,
    );

    // In the database: the notifier's ledger holds the runner's push (the commit CI passed on) and
    // the proposal; the summary went to the workflow's Slack channel.
    const rows = await ledger(runId);
    expect(rows.map((r) => [r.sink, r.kind, r.state])).toEqual([
      ['database', 'completed', 'delivered'],
      ['github', 'completed', 'delivered'],
      ['github', 'push-files:execution.test-runner', 'delivered'],
      ['slack', 'completed', 'delivered'],
    ]);
    expect(rows[2].result).toMatchObject({
      branch: `agentflow/run-${runId}`,
      commitSha: sha,
      alreadyPushed: false,
    });
    expect(rows[1].result?.files).toMatchObject({
      branch: `agentflow/test-generation/${runId.slice(0, 12)}`,
      pullRequest: proposal!.number,
    });
    expect(await slackSummaryOf(runId)).toMatchObject({
      channel: '#mobile-tests',
      text: `agentflow test-generation: acme/ios-app#${seed.number} success`,
    });
  }, 300_000);

  it('fails the runner on red CI with what CI said, and proposes nothing', async () => {
    const first = stack.sample('ios-app');
    const seed = stackedPullRequest(first.checkout, first.seed);
    await stack.github.seedPullRequest(seed);
    const runId = await startRun(seed);
    const sha = await pushed(runId);
    const commit = await rest('GET', `/repos/acme/ios-app/git/commits/${sha}`);
    expect(commit.body.parents.map((p: { sha: string }) => p.sha)).toEqual([seed.headSha]);
    await until('the runner waiting for CI', async () =>
      (await runnerStep(runId))?.state === 'waiting' ? true : undefined,
    );

    const said =
      '1 test failed: CheckoutViewTests.testTotalIsTheSumOfTheLines: XCTAssertEqual failed: ("4") is not equal to ("5")';
    const ci = await ciReports(sha, 'failure', {
      title: '1 test failed',
      summary: said.slice('1 test failed: '.length),
    });
    const [run] = await stack.waitForRunIds([runId], {
      sinks: ['github', 'slack', 'database'],
      timeoutMs: 120_000,
    });
    // The run ends (its findings are reported); the runner's step is what failed, in CI's words.
    expect(run.status).toBe('completed');
    const words = `CI iOS tests ended failure on ${sha.slice(0, 12)}: ${said}`;
    expect(await runnerStep(runId)).toMatchObject({
      state: 'failed',
      error_code: 'ci_failed',
      error_message: `${words} (${ci.html_url})`,
    });

    // On GitHub: the run's check run and the PR comment say the runner failed and what CI said.
    const github = await stack.github.state();
    const check = github.checkRuns.find(
      (c) => c.name === 'agentflow/test-generation' && c.external_id === runId,
    );
    expect(check?.output.title).toContain('incomplete: execution.test-runner did not finish');
    expect(check?.output.summary).toContain(`execution.test-runner failed (${words.slice(0, 100)}`);
    const comment = await commentOn(seed.number);
    expect(comment).toContain(
      `- \`execution.test-runner\` failed: Pushed 1 test file(s) to agentflow/run-${runId} at ${sha.slice(0, 12)}; waiting for CI. (${words.slice(0, 100)}`,
    );
    // Nothing proposed: no files branch, no pull request, no "Generated files" line.
    expect(comment).not.toContain('Generated files');
    expect(github.pulls.filter((p) => p.head.ref.startsWith('agentflow/test-generation/'))).toHaveLength(1);
    expect(
      github.refs['acme/ios-app'][`refs/heads/agentflow/test-generation/${runId.slice(0, 12)}`],
    ).toBeUndefined();
    // In the database: the push happened (CI ran on it), no proposal came after; Slack got the summary.
    const rows = await ledger(runId);
    expect(rows.map((r) => [r.sink, r.kind, r.state])).toEqual([
      ['database', 'completed', 'delivered'],
      ['github', 'completed', 'delivered'],
      ['github', 'push-files:execution.test-runner', 'delivered'],
      ['slack', 'completed', 'delivered'],
    ]);
    expect(rows[2].result).toMatchObject({ commitSha: sha });
    expect(rows[1].result?.files).toBeUndefined();
    // On Slack: the summary says the review is incomplete in the check run's words, and which step
    // failed with what CI said, beside the check's conclusion: never a clean pass.
    const summary = await slackSummaryOf(runId);
    expect(summary).toMatchObject({
      channel: '#mobile-tests',
      text: `agentflow test-generation: acme/ios-app#${seed.number} ${check?.conclusion} · incomplete: execution.test-runner did not finish`,
    });
    const texts = (summary.blocks ?? []).map((b) => (b as { text?: { text?: string } }).text?.text ?? '');
    expect(texts).toContainEqual(
      expect.stringContaining(
        `Check: *${check?.conclusion}* · incomplete: execution.test-runner did not finish`,
      ),
    );
    expect(texts).toContainEqual(
      `:warning: *The review is incomplete*\n• \`execution.test-runner\` failed: ${words} (${ci.html_url})`,
    );
  }, 300_000);
});

/**
 * A second pull request, stacked on the sample's: one more commit on its branch in the same
 * checkout (a real commit the runner can fetch), changing one Swift file.
 */
function stackedPullRequest(checkout: string, first: SeedPullRequest): SeedPullRequest {
  const git = (args: string[]) =>
    execFileSync('git', ['-c', 'commit.gpgsign=false', ...args], {
      cwd: checkout,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'mobile-dev',
        GIT_AUTHOR_EMAIL: 'dev@acme.example',
        GIT_COMMITTER_NAME: 'mobile-dev',
        GIT_COMMITTER_EMAIL: 'dev@acme.example',
        GIT_AUTHOR_DATE: '1764100000 +0000',
        GIT_COMMITTER_DATE: '1764100000 +0000',
      },
    }).trim();
  const path = 'ShopApp/Checkout/CheckoutView.swift';
  const content = `${first.contents![path]}\n// Totals are shown with the currency of the cart.\n`;
  git(['checkout', '-q', '-b', 'feature/checkout-currency', first.headSha]);
  writeFileSync(join(checkout, path), content);
  git(['commit', '-q', '-am', 'Checkout: currency note']);
  const headSha = git(['rev-parse', 'HEAD']);
  const [section] = splitDiff(git(['diff', first.headSha, headSha]));
  return {
    ...first,
    number: 50,
    title: 'Checkout: currency note',
    headSha,
    headRef: 'feature/checkout-currency',
    baseSha: first.headSha,
    baseRef: first.headRef,
    files: [
      {
        filename: path,
        status: 'modified',
        additions: section.additions,
        deletions: section.deletions,
        patch: section.patch,
      },
    ],
    contents: { ...first.contents, [path]: content },
    baseContents: first.contents,
    baseBinaryContents: first.binaryContents,
  };
}
