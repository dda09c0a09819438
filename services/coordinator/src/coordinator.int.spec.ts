/**
 * The coordinator on real NATS with scripted agents: parallel phases, context between phases,
 * timeouts and retries, superseding pushes, and crashes at each named point in a child process.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  createBus,
  createMessenger,
  deleteTopology,
  provisionTopology,
  type MessageBus,
  type Messenger,
  type ServiceHandle,
} from '@agentflow/bus';
import {
  topology as makeTopology,
  type AgentTask,
  type RunFailed,
  type RunReport,
  type Topology,
  type WorkflowPlan,
} from '@agentflow/contracts';
import { buildPlan, buildRunRequest, replay, RunActor, type StepSpec } from '@agentflow/run-actor';
import { readCoordinatorConfig } from './config';
import { Coordinator } from './coordinator';
import { CRASH_EXIT_CODE, type CrashPoint } from './crash-points';
import { readRunHistory } from './history';
import { RunStore } from './run-store';
import { ScriptedAgents, type AgentScript } from './testing/scripted-agents';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const ROOT = join(__dirname, '..', '..', '..');
const FAST_ENV = {
  COORDINATOR_SWEEP_AFTER_MS: '300',
  COORDINATOR_SWEEP_INTERVAL_MS: '100',
  COORDINATOR_MIN_DEFER_MS: '200',
  COORDINATOR_ACK_WAIT_MS: '1000',
  COORDINATOR_RETRY_BACKOFF_MS: '100',
};

jest.setTimeout(40_000);

type RunEnd = { kind: 'completed'; report: RunReport } | { kind: 'failed'; failure: RunFailed };

/** One topology (unique prefix) with its bus, scripted agents and a record of every run end seen. */
class Harness {
  readonly topology: Topology = makeTopology(`t_coord_${randomBytes(4).toString('hex')}`);
  bus!: MessageBus;
  messenger!: Messenger;
  agents!: ScriptedAgents;
  script: (task: AgentTask) => AgentScript = () => ({ kind: 'answer' });
  /** Run ends as seen live (a re-publish shows twice here; the stream stores it once). */
  readonly ended = new Map<string, RunEnd[]>();
  private endSub?: ServiceHandle;

  async start(): Promise<this> {
    this.bus = await createBus({ natsUrl: NATS_URL, name: 'coordinator-int', topology: this.topology });
    await provisionTopology(this.bus, this.topology);
    this.messenger = createMessenger(this.bus, this.topology);
    this.endSub = await this.bus.subscribe(`${this.topology.prefix}.runs.*.*`, (msg) => {
      const [, , runId, what] = msg.subject.split('.');
      if (what !== 'completed' && what !== 'failed') return;
      const body = msg.json<{ body: unknown }>().body;
      const list = this.ended.get(runId) ?? [];
      list.push(
        what === 'completed'
          ? { kind: 'completed', report: (body as { report: RunReport }).report }
          : { kind: 'failed', failure: body as RunFailed },
      );
      this.ended.set(runId, list);
    });
    this.agents = new ScriptedAgents(this.bus, this.messenger, this.topology, (task) => this.script(task));
    await this.agents.start();
    return this;
  }

  async coordinator(): Promise<Coordinator> {
    const c = new Coordinator({
      bus: this.bus,
      messenger: this.messenger,
      topology: this.topology,
      config: readCoordinatorConfig(FAST_ENV),
    });
    await c.start();
    return c;
  }

  endOf(runId: string): Promise<RunEnd> {
    return until(`the end of ${runId}`, () => this.ended.get(runId)?.[0]);
  }

  async request(
    runId: string,
    plan: WorkflowPlan,
    overrides: Parameters<typeof buildRunRequest>[2] = {},
  ): Promise<void> {
    await this.messenger.emit(
      this.topology.subjects.runsRequested,
      'run.requested',
      buildRunRequest(runId, plan, overrides),
      { runId, msgId: `request:${runId}` },
    );
  }

  /** Messages stored on a subject of the runs stream. */
  async stored(subject: string): Promise<number> {
    return (await this.bus.readSubject(this.topology.streams.runs.name, subject)).length;
  }

  async stop(): Promise<void> {
    await this.agents?.stop();
    await this.endSub?.stop();
    await deleteTopology(this.bus, this.topology);
    await this.bus.drain();
  }
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const id = (name: string) => `${name}-${randomBytes(3).toString('hex')}`;

describe('coordinator on NATS', () => {
  const h = new Harness();
  let coordinator: Coordinator;
  let agents: ScriptedAgents;
  beforeAll(async () => {
    await h.start();
    agents = h.agents;
    coordinator = await h.coordinator();
  });
  afterAll(async () => {
    await coordinator.stop();
    await h.stop();
  });

  it('starts every agent of a parallel phase before the first finishes, and gives the next phase their results', async () => {
    const runId = id('phases');
    h.script = (task) => ({
      kind: 'answer',
      delayMs: task.stepId === 'tests' ? 10 : 400,
      result: { summary: `summary of ${task.stepId}` },
    });
    const steps: StepSpec[] = [
      { id: 'review', agentType: 'code-review' },
      { id: 'security', agentType: 'security' },
      { id: 'coverage', agentType: 'test-coverage' },
      { id: 'docs', agentType: 'documentation' },
      { id: 'tests', agentType: 'test-generation', dependsOn: ['review', 'security', 'coverage', 'docs'] },
    ];
    await h.request(runId, buildPlan(steps));
    const end = await h.endOf(runId);
    expect(end.kind).toBe('completed');
    const phase1 = ['review', 'security', 'coverage', 'docs'].map((s) => agents.of(runId, s)[0]);
    const lastStart = Math.max(...phase1.map((r) => r.startedAt));
    const firstEnd = Math.min(...phase1.map((r) => r.endedAt!));
    expect(lastStart).toBeLessThan(firstEnd);
    const [tests] = agents.of(runId, 'tests');
    expect(tests.startedAt).toBeGreaterThanOrEqual(Math.max(...phase1.map((r) => r.endedAt!)));
    expect(Object.fromEntries(Object.entries(tests.task.context).map(([k, v]) => [k, v.summary]))).toEqual({
      review: 'summary of review',
      security: 'summary of security',
      coverage: 'summary of coverage',
      docs: 'summary of docs',
    });
    // Progress went out per step, and the history replays to the stored state.
    expect(await h.stored(h.topology.subjects.runProgress(runId))).toBeGreaterThanOrEqual(10);
    const history = await readRunHistory(h.bus, h.topology, runId);
    expect(history.map((h) => h.index)).toEqual(history.map((_, i) => i + 1));
    const replayed = replay(
      new RunActor(),
      history.map((h) => h.event),
    );
    const kv = new RunStore(await h.bus.kv(h.topology.buckets.runs));
    expect(replayed.state).toEqual((await kv.load(runId))!.record.state);
  });

  it('retries a timed-out step, then fails the run under fail_fast', async () => {
    const runId = id('timeout-fail');
    h.script = (task) => (task.stepId === 'slow' ? { kind: 'hang' } : { kind: 'answer' });
    await h.request(
      runId,
      buildPlan(
        [
          { id: 'slow', timeoutMs: 400, retries: 1 },
          { id: 'fast', agentType: 'lint' },
        ],
        { failFast: true },
      ),
    );
    const end = await h.endOf(runId);
    expect(end).toMatchObject({ kind: 'failed', failure: { code: 'step_failed' } });
    expect(agents.of(runId, 'slow').map((r) => r.task.attempt)).toEqual([1, 2]);
    if (end.kind === 'failed')
      expect(end.failure.partial.steps.slow).toMatchObject({ state: 'timed_out', attempts: 2 });
  });

  it("retries a timed-out step, then completes with the other steps' results and names the one that timed out", async () => {
    const runId = id('timeout-degrade');
    h.script = (task) => (task.stepId === 'slow' ? { kind: 'hang' } : { kind: 'answer' });
    await h.request(
      runId,
      buildPlan([
        { id: 'slow', timeoutMs: 400, retries: 1 },
        { id: 'fast', agentType: 'lint' },
      ]),
    );
    const end = await h.endOf(runId);
    expect(end.kind).toBe('completed');
    if (end.kind !== 'completed') return;
    expect(end.report.steps).toMatchObject({
      slow: { state: 'timed_out', attempts: 2, errorCode: 'timeout' },
      fast: { state: 'succeeded' },
    });
    expect(end.report.incompleteSteps).toEqual(['slow']);
    expect(end.report.gateSummary).toContain('incomplete: slow timed out');
  });

  it('retries a timed-out step, then continues when the workflow says so', async () => {
    const runId = id('timeout-continue');
    h.script = (task) => (task.stepId === 'slow' ? { kind: 'hang' } : { kind: 'answer' });
    await h.request(
      runId,
      buildPlan([
        { id: 'slow', timeoutMs: 300, retries: 1, options: { continue_on_error: true } },
        { id: 'after', dependsOn: ['slow'], if: 'slow.completed' },
      ]),
    );
    const end = await h.endOf(runId);
    expect(end.kind).toBe('completed');
    expect(agents.of(runId, 'slow')).toHaveLength(2);
    expect(agents.of(runId, 'after')[0].task.context.slow.status).toBe('timed_out');
  });

  it('cancels the running review when a new push arrives: the agent sees the cancel and its late result is discarded', async () => {
    const first = id('push1');
    const second = id('push2');
    h.script = (task) =>
      task.runId === first ? { kind: 'hang', answerAfterCancel: true } : { kind: 'answer' };
    const plan = buildPlan([{ id: 'review' }], {
      concurrency: { group: '${workflow}:${repo}#${pr}', cancelInProgress: true },
    });
    const pr = 1000 + Math.floor(Math.random() * 1000);
    await h.request(first, plan, {
      change: { platform: 'github', repo: 'acme/ios-app', pr, headSha: '1'.repeat(40) } as never,
    });
    await until("the first run's agent to start", () => agents.of(first)[0]);
    await h.request(second, plan, {
      change: { platform: 'github', repo: 'acme/ios-app', pr, headSha: '2'.repeat(40) } as never,
      trigger: 'pull_request.synchronize',
    });
    const firstEnd = await h.endOf(first);
    expect(firstEnd).toMatchObject({ kind: 'failed', failure: { code: 'superseded' } });
    const secondEnd = await h.endOf(second);
    expect(secondEnd.kind).toBe('completed');
    const inFlight = agents.of(first)[0];
    await until('the cancel to reach the agent', () => inFlight.cancelledAt);
    expect(agents.cancels.find((c) => c.runId === first)?.supersededBy).toBe(second);
    // The late answer of the superseded attempt changes nothing: one end message stored, still failed.
    await new Promise((r) => setTimeout(r, 300));
    expect(await h.stored(h.topology.subjects.runCompleted(first))).toBe(0);
    expect(await h.stored(h.topology.subjects.runFailed(first))).toBe(1);
  });
});

function startChild(
  h: Harness,
  crashAt: CrashPoint,
): { ready: Promise<void>; exited: Promise<number | null>; kill: () => void } {
  const child = spawn(
    process.execPath,
    [
      '-r',
      join(ROOT, 'scripts', 'ts-register.js'),
      join(ROOT, 'services', 'coordinator', 'src', 'standalone.ts'),
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        ...FAST_ENV,
        AF_CRASH_AT: crashAt,
        AF_PREFIX: h.topology.prefix,
        NATS_URL,
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('coordinator ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before it was ready: ${stderr}`)));
  });
  let running = true;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running = false;
      resolve(code);
    }),
  );
  ready.catch(() => undefined);
  // A child that never reached its crash point must not outlive the suite.
  return {
    ready,
    exited,
    kill: () => {
      if (running) child.kill('SIGKILL');
    },
  };
}

describe('a coordinator that crashes', () => {
  const points: CrashPoint[] = ['after-cas', 'after-publish', 'before-ack'];
  const harnesses = new Map<CrashPoint, Harness>();
  const children = new Map<CrashPoint, ReturnType<typeof startChild>>();

  // The children start together: loading the TypeScript sources takes seconds on a busy machine.
  beforeAll(async () => {
    for (const point of points) harnesses.set(point, await new Harness().start());
    for (const point of points) children.set(point, startChild(harnesses.get(point)!, point));
    await Promise.all([...children.values()].map((c) => c.ready));
  }, 120_000);
  afterAll(async () => {
    for (const c of children.values()) c.kill();
    for (const h of harnesses.values()) await h.stop();
  });

  it.each(points)(
    'at %s is replaced by a new one that finishes the run: one run.completed, no task published twice',
    async (crashAt) => {
      const h = harnesses.get(crashAt)!;
      const runId = id(`crash-${crashAt}`);
      h.script = (task) => ({ kind: 'answer', delayMs: 20, result: { summary: task.stepId } });
      await h.request(
        runId,
        buildPlan([
          { id: 'review' },
          { id: 'security', agentType: 'security' },
          { id: 'report', agentType: 'documentation', dependsOn: ['review', 'security'] },
        ]),
      );
      expect(await children.get(crashAt)!.exited).toBe(CRASH_EXIT_CODE);
      const replacement = await h.coordinator();
      try {
        const end = await h.endOf(runId);
        expect(end.kind).toBe('completed');
        // Give a stray re-publish the chance to show up before counting.
        await new Promise((r) => setTimeout(r, 500));
        expect(await h.stored(h.topology.subjects.runCompleted(runId))).toBe(1);
        expect(await h.stored(h.topology.subjects.runFailed(runId))).toBe(0);
        const records = h.agents.of(runId);
        const byMsgId = new Map<string, Set<number>>();
        for (const r of records) byMsgId.set(r.msgId, (byMsgId.get(r.msgId) ?? new Set()).add(r.streamSeq));
        expect([...byMsgId.keys()].sort()).toEqual([
          `${runId}:report:1`,
          `${runId}:review:1`,
          `${runId}:security:1`,
        ]);
        for (const seqs of byMsgId.values()) expect(seqs.size).toBe(1);
        expect(records).toHaveLength(3);
      } finally {
        await replacement.stop();
      }
    },
  );
});
