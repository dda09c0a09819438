/** The outbox protocol without a server: what is durable after each crash point, and who publishes it. */
import { EmbeddedBus } from '@agentflow/bus';
import { buildPlan, buildResult, buildRunRequest, RunActor } from '@agentflow/run-actor';
import type { CrashPoint } from './crash-points';
import type { OutboxPublisher } from './outbox';
import { RunProcessor } from './run-processor';
import { RunStore, type RunRecord } from './run-store';

class Crash extends Error {}

async function setup(crashAt?: CrashPoint) {
  const bus = new EmbeddedBus({});
  const store = new RunStore(await bus.kv('t_proc_runs'));
  const published: string[][] = [];
  const outbox = {
    publish: async (record: RunRecord) => {
      published.push(record.pending.map((c) => c.msgId));
      return record.historySeq + 1;
    },
  } as unknown as OutboxPublisher;
  let armed = crashAt;
  const crash = (point: CrashPoint) => {
    if (point === armed) {
      armed = undefined;
      throw new Crash(point);
    }
  };
  return {
    bus,
    store,
    published,
    processor: new RunProcessor(store, new RunActor(), outbox, crash, () => 1000),
  };
}

const request = {
  type: 'runRequested' as const,
  at: 1000,
  request: buildRunRequest('p-1', buildPlan([{ id: 'review' }])),
};
const success = {
  type: 'stepSucceeded' as const,
  at: 2000,
  stepId: 'review',
  attempt: 1,
  result: buildResult('p-1', 'review', 1),
};

describe('RunProcessor', () => {
  it('writes state and outbox in one record, publishes, then clears it', async () => {
    const { store, published, processor, bus } = await setup();
    const outcome = await processor.process('p-1', request, { requestSeq: 7 });
    expect(outcome.applied).toBe(true);
    expect(published[0]).toEqual(
      expect.arrayContaining(['p-1:event:1', 'p-1:review:1', 'p-1:timer:review:1:timeout']),
    );
    const { record } = (await store.load('p-1'))!;
    expect(record).toMatchObject({ pending: [], historySeq: 1, requestSeq: 7 });
    expect(record.state.steps.review.state).toBe('running');
    await bus.drain();
  });

  it.each<CrashPoint>(['after-cas', 'after-publish'])(
    'after a crash at %s the next event publishes the leftover outbox first',
    async (point) => {
      const { store, published, processor, bus } = await setup(point);
      await expect(processor.process('p-1', request)).rejects.toThrow(Crash);
      const left = (await store.load('p-1'))!.record;
      expect(left.pending.map((c) => c.msgId)).toContain('p-1:review:1');
      expect(published).toHaveLength(point === 'after-cas' ? 0 : 1);
      await processor.process('p-1', success);
      // The leftover outbox went out again (same msg ids: JetStream drops the copies), then the new event's.
      const republished = published[point === 'after-cas' ? 0 : 1];
      expect(republished).toEqual(left.pending.map((c) => c.msgId));
      expect(published.at(-1)).toEqual(expect.arrayContaining(['p-1:event:2', 'p-1:end']));
      const { record } = (await store.load('p-1'))!;
      expect(record.pending).toEqual([]);
      expect(record.state.status).toBe('completed');
      await bus.drain();
    },
  );

  it('writes nothing for an ignored event', async () => {
    const { store, processor, bus } = await setup();
    await processor.process('p-1', request);
    const before = await store.load('p-1');
    const outcome = await processor.process('p-1', { ...success, attempt: 9 });
    expect(outcome).toMatchObject({ applied: false, reason: expect.stringContaining('attempt 9') });
    expect((await store.load('p-1'))!.revision).toBe(before!.revision);
    await bus.drain();
  });
  it('applies an event on the stored record when another replica wrote after the one it kept', async () => {
    const { bus, store, processor } = await setup();
    await processor.process('p-1', request);
    // A second replica on the same bucket takes the step's start, then its failure (a retry follows).
    const other = new RunProcessor(
      new RunStore(await bus.kv('t_proc_runs')),
      new RunActor(),
      { publish: async (r: RunRecord) => r.historySeq + 1 } as unknown as OutboxPublisher,
      () => undefined,
      () => 1000,
    );
    await other.process('p-1', { type: 'stepStarted', at: 1500, stepId: 'review', attempt: 1 });
    await other.process('p-1', {
      type: 'stepFailed',
      at: 1600,
      stepId: 'review',
      attempt: 1,
      errorCode: 'unparseable_output',
    });
    // This replica's kept record still says attempt 1 is running: attempt 2's result looks stale
    // there, so the processor must decide on the stored record, not ignore the result.
    const outcome = await processor.process('p-1', {
      ...success,
      attempt: 2,
      result: buildResult('p-1', 'review', 2),
    });
    expect(outcome.applied).toBe(true);
    const { record } = (await store.load('p-1'))!;
    expect(record.state.status).toBe('completed');
    expect(record.state.eventCount).toBe(4);
    await bus.drain();
  });
});
