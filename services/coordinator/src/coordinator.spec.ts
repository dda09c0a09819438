/**
 * The coordinator's cross-run behaviour on the embedded bus (same semantics as JetStream, no
 * server): incremental review across pushes, dismissals, CI waits, deferrals and run-level alerts.
 */
import { createMessenger, EmbeddedBus, provisionTopology, type ServiceHandle } from '@agentflow/bus';
import {
  topology as makeTopology,
  type AgentTask,
  type CiEvent,
  type RunAlert,
  type RunFailed,
  type RunReport,
} from '@agentflow/contracts';
import {
  buildChange,
  buildFinding,
  buildPlan,
  buildRunRequest,
  fingerprintOf,
  type StepSpec,
} from '@agentflow/run-actor';
import { createLogger } from '@agentflow/telemetry';
import { readCoordinatorConfig } from './config';
import { Coordinator } from './coordinator';
import { ScriptedAgents, type AgentScript } from './testing/scripted-agents';

const topology = makeTopology('t_coord_unit');
const bus = new EmbeddedBus({ deadLetterSubject: topology.subjects.dlq });
const messenger = createMessenger(bus, topology);
let coordinator: Coordinator;
let agents: ScriptedAgents;
let subs: ServiceHandle[] = [];
let script: (task: AgentTask) => AgentScript = () => ({ kind: 'answer' });
const ends = new Map<string, { report?: RunReport; failure?: RunFailed }>();
const alerts: RunAlert[] = [];
const warnings: Array<{ runId?: string; msg: string }> = [];

beforeAll(async () => {
  await provisionTopology(bus, topology);
  coordinator = new Coordinator({
    bus,
    messenger,
    topology,
    config: readCoordinatorConfig({
      COORDINATOR_SWEEP_AFTER_MS: '200',
      COORDINATOR_SWEEP_INTERVAL_MS: '50',
      COORDINATOR_MIN_DEFER_MS: '150',
      COORDINATOR_RETRY_BACKOFF_MS: '600',
    }),
    logger: createLogger('coordinator', {
      level: 'warn',
      destination: {
        write: (line: string) => {
          const l = JSON.parse(line) as { runId?: string; msg: string };
          warnings.push({ runId: l.runId, msg: l.msg });
        },
      },
    }),
  });
  await coordinator.start();
  agents = new ScriptedAgents(bus, messenger, topology, (task) => script(task));
  await agents.start();
  subs = [
    await bus.subscribe(topology.subjects.runCompleted('*'), (m) => {
      const r = m.json<{ body: { report: RunReport } }>().body.report;
      ends.set(r.runId, { report: r });
    }),
    await bus.subscribe(topology.subjects.runFailed('*'), (m) => {
      const f = m.json<{ body: RunFailed }>().body;
      ends.set(f.runId, { failure: f });
    }),
    await bus.subscribe(topology.subjects.notify('alert'), (m) => {
      alerts.push(m.json<{ body: RunAlert }>().body);
    }),
  ];
});

afterAll(async () => {
  await coordinator.stop();
  await agents.stop();
  for (const s of subs) await s.stop();
  await bus.drain();
});

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function run(
  runId: string,
  steps: StepSpec[],
  overrides: Parameters<typeof buildRunRequest>[2] = {},
  planOverrides = {},
) {
  await messenger.emit(
    topology.subjects.runsRequested,
    'run.requested',
    buildRunRequest(runId, buildPlan(steps, planOverrides), overrides),
    { runId, msgId: `request:${runId}` },
  );
  return until(`the end of ${runId}`, () => ends.get(runId));
}

describe('incremental review and dismissals', () => {
  const pr = 7;
  const stillOpen = buildFinding({
    file: 'Sources/Cart.swift',
    message: 'Race on the cart total',
    startLine: 30,
    endLine: 31,
  });
  const fixedLater = buildFinding({ file: 'Sources/Pay.swift', message: 'Amount kept as Double' });

  it('remembers the reviewed head and open findings for the next push, and marks them open or fixed', async () => {
    script = () => ({ kind: 'answer', result: { findings: [stillOpen, fixedLater] } });
    const first = await run('inc-1', [{ id: 'review' }], { change: buildChange({ pr, headSha: 'h1' }) });
    expect(first.report!.findings).toHaveLength(2);

    // The next push moves the still-open finding down 5 lines; the other one is gone.
    script = () => ({ kind: 'answer', result: { findings: [{ ...stillOpen, startLine: 35, endLine: 36 }] } });
    const second = await run('inc-2', [{ id: 'review' }], {
      change: buildChange({ pr, headSha: 'h2' }),
      trigger: 'pull_request.synchronize',
    });
    const [task] = agents.of('inc-2');
    expect(task.task.sinceSha).toBe('h1');
    expect(task.task.openFindings!.map((f) => f.file).sort()).toEqual([
      'Sources/Cart.swift',
      'Sources/Pay.swift',
    ]);
    expect(second.report!.findingStates).toEqual({
      [fingerprintOf(stillOpen)]: 'open',
      [fingerprintOf(fixedLater)]: 'fixed',
    });
  });

  it('never reports a dismissed finding on that PR again', async () => {
    await messenger.emit(
      topology.subjects.findingDismissed,
      'finding.dismissed',
      { platform: 'github', repo: 'acme/ios-app', pr, fingerprint: fingerprintOf(stillOpen), by: 'octocat' },
      { msgId: 'dismiss-1' },
    );
    script = () => ({ kind: 'answer', result: { findings: [{ ...stillOpen, startLine: 40, endLine: 41 }] } });
    // The dismissal is applied by its own consumer; a run requested after it is stored must see it.
    await new Promise((r) => setTimeout(r, 100));
    const third = await run('inc-3', [{ id: 'review' }], {
      change: buildChange({ pr, headSha: 'h3' }),
      trigger: 'pull_request.synchronize',
    });
    expect(third.report!.findings).toEqual([]);
    expect(agents.of('inc-3')[0].task.openFindings).toEqual([]);
  });
});

describe('durable waits for CI', () => {
  const ci = (headSha: string): CiEvent => ({
    platform: 'github',
    repo: 'acme/ios-app',
    headSha,
    conclusion: 'success',
    name: 'iOS unit tests',
  });
  const steps: StepSpec[] = [
    { id: 'run-tests', agentType: 'test-runner', providers: [] },
    { id: 'review-tests', agentType: 'test-review', dependsOn: ['run-tests'] },
  ];

  it('wakes the waiting step when CI reports on the commit, and hands the outcome on', async () => {
    script = (task) =>
      task.stepId === 'run-tests'
        ? { kind: 'answer', result: { awaitCi: { headSha: 'ci-sha-1', timeoutMs: 5000 } } }
        : { kind: 'answer' };
    await messenger.emit(
      topology.subjects.runsRequested,
      'run.requested',
      buildRunRequest('ci-1', buildPlan(steps)),
      { runId: 'ci-1' },
    );
    await until('the wait to start', () => agents.of('ci-1', 'run-tests')[0]);
    await new Promise((r) => setTimeout(r, 100));
    expect(ends.get('ci-1')).toBeUndefined();
    await messenger.emit(topology.subjects.ci('github'), 'ci.event', ci('ci-sha-1'));
    const end = await until('the end of ci-1', () => ends.get('ci-1'));
    expect(end.report!.steps['run-tests'].state).toBe('succeeded');
    expect(agents.of('ci-1', 'review-tests')[0].task.context['run-tests'].data).toMatchObject({
      ci: { conclusion: 'success', name: 'iOS unit tests' },
    });
  });

  it('takes a CI result that arrived before the step started waiting', async () => {
    await messenger.emit(topology.subjects.ci('github'), 'ci.event', ci('ci-sha-2'));
    script = (task) =>
      task.stepId === 'run-tests'
        ? { kind: 'answer', result: { awaitCi: { headSha: 'ci-sha-2', timeoutMs: 5000 } } }
        : { kind: 'answer' };
    const end = await run('ci-2', steps);
    expect(end.report!.steps['run-tests'].state).toBe('succeeded');
  });

  it('times the wait out when CI never reports', async () => {
    script = () => ({ kind: 'answer', result: { awaitCi: { headSha: 'never', timeoutMs: 300 } } });
    const end = await run('ci-3', [
      { id: 'run-tests', agentType: 'test-runner', providers: [], options: { continue_on_error: true } },
    ]);
    expect(end.report!.steps['run-tests']).toMatchObject({
      state: 'timed_out',
      errorMessage: expect.stringContaining('no CI result'),
    });
  });
});

describe('outages', () => {
  it('retries a step whose gateways were all down after a backoff, not at once, and the retry succeeds', async () => {
    // Attempt 1 finds no gateway replica listening; by the retry one is back.
    script = (task) =>
      task.attempt === 1
        ? {
            kind: 'answer',
            result: {
              status: 'failed',
              errorCode: 'gateway_unavailable',
              errorMessage: 'no gateway replica is listening: the model call was not made',
            },
          }
        : { kind: 'answer' };
    const end = await run('backoff-1', [{ id: 'review', retries: 1 }]);
    expect(end.report!.steps.review).toMatchObject({ state: 'succeeded' });
    const [first, second] = agents.of('backoff-1');
    expect([first.task.attempt, second.task.attempt]).toEqual([1, 2]);
    // Half to all of the 600 ms base went by between the failure and the retry.
    expect(second.startedAt - first.endedAt!).toBeGreaterThanOrEqual(300);
    expect(warnings.filter((w) => w.runId === 'backoff-1').map((w) => w.msg)).toEqual([
      expect.stringMatching(/^step attempt failed transiently: retry 1\/1 in \d+ ms$/),
    ]);
  });

  it("says so once when a transient failure has used up the step's retries", async () => {
    script = () => ({
      kind: 'answer',
      result: {
        status: 'failed',
        errorCode: 'gateway_unavailable',
        errorMessage: 'no gateway replica is listening',
      },
    });
    const end = await run('backoff-2', [{ id: 'review', retries: 1 }]);
    expect(end.report!.steps.review).toMatchObject({ state: 'failed', errorCode: 'gateway_unavailable' });
    expect(warnings.filter((w) => w.runId === 'backoff-2').map((w) => w.msg)).toEqual([
      expect.stringMatching(/^step attempt failed transiently: retry 1\/1/),
      'step failed with gateway_unavailable and its 1 retry is used up: the step ends failed, the run reports it',
    ]);
  });

  it('waits out a deferral on a timer, retries, and gates on what the retry found (late is not incomplete)', async () => {
    script = (task) =>
      task.attempt === 1
        ? {
            kind: 'answer',
            result: { status: 'deferred', errorCode: 'all_providers_down', retryAt: Date.now() + 200 },
          }
        : { kind: 'answer', result: { findings: [buildFinding({ severity: 'blocker', confidence: 1 })] } };
    const end = await run('defer-1', [{ id: 'review', retries: 0 }]);
    expect(agents.of('defer-1').map((r) => r.task.attempt)).toEqual([1, 2]);
    expect(end.report).toMatchObject({ degraded: true, gateConclusion: 'failure' });
  });

  it("runs the workflow's notify: action once and stops the run on continue: false", async () => {
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
        : { kind: 'hang' };
    const end = await run(
      'outage-1',
      [{ id: 'review' }, { id: 'lint', agentType: 'lint', providers: [] }],
      {},
      {
        runActions: [{ ifProviderFails: 'anthropic', notify: '#mobile-oncall', continue: false }],
      },
    );
    expect(end.failure).toMatchObject({ code: 'all_providers_failed' });
    await until('the alert', () => alerts.find((a) => a.runId === 'outage-1'));
    expect(alerts.filter((a) => a.runId === 'outage-1')).toEqual([
      expect.objectContaining({ target: '#mobile-oncall', stepId: 'review' }),
    ]);
    // The lint agent still working was told to stop.
    await until('the cancel to reach the lint agent', () => agents.of('outage-1', 'lint')[0]?.cancelledAt);
  });
});
