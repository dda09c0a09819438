/**
 * What the coordinator and the gateway send the notifier, end to end on the embedded bus and
 * PGlite with the fake Slack: a workflow's `notify:` alert reaches its channel once; the workflow's
 * `output:` switches travel in the report (`slack_notification: false` posts no summary, a channel
 * gets one); a gateway budget alert reaches the alert channel once per budget, period and threshold.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  topology,
  type AgentTask,
  type RunFailed,
  type RunReport,
  type WorkflowPlan,
} from '@agentflow/contracts';
import {
  createMessenger,
  EmbeddedBus,
  provisionTopology,
  type ConsumerHandle,
  type ServiceHandle,
} from '@agentflow/bus';
import { Coordinator, readCoordinatorConfig } from '@agentflow/coordinator';
import { startFakeSlack, type FakeSlack } from '@agentflow/fake-platforms';
import { buildChange, buildPlan, buildRunRequest } from '@agentflow/run-actor';
import { PgliteDatabase, runMigrations, type SqlDatabase } from '@agentflow/store';
import { loadWorkflowsOrThrow } from '@agentflow/workflow';
import { ScriptedAgents, type AgentScript } from '../../../services/coordinator/src/testing/scripted-agents';
import { budgetAlertPublisher } from '../../../services/gateway/src/budget/budget-alert-publisher';
import { readNotifierConfig } from '../../../services/notifier/src/config';
import { startNotifierConsumers, stopConsumers } from '../../../services/notifier/src/consumers';
import { createNotifier } from '../../../services/notifier/src/service';

const FIXTURES = join(__dirname, '..', '..', '..', 'services', 'ingress', 'test-fixtures', 'workflows');
const quiet = () => undefined;

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('coordinator and gateway to notifier (embedded bus, PGlite, fake Slack)', () => {
  const topo = topology('t_coord_notify');
  const bus = new EmbeddedBus({ deadLetterSubject: topo.subjects.dlq });
  const messenger = createMessenger(bus, topo);
  let db: SqlDatabase;
  let slack: FakeSlack;
  let coordinator: Coordinator;
  let agents: ScriptedAgents;
  let handles: ConsumerHandle[] = [];
  let dir: string;
  let plans: Map<string, WorkflowPlan>;
  let script: (task: AgentTask) => AgentScript = () => ({ kind: 'answer' });
  const subs: ServiceHandle[] = [];
  const ends = new Map<string, { report?: RunReport; failure?: RunFailed }>();

  beforeAll(async () => {
    db = await PgliteDatabase.open();
    await runMigrations(db);
    await provisionTopology(bus, topo);
    slack = await startFakeSlack();
    // Two workflows compiled from YAML, as the ingress sends them: one silent on Slack, one with a channel.
    dir = mkdtempSync(join(tmpdir(), 'af-outputs-'));
    for (const f of ['providers.yml', 'settings.yml']) copyFileSync(join(FIXTURES, f), join(dir, f));
    const workflow = (slackSetting: string) =>
      `name: Review\ntrigger:\n  event: pull_request\nagents:\n  - name: reviewer\n    type: code-review\n    service: claude-api\noutput:\n  github_comment: true\n  slack_notification: ${slackSetting}\n`;
    writeFileSync(join(dir, 'quiet-review.yml'), workflow('false'));
    writeFileSync(join(dir, 'loud-review.yml'), workflow('"#ios-reviews"'));
    plans = new Map(loadWorkflowsOrThrow(dir).plans.map((p) => [p.id, p]));

    coordinator = new Coordinator({
      bus,
      messenger,
      topology: topo,
      config: readCoordinatorConfig({
        COORDINATOR_SWEEP_AFTER_MS: '200',
        COORDINATOR_SWEEP_INTERVAL_MS: '50',
      }),
    });
    await coordinator.start();
    agents = new ScriptedAgents(bus, messenger, topo, (task) => script(task));
    await agents.start();
    const config = readNotifierConfig({
      SLACK_BOT_TOKEN: 'xoxb-e2e',
      SLACK_API_URL: slack.apiUrl,
      SLACK_ALERT_CHANNEL: '#agentflow-alerts',
      NOTIFIER_MAX_ATTEMPTS: '3',
    });
    const dispatcher = createNotifier({ db, messenger, topology: topo }, config, {
      log: quiet,
      warn: quiet,
      error: quiet,
    });
    handles = await startNotifierConsumers({
      bus,
      messenger,
      topology: topo,
      dispatcher,
      maxAttempts: config.maxAttempts,
    });
    subs.push(
      await bus.subscribe(topo.subjects.runCompleted('*'), (m) => {
        const r = m.json<{ body: { report: RunReport } }>().body.report;
        ends.set(r.runId, { report: r });
      }),
      await bus.subscribe(topo.subjects.runFailed('*'), (m) => {
        const f = m.json<{ body: RunFailed }>().body;
        ends.set(f.runId, { failure: f });
      }),
    );
  });
  afterAll(async () => {
    await stopConsumers(handles, { warn: quiet });
    await coordinator.stop();
    await agents.stop();
    for (const s of subs) await s.stop();
    await bus.drain();
    await slack.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const settled = async (runId: string) => {
    // The notifier has handled the run once its database row leaves `requested`/`running`.
    await until(`the notifier to record ${runId}`, () => ends.get(runId));
    for (let i = 0; i < 200; i++) {
      const { rows } = await db.query<{ status: string }>('SELECT status FROM runs WHERE id = $1', [runId]);
      const { rows: slackRows } = await db.query(
        'SELECT state FROM notifier_deliveries WHERE run_id = $1 AND sink = $2 AND state <> $3',
        [runId, 'slack', 'claimed'],
      );
      if (rows[0] && !['requested', 'running'].includes(rows[0].status) && slackRows.length > 0) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`the notifier did not settle ${runId}`);
  };

  it("copies the workflow's output switches into the report: slack_notification false posts no summary, a channel gets one", async () => {
    script = () => ({ kind: 'answer' });
    for (const [runId, workflow] of [
      ['out-quiet', 'quiet-review'],
      ['out-loud', 'loud-review'],
    ] as const) {
      await messenger.emit(
        topo.subjects.runsRequested,
        'run.requested',
        buildRunRequest(runId, plans.get(workflow)!, { change: buildChange({ pr: 11 }) }),
        { runId, msgId: `request:${runId}` },
      );
      await settled(runId);
    }
    expect(ends.get('out-quiet')!.report!.outputs).toMatchObject({ slack: false, githubComment: true });
    expect(ends.get('out-loud')!.report!.outputs).toMatchObject({
      slack: true,
      slackChannel: '#ios-reviews',
    });
    const summaries = slack.messages.filter((m) => m.text.startsWith('agentflow '));
    expect(summaries.filter((m) => m.text.includes('quiet-review'))).toEqual([]);
    expect(summaries.filter((m) => m.text.includes('loud-review')).map((m) => m.channel)).toEqual([
      '#ios-reviews',
    ]);
  });

  it("posts a workflow's notify: alert to the channel it names, once, even when the alert is delivered again", async () => {
    script = (task) =>
      task.stepId === 'review'
        ? {
            kind: 'answer',
            result: {
              status: 'failed',
              errorCode: 'all_providers_failed',
              errorMessage: 'anthropic 529, openai 500',
            },
          }
        : { kind: 'answer' };
    const runId = 'alert-1';
    const plan = buildPlan([{ id: 'review' }], {
      runActions: [{ ifProviderFails: 'anthropic', notify: '#mobile-oncall', continue: false }],
    });
    await messenger.emit(
      topo.subjects.runsRequested,
      'run.requested',
      buildRunRequest(runId, plan, { change: buildChange({ pr: 12 }) }),
      { runId, msgId: `request:${runId}` },
    );
    const alertsIn = () => slack.messages.filter((m) => m.channel === '#mobile-oncall');
    await until('the alert in Slack', () => alertsIn().length > 0);
    expect(alertsIn()[0].text).toMatch(/all_providers_failed.*every provider failed for step review/s);

    // The same alert again (another message id, as after a replay): the ledger posts nothing new.
    // A second run's alert, sent after it, shows when the notifier has worked through the replay.
    const again = {
      runId,
      target: '#mobile-oncall',
      code: 'all_providers_failed',
      message: 'again',
      change: buildChange({ pr: 12 }),
      workflow: plan.id,
      stepId: 'review',
    };
    await messenger.emit(topo.subjects.notify('alert'), 'notify.alert', again, {
      runId,
      msgId: `replayed-alert:${runId}`,
    });
    await messenger.emit(
      topo.subjects.notify('alert'),
      'notify.alert',
      { ...again, runId: 'alert-2', message: 'second run' },
      { runId: 'alert-2', msgId: 'alert:alert-2' },
    );
    await until("the second run's alert", () => alertsIn().some((m) => m.text.includes('second run')));
    expect(alertsIn().filter((m) => m.text.includes(`run ${runId}`))).toHaveLength(1);
    expect(alertsIn().some((m) => m.text.includes('again'))).toBe(false);
  });

  it('posts a gateway budget alert once per budget, period and threshold', async () => {
    const warnings: string[] = [];
    // Two gateway replicas raising the same crossing (the guard prevents it; a retry may not).
    const publish = budgetAlertPublisher(messenger, topo, (m) => warnings.push(m));
    const alert = {
      budget: 'team:ios:month',
      threshold: 0.8,
      spentUsd: 81.5,
      limitUsd: 100,
      period: 'M2026-11',
    };
    await publish(alert);
    await publish(alert);
    await publish({ ...alert, threshold: 1, spentUsd: 100.2 });
    await publish({ ...alert, period: 'M2026-12', spentUsd: 80 });
    const budget = () =>
      slack.messages.filter(
        (m) => m.channel === '#agentflow-alerts' && m.text.startsWith('agentflow budget team:ios:month'),
      );
    await until('three budget alerts', () => budget().length >= 3);
    // A fourth, new crossing sent last shows that the repeat was worked through and posted nothing.
    await publish({ ...alert, budget: 'global:all:month', threshold: 0.5, spentUsd: 500, limitUsd: 1000 });
    await until('the global budget alert', () =>
      slack.messages.some((m) => m.text.startsWith('agentflow budget global:all:month 50% used')),
    );
    const seen = budget().map(
      (m) => `${/(\d+)% used/.exec(m.text)?.[1]} ${/spent in (M[\d-]+)/.exec(m.text)?.[1]}`,
    );
    expect(seen.sort()).toEqual(['100 M2026-11', '80 M2026-11', '80 M2026-12']);
    expect(warnings).toEqual([]);
  });
});
