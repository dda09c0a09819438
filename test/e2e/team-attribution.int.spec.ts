/**
 * Team budgets apply to pull-request work, as deployed: a signed pull-request webhook for
 * acme/ios-app, which the shipped `teams:` mapping gives to @acme/ios and the settings charge to
 * the project shop-ios. The run carries team and project from the ingress on: every cost-ledger
 * row, the gateway's `scope: team` and `scope: project` budgets, the `runs` row (with the trigger
 * that started it) and the Slack summary say so.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SAMPLE_APPS } from '../../cli/src/demo/sample-repos';
import { startStack, type RunRow, type Stack } from './stack';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('team and project attribution on the separate-process stack', () => {
  let stack: Stack;
  let runs: RunRow[] = [];

  beforeAll(async () => {
    stack = await startStack({
      samples: SAMPLE_APPS.filter((a) => a.repo === 'ios-app'),
      replicas: { coordinator: 1, gateway: 1, agents: 1, notifier: 1 },
      editConfig: (dir) => {
        // The shipped settings with the project named centrally, and a budget for that project.
        const settings = join(dir, 'settings.yml');
        writeFileSync(
          settings,
          readFileSync(settings, 'utf8').replace(
            '  "acme/ios-app":\n    rollout: gate',
            '  "acme/ios-app":\n    rollout: gate\n    project: shop-ios',
          ),
        );
        const gateway = join(dir, 'gateway.yml');
        writeFileSync(
          gateway,
          readFileSync(gateway, 'utf8').replace(
            '  budgets:\n',
            '  budgets:\n    - { scope: project, key: shop-ios, period: day, limitUsd: 40 }\n',
          ),
        );
        // Every workflow that fires posts its summary to Slack.
        for (const file of ['pr-review.yml', 'code-review.yml']) {
          const path = join(dir, file);
          const text = readFileSync(path, 'utf8');
          if (!/slack_notification/.test(text))
            appendFileSync(path, '  slack_notification: "#ios-reviews"\n');
        }
      },
    });
    const delivery = await stack.pullRequestEvent(stack.sample('ios-app').seed);
    runs = await stack.waitForRuns(delivery, { sinks: ['github', 'slack', 'database'], timeoutMs: 180_000 });
  }, 360_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it('records team, project and trigger on every run row', async () => {
    expect(runs.length).toBeGreaterThan(0);
    const { rows } = await stack.db.query<{
      team: string | null;
      project: string | null;
      trigger: string;
      status: string;
    }>('SELECT team, project, trigger, status FROM runs WHERE id = ANY($1)', [runs.map((r) => r.id)]);
    expect(rows).toEqual(
      runs.map(() => ({
        team: 'ios',
        project: 'shop-ios',
        trigger: 'pull_request.opened',
        status: 'completed',
      })),
    );
  });

  it('charges every cost-ledger row of the runs to the team and the project', async () => {
    const ids = runs.map((r) => r.id);
    // The gateway writes the ledger in batches, off the request path.
    let ledger: Array<{ team: string | null; project: string | null; repo: string }> = [];
    for (let i = 0; i < 40 && ledger.length === 0; i++) {
      ledger = (
        await stack.db.query<{ team: string | null; project: string | null; repo: string }>(
          'SELECT team, project, repo FROM cost_ledger WHERE run_id = ANY($1)',
          [ids],
        )
      ).rows;
      if (ledger.length === 0) await sleep(250);
    }
    expect(ledger.length).toBeGreaterThan(0);
    expect(new Set(ledger.map((l) => `${l.team}|${l.project}|${l.repo}`))).toEqual(
      new Set(['ios|shop-ios|acme/ios-app']),
    );
  });

  it('spends from the shipped team budget and the project budget in the gateway', async () => {
    const metrics = await (await fetch(`${stack.url('gateway-1')}/metrics`)).text();
    const spent = (budget: string) =>
      Number(
        new RegExp(`agentflow_budget_spent_usd\\{budget="${budget}"\\} ([0-9.e+-]+)`).exec(metrics)?.[1] ??
          NaN,
      );
    expect(spent('team:ios:day')).toBeGreaterThan(0);
    expect(spent('project:shop-ios:day')).toBeGreaterThan(0);
    expect(metrics).not.toMatch(/agentflow_budget_spent_usd\{budget="project:acme\/ios-app:month"\}/);
  });

  it('names the team and the project in the Slack summaries', async () => {
    const messages = (await stack.slack.messages()).filter((m) =>
      runs.some((r) => JSON.stringify(m.blocks).includes(r.id)),
    );
    expect(messages.length).toBe(runs.length);
    for (const m of messages) expect(JSON.stringify(m.blocks)).toContain(' · team ios · project shop-ios · ');
  });

  it('posts the review on GitHub as before', async () => {
    const state = await stack.github.state();
    expect(
      state.issueComments.filter((c) => c.repo === 'acme/ios-app' && c.issue_number === 42),
    ).toHaveLength(1);
    expect(await stack.github.violations()).toEqual([]);
  });
});
