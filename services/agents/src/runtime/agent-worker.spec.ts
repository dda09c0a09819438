/**
 * The worker on the embedded bus: a task on `af.tasks.<type>` becomes `task.started` and
 * `task.result` on `af.results.<runId>`; the model is reached through a scripted responder on
 * `af.gateway.generate`; a cancel on `af.runs.<runId>.cancel` aborts the in-flight call.
 */
import {
  createEnvelope,
  topology,
  type AgentResult,
  type Envelope,
  type GatewayRequest,
} from '@agentflow/contracts';
import {
  createMessenger,
  EmbeddedBus,
  provisionTopology,
  type MessageBus,
  type Messenger,
} from '@agentflow/bus';
import { MobileRulesAnalyzer } from '../analysis/mobile-analyzer';
import { readAgentsConfig } from '../config';
import { BpeTokenCounter } from '../context/tokens';
import { BusModelGateway } from '../gateway/model-gateway';
import { LocalReaderFactory } from '../repo/reader-factory';
import { agentTask, FixtureRepo, okResponse, planStep } from '../testing/fixture-repo';
import { IOS_BASE, IOS_CHANGE } from '../testing/sample-repos';
import { AgentWorker } from './agent-worker';
import { TaskRunner } from './task-runner';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

describe('AgentWorker', () => {
  const topo = topology(`t_agents_${Math.random().toString(36).slice(2, 8)}`);
  let bus: MessageBus;
  let messenger: Messenger;
  let worker: AgentWorker;
  let repo: FixtureRepo;
  let base: string;
  let head: string;
  const gatewayRequests: GatewayRequest[] = [];
  let answer: (request: GatewayRequest) => Promise<Record<string, unknown> | null>;

  beforeAll(async () => {
    bus = new EmbeddedBus({ deadLetterSubject: topo.subjects.dlq });
    await provisionTopology(bus, topo);
    messenger = createMessenger(bus, topo);
    repo = new FixtureRepo(IOS_BASE);
    base = repo.head();
    head = repo.commit(IOS_CHANGE);
    // The scripted vendor, answering as the gateway does: a gateway.response envelope.
    await bus.serve(topo.subjects.gatewayGenerate, 'gateway', async (msg) => {
      const request = (JSON.parse(decoder.decode(msg.data)) as Envelope<GatewayRequest>).body;
      gatewayRequests.push(request);
      const body = await answer(request);
      if (body)
        msg.respond(
          encoder.encode(
            JSON.stringify(
              createEnvelope('gateway.response', okResponse(request, body), {
                runId: request.attribution.runId,
              }),
            ),
          ),
        );
    });
    const runner = new TaskRunner({
      readers: new LocalReaderFactory(),
      gateway: new BusModelGateway(bus, topo),
      analyzer: new MobileRulesAnalyzer(),
      tokens: new BpeTokenCounter(),
      push: { push: () => Promise.reject(new Error('not in this test')) },
      pushQuota: { reserve: () => Promise.reject(new Error('not in this test')) },
    });
    worker = new AgentWorker(bus, messenger, topo, runner, {
      agentTypes: readAgentsConfig({ AGENT_TYPES: 'code-review,security' }).agentTypes,
      concurrency: 2,
    });
    await worker.start();
  });

  afterAll(async () => {
    await worker.stop();
    await bus.drain();
    repo.remove();
  });

  async function results(runId: string, count: number): Promise<Array<Envelope<Record<string, unknown>>>> {
    for (let i = 0; i < 300; i++) {
      const messages = await bus.readSubject(topo.streams.results.name, topo.subjects.results(runId));
      if (messages.length >= count) return messages.map((m) => JSON.parse(decoder.decode(m.data)));
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`fewer than ${count} messages on ${topo.subjects.results(runId)}`);
  }

  it('consumes af.tasks.<type>, announces the start and publishes the result with the step message id', async () => {
    answer = async () => ({ text: JSON.stringify({ summary: 'ok', confidence: 0.9, findings: [] }) });
    const task = agentTask(repo, base, head, planStep('code-review'), { runId: 'run-ok' });
    await messenger.emit(topo.subjects.tasks('code-review'), 'task.requested', task, {
      runId: 'run-ok',
      msgId: 'run-ok:code-review:1',
    });
    const [started, result] = await results('run-ok', 2);
    expect(started.type).toBe('task.started');
    expect(result.type).toBe('task.result');
    expect(result.body as unknown as AgentResult).toMatchObject({
      runId: 'run-ok',
      stepId: 'code-review',
      attempt: 1,
      status: 'succeeded',
      usage: { models: ['claude-sonnet-4-6'] },
    });
    expect(gatewayRequests.at(-1)?.attribution).toMatchObject({
      runId: 'run-ok',
      stepId: 'code-review',
      service: 'agents',
    });
    const stored = await bus.readSubject(topo.streams.results.name, topo.subjects.results('run-ok'));
    expect(stored.map((m) => m.headers['Nats-Msg-Id'] ?? m.headers['nats-msg-id']).filter(Boolean)).toEqual(
      expect.arrayContaining(['run-ok:code-review:1']),
    );
  });

  it('aborts the in-flight gateway call when the run is cancelled', async () => {
    let calls = 0;
    answer = async () => {
      calls++;
      return null; // the vendor never answers: only the cancel can end the call
    };
    const task = agentTask(repo, base, head, planStep('security'), { runId: 'run-cancel' });
    await messenger.emit(topo.subjects.tasks('security'), 'task.requested', task, { runId: 'run-cancel' });
    for (let i = 0; i < 300 && calls === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(calls).toBe(1);
    await messenger.emit(
      topo.subjects.runCancel('run-cancel'),
      'run.cancel',
      { runId: 'run-cancel', reason: 'superseded' },
      { runId: 'run-cancel' },
    );
    const [, result] = await results('run-cancel', 2);
    expect(result.body).toMatchObject({ status: 'failed', errorCode: 'cancelled' });
  });

  it('does not serve agent types outside AGENT_TYPES', async () => {
    answer = async () => ({ text: JSON.stringify({ summary: 'ok', confidence: 0.9, findings: [] }) });
    await messenger.emit(
      topo.subjects.tasks('documentation'),
      'task.requested',
      agentTask(repo, base, head, planStep('documentation'), { runId: 'run-docs' }),
      { runId: 'run-docs' },
    );
    await messenger.emit(
      topo.subjects.tasks('code-review'),
      'task.requested',
      agentTask(repo, base, head, planStep('code-review'), { runId: 'run-after' }),
      { runId: 'run-after' },
    );
    // The served type's task, published after, is done; the documentation task still waits in the work queue.
    await results('run-after', 2);
    expect(await bus.readSubject(topo.streams.tasks.name, topo.subjects.tasks('documentation'))).toHaveLength(
      1,
    );
    expect(await bus.readSubject(topo.streams.results.name, topo.subjects.results('run-docs'))).toEqual([]);
    expect(() => readAgentsConfig({ AGENT_TYPES: 'code-review,reviewer' })).toThrow(
      /unknown agent types: reviewer/,
    );
    expect(readAgentsConfig({}).agentTypes).toHaveLength(11);
  });
});
