import { EmbeddedBus } from '@agentflow/bus';
import { buildPlan, buildRunRequest, RunActor, type RunState } from '@agentflow/run-actor';
import type { LoadedRecord, RunRecord } from './run-store';
import { RunStore } from './run-store';
import type { RunProcessor } from './run-processor';
import { OutboxSweeper } from './sweeper';

describe('OutboxSweeper', () => {
  it('re-publishes outboxes older than the threshold, and only those', async () => {
    const bus = new EmbeddedBus({});
    const kv = await bus.kv('t_sweep_runs');
    const store = new RunStore(kv);
    const none: RunState | undefined = undefined;
    const state = new RunActor().apply(none, {
      type: 'runRequested',
      at: 0,
      request: buildRunRequest('s-1', buildPlan([{ id: 'a' }])),
    }).state!;
    const record = (pendingSince: number): RunRecord => ({
      state: { ...state },
      pending: [{ type: 'cancelRun', msgId: 'x', cancel: { runId: 'x', reason: 'r' } }],
      pendingSince,
      historySeq: 0,
      requestSeq: 1,
    });
    await store.create('old', record(1_000));
    await store.create('fresh', record(9_500));
    await store.create('clean', { ...record(0), pending: [] });
    const flushed: string[] = [];
    const processor = {
      flush: async (runId: string, loaded: LoadedRecord) => {
        flushed.push(runId);
        await store.update(runId, { ...loaded.record, pending: [] }, loaded.revision);
      },
    } as unknown as RunProcessor;
    let now = 10_000;
    const sweeper = new OutboxSweeper(kv, store, processor, {
      sweepAfterMs: 3_000,
      sweepIntervalMs: 60_000,
      now: () => now,
    });
    await sweeper.start();
    try {
      await new Promise((r) => setTimeout(r, 50));
      expect(await sweeper.sweep()).toBe(1);
      expect(flushed).toEqual(['old']);
      now = 13_000;
      await new Promise((r) => setTimeout(r, 50));
      expect(await sweeper.sweep()).toBe(1);
      expect(flushed).toEqual(['old', 'fresh']);
      expect(await sweeper.sweep()).toBe(0);
    } finally {
      await sweeper.stop();
      await bus.drain();
    }
  });
});
