/**
 * The worker on real NATS JetStream (127.0.0.1:4222): a task on the work queue becomes a result,
 * and a cancel published on the runs stream reaches the core subscription and aborts the call.
 */
import { createEnvelope, topology, type Envelope, type GatewayRequest } from '@agentflow/contracts';
import {
  createMessenger,
  deleteTopology,
  JetStreamBus,
  provisionTopology,
  type Messenger,
} from '@agentflow/bus';
import { MobileRulesAnalyzer } from '../analysis/mobile-analyzer';
import { BpeTokenCounter } from '../context/tokens';
import { BusModelGateway } from '../gateway/model-gateway';
import { LocalReaderFactory } from '../repo/reader-factory';
import { agentTask, FixtureRepo, okResponse, planStep } from '../testing/fixture-repo';
import { IOS_BASE, IOS_CHANGE } from '../testing/sample-repos';
import { AgentWorker } from './agent-worker';
import { TaskRunner } from './task-runner';

const NATS = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

describe('AgentWorker on JetStream', () => {
  const topo = topology(`t_agjs_${Math.random().toString(36).slice(2, 8)}`);
  let bus: JetStreamBus;
  let messenger: Messenger;
  let worker: AgentWorker;
  let repo: FixtureRepo;
  let base: string;
  let head: string;
  let answer: (request: GatewayRequest) => string | null;

  beforeAll(async () => {
    bus = await JetStreamBus.connect({
      servers: NATS,
      name: 'agents-int',
      deadLetterSubject: topo.subjects.dlq,
    });
    await provisionTopology(bus, topo);
    messenger = createMessenger(bus, topo);
    repo = new FixtureRepo(IOS_BASE);
    base = repo.head();
    head = repo.commit(IOS_CHANGE);
    await bus.serve(topo.subjects.gatewayGenerate, 'gateway', (msg) => {
      const request = (JSON.parse(new TextDecoder().decode(msg.data)) as Envelope<GatewayRequest>).body;
      const text = answer(request);
      if (text !== null)
        msg.respond(
          new TextEncoder().encode(
            JSON.stringify(
              createEnvelope('gateway.response', okResponse(request, { text }), {
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
    worker = new AgentWorker(bus, messenger, topo, runner, { agentTypes: ['code-review'], concurrency: 2 });
    await worker.start();
  });

  afterAll(async () => {
    await worker.stop();
    await deleteTopology(bus, topo);
    await bus.drain();
    repo.remove();
  });

  async function result(runId: string): Promise<Record<string, unknown>> {
    for (let i = 0; i < 500; i++) {
      const messages = await bus.readSubject(topo.streams.results.name, topo.subjects.results(runId));
      const found = messages
        .map((m) => JSON.parse(new TextDecoder().decode(m.data)) as Envelope<Record<string, unknown>>)
        .find((e) => e.type === 'task.result');
      if (found) return found.body;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no result for ${runId}`);
  }

  it('answers a task from the work queue', async () => {
    answer = () => JSON.stringify({ summary: 'ok', confidence: 0.9, findings: [] });
    await messenger.emit(
      topo.subjects.tasks('code-review'),
      'task.requested',
      agentTask(repo, base, head, planStep('code-review'), { runId: 'js-1' }),
      { runId: 'js-1' },
    );
    expect(await result('js-1')).toMatchObject({ status: 'succeeded', stepId: 'code-review' });
  });

  it('aborts the gateway call on a cancel from the runs stream', async () => {
    let asked = 0;
    answer = () => {
      asked++;
      return null;
    };
    await messenger.emit(
      topo.subjects.tasks('code-review'),
      'task.requested',
      agentTask(repo, base, head, planStep('code-review'), { runId: 'js-2' }),
      { runId: 'js-2' },
    );
    for (let i = 0; i < 500 && asked === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await messenger.emit(
      topo.subjects.runCancel('js-2'),
      'run.cancel',
      { runId: 'js-2', reason: 'superseded' },
      { runId: 'js-2' },
    );
    expect(await result('js-2')).toMatchObject({ status: 'failed', errorCode: 'cancelled' });
  });
});
