/**
 * Job steps end to end on the embedded bus: the agent worker consumes a task whose provider chain
 * starts with Cursor, launches the job through the real gateway job runtime (GatewayJobs) against
 * the fake vendor's Cursor endpoints, waits for the hand-back on the job-results stream and
 * publishes the step's AgentResult on `af.results.<runId>`. Delays are counted in status polls.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  topology,
  type AgentResult,
  type Envelope,
  type JobFinished,
  type ProvidersConfig,
} from '@agentflow/contracts';
import {
  createMessenger,
  EmbeddedBus,
  provisionTopology,
  type MessageBus,
  type Messenger,
} from '@agentflow/bus';
import { FakeVendorServer } from '@agentflow/fake-vendor';
import {
  BudgetGuard,
  DEFAULT_SETTINGS,
  GatewayJobs,
  gatewayJobResultsStream,
  jobDoneSubject,
  MemoryRecordSink,
  PolicyState,
  requestJob,
  SecretScrubber,
  type GatewayLogger,
} from '@agentflow/gateway';
import { MobileRulesAnalyzer } from '../../../services/agents/src/analysis/mobile-analyzer';
import { readAgentsConfig } from '../../../services/agents/src/config';
import { BpeTokenCounter } from '../../../services/agents/src/context/tokens';
import { BusModelGateway } from '../../../services/agents/src/gateway/model-gateway';
import { LocalReaderFactory } from '../../../services/agents/src/repo/reader-factory';
import { AgentWorker } from '../../../services/agents/src/runtime/agent-worker';
import { TaskRunner } from '../../../services/agents/src/runtime/task-runner';
import { agentTask, FixtureRepo, planStep } from '../../../services/agents/src/testing/fixture-repo';
import { IOS_BASE } from '../../../services/agents/src/testing/sample-repos';
import { JobChannel } from '../../../services/agents/src/jobs/job-channel';
import { JobStepRunner } from '../../../services/agents/src/jobs/job-step';
import { JobStepKinds } from '../../../services/agents/src/jobs/job-step-kinds';

const KEY = 'crsr_agents_key_0123456789';
const decoder = new TextDecoder();
const silent: GatewayLogger = {
  level: 'silent' as GatewayLogger['level'],
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

describe('job steps', () => {
  const topo = topology(`t_agjobs_${Math.random().toString(36).slice(2, 8)}`);
  const vendor = new FakeVendorServer({ apiKeys: [KEY] });
  let bus: MessageBus;
  let messenger: Messenger;
  let gateway: GatewayJobs;
  let worker: AgentWorker;
  let repo: FixtureRepo;
  let config: ProvidersConfig;

  beforeAll(async () => {
    await vendor.start();
    config = {
      providers: {
        cursor: {
          kind: 'cursor',
          enabled: true,
          baseUrl: vendor.url,
          apiKey: { env: 'CURSOR_API_KEY' },
          dataClasses: ['internal'],
          models: {},
        },
      },
    };
    bus = new EmbeddedBus({ deadLetterSubject: topo.subjects.dlq });
    await provisionTopology(bus, topo);
    messenger = createMessenger(bus, topo);
    repo = new FixtureRepo(IOS_BASE);
    const clock = { now: Date.now, sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
    gateway = new GatewayJobs({
      bus,
      topology: topo,
      providersConfig: config,
      records: new MemoryRecordSink(),
      logger: silent,
      scrubber: new SecretScrubber(),
      policy: new PolicyState(DEFAULT_SETTINGS.policy, undefined),
      budget: new BudgetGuard(
        await bus.kv(`${topo.prefix}_budgets`),
        DEFAULT_SETTINGS,
        clock,
        () => undefined,
      ),
      env: { CURSOR_API_KEY: KEY, GATEWAY_JOB_POLL_MS: '20' },
    });
    await gateway.start();
    const runner = new TaskRunner({
      readers: new LocalReaderFactory(),
      gateway: new BusModelGateway(bus, topo),
      analyzer: new MobileRulesAnalyzer(),
      tokens: new BpeTokenCounter(),
      push: { push: () => Promise.reject(new Error('not in this test')) },
      pushQuota: { reserve: () => Promise.reject(new Error('not in this test')) },
      jobs: new JobStepRunner({
        channel: new JobChannel({ bus, topology: topo, pollMs: 20 }),
        kinds: new JobStepKinds(config),
      }),
    });
    worker = new AgentWorker(bus, messenger, topo, runner, {
      agentTypes: ['test-generation'],
      concurrency: 2,
    });
    await worker.start();
  });

  afterAll(async () => {
    await worker.stop();
    await gateway.stop();
    await bus.drain();
    await vendor.close();
    repo.remove();
  });

  const step = planStep('test-generation', {
    id: 'ui-tests',
    providers: [{ provider: 'cursor', model: 'default' }],
    tasks: ['Write Espresso tests for checkout'],
  });
  const taskFor = (runId: string, deadline = Date.now() + 60_000) =>
    agentTask(repo, repo.head(), repo.head(), step, {
      runId,
      deadline,
      change: {
        platform: 'github',
        repo: 'acme/android-app',
        headSha: repo.head(),
        headRef: 'feature/checkout',
        pr: 12,
      },
    });

  async function result(runId: string): Promise<AgentResult> {
    for (let i = 0; i < 500; i++) {
      const messages = await bus.readSubject(topo.streams.results.name, topo.subjects.results(runId));
      const found = messages
        .map((m) => JSON.parse(decoder.decode(m.data)) as Envelope<AgentResult>)
        .find((e) => e.type === 'task.result');
      if (found) return found.body;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no task.result on ${topo.subjects.results(runId)}`);
  }

  it('launches a Cursor job, waits for it to finish and delivers its summary and PR as the step result', async () => {
    vendor.cursor.enqueue({
      statuses: ['CREATING', 'RUNNING', 'RUNNING', 'FINISHED'],
      summary: 'Wrote 3 Espresso tests',
      prUrl: 'https://github.com/acme/android-app/pull/13',
    });
    const launches = vendor.cursor.launches.length;
    const task = taskFor('run-finished');
    await messenger.emit(topo.subjects.tasks('test-generation'), 'task.requested', task, {
      runId: task.runId,
    });
    const body = await result('run-finished');
    expect(body).toMatchObject({
      runId: 'run-finished',
      stepId: 'ui-tests',
      attempt: 1,
      status: 'succeeded',
      summary: 'Wrote 3 Espresso tests',
      findings: [],
      usage: { models: ['cursor'] },
      data: {
        prUrl: 'https://github.com/acme/android-app/pull/13',
        job: { provider: 'cursor', vendorStatus: 'FINISHED' },
      },
    });
    expect(vendor.cursor.launches).toHaveLength(launches + 1);
    expect(vendor.cursor.launches.at(-1)).toMatchObject({
      prompt: { text: 'Write Espresso tests for checkout' },
      source: { repository: 'https://github.com/acme/android-app', ref: 'feature/checkout' },
    });

    // The same task again (a redelivery after an agent crash) gets the same job back: no second launch.
    await worker.handle(task);
    expect(vendor.cursor.launches).toHaveLength(launches + 1);
  });

  it.each([
    ['ERROR', 'job_failed', /Cursor agent ended in ERROR: could not build the app/],
    ['EXPIRED', 'job_expired', /EXPIRED before it finished/],
  ] as const)(
    'reports a job that ends in %s as a failed step with %s and the reason',
    async (status, errorCode, reason) => {
      vendor.cursor.enqueue({
        statuses: ['CREATING', 'RUNNING', status],
        summary: status === 'ERROR' ? 'could not build the app' : undefined,
      });
      const runId = `run-${status.toLowerCase()}`;
      await messenger.emit(topo.subjects.tasks('test-generation'), 'task.requested', taskFor(runId), {
        runId,
      });
      expect(await result(runId)).toMatchObject({
        status: 'failed',
        errorCode,
        errorMessage: expect.stringMatching(reason),
        findings: [],
      });
    },
  );

  it('cancels the vendor job when the run is cancelled', async () => {
    vendor.cursor.enqueue({ statuses: ['CREATING', ...Array<'RUNNING'>(5_000).fill('RUNNING')] });
    const launches = vendor.cursor.launches.length;
    await messenger.emit(topo.subjects.tasks('test-generation'), 'task.requested', taskFor('run-cancel'), {
      runId: 'run-cancel',
    });
    for (let i = 0; i < 500 && vendor.cursor.launches.length === launches; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(vendor.cursor.launches).toHaveLength(launches + 1);
    await messenger.emit(
      topo.subjects.runCancel('run-cancel'),
      'run.cancel',
      { runId: 'run-cancel', reason: 'superseded' },
      { runId: 'run-cancel' },
    );
    expect(await result('run-cancel')).toMatchObject({ status: 'failed', errorCode: 'cancelled' });
    const handedBack = await bus.readSubject(
      gatewayJobResultsStream(topo).name,
      jobDoneSubject(topo, 'run-cancel', 'ui-tests'),
    );
    expect(handedBack.map((m) => (JSON.parse(decoder.decode(m.data)) as JobFinished).state)).toEqual([
      'cancelled',
    ]);
  });

  it('lends the worker slot of a step waiting on its job, so more tasks than the concurrency run meanwhile', async () => {
    const running = Array<'RUNNING'>(5_000).fill('RUNNING');
    vendor.cursor.enqueue(...[1, 2, 3, 4].map(() => ({ statuses: ['CREATING' as const, ...running] })));
    const launches = vendor.cursor.launches.length;
    const runIds = [1, 2, 3, 4].map((n) => `run-lend-${n}`);
    // Four long jobs on a worker of concurrency 2: without lending, the last two would wait for the first two to end.
    for (const runId of runIds)
      await messenger.emit(topo.subjects.tasks('test-generation'), 'task.requested', taskFor(runId), {
        runId,
      });
    for (let i = 0; i < 500 && vendor.cursor.launches.length < launches + 4; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(vendor.cursor.launches).toHaveLength(launches + 4);
    for (const runId of runIds)
      await messenger.emit(
        topo.subjects.runCancel(runId),
        'run.cancel',
        { runId, reason: 'superseded' },
        { runId },
      );
    for (const runId of runIds)
      expect(await result(runId)).toMatchObject({ status: 'failed', errorCode: 'cancelled' });
  });

  it('ends the step as timed out at the task deadline and stops the vendor job', async () => {
    vendor.cursor.enqueue({ statuses: ['CREATING', ...Array<'RUNNING'>(5_000).fill('RUNNING')] });
    await messenger.emit(
      topo.subjects.tasks('test-generation'),
      'task.requested',
      taskFor('run-late', Date.now() + 400),
      { runId: 'run-late' },
    );
    expect(await result('run-late')).toMatchObject({ status: 'failed', errorCode: 'timeout' });
    const handedBack = await bus.readSubject(
      gatewayJobResultsStream(topo).name,
      jobDoneSubject(topo, 'run-late', 'ui-tests'),
    );
    const jobId = (JSON.parse(decoder.decode(handedBack[0].data)) as JobFinished).jobId;
    // Stopped by the agent's cancel or by the gateway at the launch deadline, whichever came first: either way no longer running.
    expect(await requestJob(bus, topo, { op: 'status', jobId })).toMatchObject({
      status: 'ok',
      state: expect.stringMatching(/^(cancelled|expired)$/),
    });
  });
});

describe('JobStepKinds', () => {
  const config: ProvidersConfig = {
    providers: {
      cursor: { kind: 'cursor', enabled: true, apiKey: { env: 'K' }, dataClasses: ['internal'], models: {} },
      anthropic: { kind: 'anthropic', apiKey: { env: 'K' }, dataClasses: ['internal'], models: {} },
    },
  } as ProvidersConfig;
  const kinds = new JobStepKinds(config);

  it('runs a step as a job when its chain starts with a job-style provider or it says job: true', () => {
    expect(
      kinds.jobProvider(planStep('test-generation', { providers: [{ provider: 'cursor', model: 'x' }] })),
    ).toBe('cursor');
    expect(kinds.jobProvider(planStep('code-review'))).toBeUndefined();
    expect(
      kinds.jobProvider(
        planStep('code-review', {
          providers: [
            { provider: 'anthropic', model: 'm' },
            { provider: 'cursor', model: 'x' },
          ],
        }),
      ),
    ).toBeUndefined();
    expect(
      kinds.jobProvider(
        planStep('test-runner', {
          providers: [{ provider: 'testing-ai', model: 'x' }],
          options: { job: true },
        }),
      ),
    ).toBe('testing-ai');
    expect(
      new JobStepKinds().jobProvider(
        planStep('test-generation', { providers: [{ provider: 'cursor', model: 'x' }] }),
      ),
    ).toBeUndefined();
  });

  it('reads provider kinds from the providers.yml the gateway reads, and knows none when the file is absent', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agents-jobkinds-'));
    try {
      const file = join(dir, 'providers.yml');
      writeFileSync(
        file,
        'providers:\n  cursor:\n    kind: cursor\n    enabled: true\n    apiKey: { env: CURSOR_API_KEY }\n    dataClasses: [internal]\n    models: {}\n',
      );
      const cursorStep = planStep('test-generation', { providers: [{ provider: 'cursor', model: 'x' }] });
      expect(JobStepKinds.fromFile(file).jobProvider(cursorStep)).toBe('cursor');
      expect(JobStepKinds.fromFile(join(dir, 'absent.yml')).jobProvider(cursorStep)).toBeUndefined();
      expect(readAgentsConfig({ PROVIDERS_FILE: file, AGENTS_JOB_POLL_MS: '500' })).toMatchObject({
        providersFile: file,
        jobPollMs: 500,
      });
      expect(() => readAgentsConfig({ AGENTS_JOB_POLL_MS: '0' })).toThrow(
        /AGENTS_JOB_POLL_MS must be a positive number/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
