/**
 * Later phases see the earlier ones, as deployed: labelling the iOS pull request `architecture`
 * (a signed webhook) starts the seed's analysis -> planning -> impact -> documentation workflow.
 * The planning phase writes an ADR; the impact and documentation prompts carry a bounded digest
 * of what the earlier phases found and wrote, inside the data fences, and each step's record in
 * the database shows the digest it was given. The ADR lands on GitHub as a pull request, the
 * summary in Slack.
 */
import { SAMPLE_APPS } from '../../cli/src/demo/sample-repos';
import { pullRequestPayload, startStack, type RunRow, type Stack } from './stack';

const ADR_PATH = 'docs/adr/0007-checkout-moves-to-swiftui.md';
const DECISION = 'Decision: Checkout moves to SwiftUI behind the flag MIGRATE-4242, one screen per release.';

/** What the fake vendor answers the migration-planning prompt with (the other prompts: the simulated reviewer). */
const PLAN = {
  summary: 'Plan: move Checkout to SwiftUI in three shippable steps.',
  confidence: 0.9,
  files: [
    {
      path: ADR_PATH,
      purpose: 'ADR',
      content: `# 0007: Checkout moves to SwiftUI\n\n## Context\n\nCheckout mixes UIKit and SwiftUI.\n\n## Decision\n\n${DECISION}\n`,
    },
  ],
  findings: [],
};

/** The JSON-escaped form of `text`, as it appears in a request body. */
const inBody = (text: string) => JSON.stringify(text).slice(1, -1);

describe('phase digests on the separate-process stack', () => {
  let stack: Stack;
  let run: RunRow;

  beforeAll(async () => {
    stack = await startStack({
      samples: SAMPLE_APPS.filter((a) => a.repo === 'ios-app'),
      replicas: { coordinator: 1, gateway: 1, agents: 1, notifier: 1 },
    });
    for (const route of ['anthropic', 'openai'] as const) {
      await stack.vendor.script(route, [
        {
          bodyIncludes: 'planning a migration the change starts or implies',
          script: { kind: 'reply', json: PLAN, text: JSON.stringify(PLAN) },
        },
        { script: { kind: 'reply' } },
      ]);
    }
    const seed = stack.sample('ios-app').seed;
    const payload = pullRequestPayload(
      seed,
      'labeled',
      (await stack.github.repository(seed.owner, seed.repo)).id,
    ) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const label = {
      id: 4242,
      node_id: 'LA_kwDOarch',
      url: `https://api.github.com/repos/${seed.owner}/${seed.repo}/labels/architecture`,
      name: 'architecture',
      color: '5319e7',
      default: false,
      description: null,
    };
    payload.label = label;
    payload.pull_request.labels = [label];
    const sent = await stack.sendWebhook('pull_request', payload);
    if (sent.status >= 300) throw new Error(`the ingress answered ${sent.status}: ${sent.body}`);
    const runs = await stack.waitForRuns(sent.deliveryId, {
      sinks: ['github', 'slack', 'database'],
      timeoutMs: 180_000,
    });
    const found = runs.find((r) => r.workflow === 'architecture-migration');
    if (!found) throw new Error(`no architecture-migration run: ${runs.map((r) => r.workflow).join(', ')}`);
    run = found;
  }, 360_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  async function digestOf(agentType: string): Promise<string> {
    const { rows } = await stack.db.query<{ phase_digest: string | null; state: string }>(
      'SELECT phase_digest, state FROM steps WHERE run_id = $1 AND agent_type = $2',
      [run.id, agentType],
    );
    expect(rows).toEqual([expect.objectContaining({ state: 'succeeded' })]);
    return rows[0].phase_digest ?? '';
  }

  it('runs every phase to the end', () => {
    expect(run.status).toBe('completed');
  });

  it("records in the impact step the digest of analysis and planning, with the plan's ADR", async () => {
    const digest = await digestOf('impact-analysis-agent');
    expect([...digest.matchAll(/^step (\S+): succeeded$/gm)].map((m) => m[1].split('.')[0])).toEqual([
      'analysis',
      'planning',
    ]);
    expect(digest).toContain(`- ${ADR_PATH} (ADR):`);
    expect(digest).toContain(DECISION);
  });

  it('records in the documentation step the digest of all three earlier phases', async () => {
    const digest = await digestOf('documentation-agent');
    expect([...digest.matchAll(/^step (\S+): succeeded$/gm)].map((m) => m[1].split('.')[0])).toEqual([
      'analysis',
      'planning',
      'impact',
    ]);
    expect(digest).toContain(DECISION);
  });

  it('sent the impact and documentation prompts that digest inside the data fences', async () => {
    for (const agentType of ['impact-analysis-agent', 'documentation-agent']) {
      const digest = await digestOf(agentType);
      const steps = [...digest.matchAll(/^step (\S+): /gm)].map((m) => m[1]);
      const fenced = `earlier phases of this run (${steps.join(', ')})>>>\n${digest}\n<<<END-AF-DATA `;
      expect(await stack.vendor.received(inBody(fenced))).toEqual([true]);
    }
    // The planning prompt itself had no plan to see.
    expect(await stack.vendor.received(inBody(`${DECISION}`))).toEqual([true]);
    const planning = await digestOf('migration-planning-agent');
    expect(planning).not.toContain(DECISION);
  });

  it('opens a pull request with the ADR on GitHub and posts the summary to Slack', async () => {
    const state = await stack.github.state();
    const opened = state.pulls.filter((p) => p.repo === 'ios-app' && p.number !== 42);
    expect(opened).toEqual([
      expect.objectContaining({
        title: 'agentflow: architecture-migration files for #42',
        base: expect.objectContaining({ ref: 'feature/checkout' }),
      }),
    ]);
    // The ADR the planning phase wrote is on the branch, as GitHub serves it.
    const res = await fetch(
      `${stack.github.url}/repos/acme/ios-app/contents/${ADR_PATH}?ref=${encodeURIComponent(opened[0].head.ref)}`,
      { headers: { authorization: 'token e2e-stack' } },
    );
    expect(res.status).toBe(200);
    const file = (await res.json()) as { content: string };
    expect(Buffer.from(file.content, 'base64').toString('utf8')).toContain(DECISION);
    const slack = (await stack.slack.messages()).filter((m) => m.channel === '#mobile-architecture');
    expect(slack.length).toBeGreaterThanOrEqual(1);
    expect(await stack.github.violations()).toEqual([]);
  });
});
