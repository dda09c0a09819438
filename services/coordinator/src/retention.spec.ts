import { EmbeddedBus } from '@agentflow/bus';
import { buildPlan, buildRunRequest, RunActor, type RunState } from '@agentflow/run-actor';
import { CrossRunIndex } from './cross-run';
import { RunRetention } from './retention';
import { RunStore, type RunRecord } from './run-store';

const DAY = 86_400_000;

describe('RunRetention', () => {
  it('purges ended runs and early cancels past retention, and keeps running runs, unpublished outboxes and recent ends', async () => {
    const bus = new EmbeddedBus({});
    const kv = await bus.kv('t_retention_runs', { history: 5 });
    const store = new RunStore(kv);
    const cross = new CrossRunIndex(kv);
    const none: RunState | undefined = undefined;
    const running = new RunActor().apply(none, {
      type: 'runRequested',
      at: 0,
      request: buildRunRequest('r-1', buildPlan([{ id: 'a' }])),
    }).state!;
    const now = 30 * DAY;
    const record = (state: Partial<RunState>, pending: RunRecord['pending'] = []): RunRecord => ({
      state: { ...running, ...state },
      pending,
      historySeq: 0,
      requestSeq: 1,
    });
    await store.create('ended-long-ago', record({ status: 'completed', finishedAt: now - 8 * DAY }));
    await store.create('failed-long-ago', record({ status: 'failed', finishedAt: now - 9 * DAY }));
    await store.create('ended-yesterday', record({ status: 'completed', finishedAt: now - DAY }));
    await store.create('still-running', record({ status: 'running', startedAt: now - 20 * DAY }));
    await store.create(
      'ended-with-outbox',
      record({ status: 'completed', finishedAt: now - 8 * DAY }, [
        { type: 'cancelRun', msgId: 'x', cancel: { runId: 'x', reason: 'r' } },
      ]),
    );
    await cross.cancelEarly('never-requested', 'pull request closed', now - 10 * DAY);
    await cross.cancelEarly('about-to-be-requested', 'pull request closed', now - 60_000);
    const retention = new RunRetention(kv, store, { keepEndedMs: 7 * DAY, intervalMs: 0, now: () => now });
    try {
      expect(await retention.sweepOnce()).toEqual({ runs: 2, cancels: 1 });
      expect((await kv.keys('run.>')).sort()).toEqual([
        'run.ended-with-outbox',
        'run.ended-yesterday',
        'run.still-running',
      ]);
      expect(await store.load('ended-long-ago')).toBeNull();
      // Purged with its revisions: the embedded bucket keeps only the purge marker.
      expect(
        await (kv as unknown as { revisions(key: string): Promise<Array<{ operation: string }>> }).revisions(
          'run.ended-long-ago',
        ),
      ).toEqual([expect.objectContaining({ operation: 'PURGE' })]);
      expect(await cross.earlyCancel('never-requested')).toBeUndefined();
      expect(await cross.earlyCancel('about-to-be-requested')).toEqual({
        reason: 'pull request closed',
        at: now - 60_000,
      });
      expect(await retention.sweepOnce()).toEqual({ runs: 0, cancels: 0 });
    } finally {
      await bus.drain();
    }
  });
});
