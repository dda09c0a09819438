/**
 * Deadline and cancel told apart: both abort a model call through the same signal, but a deadline
 * is a `timeout` (the coordinator retries it) and only a cancel of the run is `cancelled` (nothing
 * retries it). A gateway that nobody serves is `gateway_unavailable` (retried after a backoff).
 */
import { createEnvelope, topology as makeTopology } from '@agentflow/contracts';
import { EmbeddedBus, type ServiceHandle } from '@agentflow/bus';
import { MobileRulesAnalyzer } from '../analysis/mobile-analyzer';
import { BpeTokenCounter } from '../context/tokens';
import { BusModelGateway } from '../gateway/model-gateway';
import { LocalReaderFactory } from '../repo/reader-factory';
import { agentTask, FixtureRepo, planStep } from '../testing/fixture-repo';
import { IOS_BASE, IOS_CHANGE } from '../testing/sample-repos';
import { TaskRunner } from './task-runner';

describe('TaskRunner: deadline, cancel and an absent gateway', () => {
  const topology = makeTopology(`t_tr_${Math.random().toString(36).slice(2, 8)}`);
  const bus = new EmbeddedBus({ deadLetterSubject: topology.subjects.dlq });
  const warnings: string[] = [];
  const runner = new TaskRunner({
    readers: new LocalReaderFactory(),
    gateway: new BusModelGateway(bus, topology, {
      logger: { warn: ((_: unknown, msg: string) => warnings.push(msg)) as never },
    }),
    analyzer: new MobileRulesAnalyzer(),
    tokens: new BpeTokenCounter(),
    push: { push: () => Promise.reject(new Error('not in this test')) },
    pushQuota: { reserve: () => Promise.reject(new Error('not in this test')) },
  });
  let repo: FixtureRepo;
  let base: string;
  let head: string;
  let gateway: ServiceHandle | undefined;
  let requests = 0;

  beforeAll(() => {
    repo = new FixtureRepo(IOS_BASE);
    base = repo.head();
    head = repo.commit(IOS_CHANGE);
  });

  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
  });

  afterAll(async () => {
    await bus.drain();
    repo.remove();
  });

  /** A gateway that takes every request and never answers (a vendor call that outlives the task). */
  async function silentGateway(): Promise<void> {
    requests = 0;
    gateway = await bus.serve(topology.subjects.gatewayGenerate, 'gateway', () => {
      requests += 1;
    });
  }

  it('reports a task whose deadline passed during a model call as timeout, not cancelled', async () => {
    await silentGateway();
    const task = agentTask(repo, base, head, planStep('code-review'), {
      runId: 'tr-deadline',
      deadline: Date.now() + 400,
    });
    const result = await runner.run(task, new AbortController().signal);
    expect(requests).toBeGreaterThan(0);
    expect(result).toMatchObject({ status: 'failed', errorCode: 'timeout' });
    expect(result.errorMessage).toContain('deadline');
  });

  it('reports a task whose run was cancelled during a model call as cancelled', async () => {
    await silentGateway();
    const cancel = new AbortController();
    const task = agentTask(repo, base, head, planStep('code-review'), {
      runId: 'tr-cancel',
      deadline: Date.now() + 60_000,
    });
    const pending = runner.run(task, cancel.signal);
    while (requests === 0) await new Promise((r) => setTimeout(r, 5));
    cancel.abort(new Error('run tr-cancel cancelled: superseded'));
    expect(await pending).toMatchObject({ status: 'failed', errorCode: 'cancelled' });
  });

  it('reports a model call no gateway replica listens for as gateway_unavailable, which the coordinator retries', async () => {
    const task = agentTask(repo, base, head, planStep('code-review'), {
      runId: 'tr-absent',
      deadline: Date.now() + 60_000,
    });
    const result = await runner.run(task, new AbortController().signal);
    expect(result).toMatchObject({ status: 'failed', errorCode: 'gateway_unavailable' });
    expect(result.errorMessage).toContain('no gateway replica is listening');
  });

  it('reports a gateway that answers deadline_exceeded as timeout, which the coordinator retries', async () => {
    gateway = await bus.serve(topology.subjects.gatewayGenerate, 'gateway', (msg) => {
      const { body } = msg.json<{ body: { requestId: string } }>();
      const response = {
        requestId: body.requestId,
        status: 'failed',
        errorCode: 'deadline_exceeded',
        errorMessage: 'the call passed the request deadline',
        usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
        costUsd: 0,
        cached: false,
        attempts: [],
        vendorMs: 0,
      };
      msg.respond(
        new TextEncoder().encode(
          JSON.stringify(createEnvelope('gateway.response', response, { runId: 'tr-gw-deadline' })),
        ),
      );
    });
    const task = agentTask(repo, base, head, planStep('code-review'), {
      runId: 'tr-gw-deadline',
      deadline: Date.now() + 60_000,
    });
    expect(await runner.run(task, new AbortController().signal)).toMatchObject({
      status: 'failed',
      errorCode: 'timeout',
    });
  });
});
