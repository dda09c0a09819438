import { EmbeddedBus } from '@agentflow/bus';
import { buildChange, buildPlan, buildRunRequest } from '@agentflow/run-actor';
import { CrossRunIndex } from './cross-run';
import { DeferredSlots } from './deferred-slots';

const bus = new EmbeddedBus({});
afterAll(() => bus.drain());

const plan = buildPlan([{ id: 'review' }], {
  concurrency: { group: '${workflow}:${repo}#${pr}', cancelInProgress: true },
});
const req = (runId: string, pr = 1) => buildRunRequest(runId, plan, { change: buildChange({ pr }) });

describe('CrossRunIndex.place', () => {
  it('makes the newest request current and cancels the one it replaces; a redelivery gets the same answer', async () => {
    const index = new CrossRunIndex(await bus.kv('t_cross_1'));
    expect(await index.place(req('a'), 10)).toEqual({ supersedes: [] });
    expect(await index.place(req('b'), 11)).toEqual({ supersedes: ['a'] });
    expect(await index.place(req('b'), 11)).toEqual({ supersedes: ['a'] });
    // An older request processed late is itself superseded.
    expect(await index.place(req('old'), 9)).toEqual({ supersedes: [], supersededBy: 'b' });
    // Another PR is another group.
    expect(await index.place(req('c', 2), 12)).toEqual({ supersedes: [] });
  });

  it('never cancels when the workflow says cancel_in_progress: false', async () => {
    const index = new CrossRunIndex(await bus.kv('t_cross_2'));
    const keep = buildPlan([{ id: 'review' }], {
      concurrency: { group: 'nightly', cancelInProgress: false },
    });
    await index.place(buildRunRequest('n1', keep), 1);
    expect(await index.place(buildRunRequest('n2', keep), 2)).toEqual({ supersedes: [] });
  });
});

describe('DeferredSlots', () => {
  it('lets only a few deferred retries run at once, frees a slot on release or when its lease runs out', async () => {
    const slots = new DeferredSlots(await bus.kv('t_slots'), 2, 1_000);
    expect(await slots.acquire('r1:a', 0)).toBe(true);
    expect(await slots.acquire('r2:a', 0)).toBe(true);
    expect(await slots.acquire('r3:a', 0)).toBe(false);
    expect(await slots.acquire('r1:a', 10)).toBe(true);
    await slots.release('r2:a');
    expect(await slots.acquire('r3:a', 20)).toBe(true);
    expect(await slots.acquire('r4:a', 500)).toBe(false);
    expect(await slots.acquire('r4:a', 1_500)).toBe(true);
  });
});
