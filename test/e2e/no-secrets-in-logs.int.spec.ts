/**
 * No secret in any log line or error body of a full run (issue 22): the services as separate
 * processes at LOG_LEVEL=debug, a pull request reviewed end to end, and the requests a careless or
 * hostile caller sends (wrong webhook signatures, wrong and foreign CI tokens, bad bodies). Every
 * line every service wrote and every answer body is searched for each secret the stack was given:
 * the webhook secret, the GitHub and Slack tokens, the vendor key, the CI admin token and a CI token.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { SAMPLE_APPS } from '../../cli/src/demo/sample-repos';
import { startStack, type Stack, type StackService } from './stack';

const ADMIN_TOKEN = `aft_admin_${randomBytes(16).toString('hex')}`;
const SERVICES: StackService[] = ['ingress', 'coordinator', 'gateway', 'agents', 'notifier'];

describe('no secret in any log line or error body of a full run', () => {
  let stack: Stack;
  const bodies: string[] = [];
  let ciToken = '';

  const call = async (
    path: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ) => {
    const res = await fetch(`${stack.ingressUrl}${path}`, {
      method: init.method ?? 'GET',
      headers: { 'content-type': 'application/json', ...init.headers },
      body: init.body,
    });
    const text = await res.text();
    bodies.push(text);
    return { status: res.status, text };
  };

  beforeAll(async () => {
    stack = await startStack({
      samples: SAMPLE_APPS.filter((a) => a.repo === 'ios-app'),
      replicas: { coordinator: 1, gateway: 1, agents: 1, notifier: 1 },
      env: { LOG_LEVEL: 'debug', AGENTFLOW_API_TOKEN: ADMIN_TOKEN },
    });
    const sample = stack.samples[0];
    const created = await call('/api/tokens', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({
        name: 'ci-ios',
        role: 'ci',
        repos: [`${sample.seed.owner}/${sample.seed.repo}`],
      }),
    });
    expect(created.status).toBe(201);
    ciToken = (JSON.parse(created.text) as { token: string }).token;

    const deliveryId = await stack.pullRequestEvent(sample.seed);
    const runs = await stack.waitForRuns(deliveryId);
    expect(runs.length).toBeGreaterThan(0);

    // What a careless or hostile caller sends.
    const payload = JSON.stringify({ action: 'opened', number: 1 });
    const wrong = `sha256=${createHmac('sha256', `${stack.webhookSecret}x`).update(payload).digest('hex')}`;
    expect(
      (
        await call('/webhooks/github', {
          method: 'POST',
          headers: {
            'x-github-event': 'pull_request',
            'x-github-delivery': 'no-secrets-1',
            'x-hub-signature-256': wrong,
          },
          body: payload,
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await call('/webhooks/github', {
          method: 'POST',
          headers: {
            'x-github-event': 'pull_request',
            'x-github-delivery': 'no-secrets-2',
            'x-hub-signature-256': stack.webhookSecret,
          },
          body: payload,
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await call('/api/runs', {
          method: 'POST',
          headers: { authorization: `Bearer ${ciToken}x` },
          body: '{}',
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await call('/api/runs', {
          method: 'POST',
          headers: { authorization: `Bearer ${ciToken}` },
          body: JSON.stringify({
            workflow: 'pr-review',
            repo: 'someone/else',
            pr: 1,
            headSha: 'a'.repeat(40),
          }),
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await call('/api/runs', {
          method: 'POST',
          headers: { authorization: `Bearer ${ciToken}` },
          body: '{"workflow": 3, "repo": ',
        })
      ).status,
    ).toBe(400);
    await call('/api/runs?repo=someone/else', { headers: { authorization: `Bearer ${ciToken}` } });
    expect(
      (
        await call('/api/tokens', {
          method: 'POST',
          headers: { authorization: `Bearer ${ciToken}` },
          body: JSON.stringify({ name: 'escalate', role: 'admin', repos: ['*'] }),
        })
      ).status,
    ).toBe(403);
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it("writes none of them in any service's output, and answers none of them", () => {
    const secrets: Record<string, string> = {
      'webhook secret': stack.webhookSecret,
      'GitHub token': 'ghs_agentflow_e2e_stack',
      'Slack bot token': 'xoxb-agentflow-e2e',
      'vendor key': 'sk-ant-api03-agentflow-e2e-offline-key-0000000',
      'CI admin token': ADMIN_TOKEN,
      'CI token': ciToken,
    };
    const outputs = SERVICES.flatMap((service) =>
      stack.replicas(service).map((p) => ({ name: p.name, text: p.output() })),
    );
    // The services did log at debug: an empty output would make this test pass for nothing.
    const lines = outputs.reduce((n, o) => n + o.text.split('\n').length, 0);
    expect(lines).toBeGreaterThan(50);
    const leaks: string[] = [];
    for (const [kind, value] of Object.entries(secrets)) {
      for (const o of outputs) if (o.text.includes(value)) leaks.push(`${kind} in the output of ${o.name}`);
      for (const b of bodies)
        if (b.includes(value) && !b.includes('"token":'))
          leaks.push(`${kind} in an answer: ${b.slice(0, 120)}`);
    }
    expect(leaks).toEqual([]);
    // The one answer that carries a token is the one that creates it, once.
    expect(bodies.filter((b) => b.includes(ciToken))).toHaveLength(1);
  });
});
