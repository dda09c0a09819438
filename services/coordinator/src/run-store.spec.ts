/** The stored layout of a run record, and what the store keeps between events. */
import { EmbeddedBus } from '@agentflow/bus';
import { buildPlan, buildRunRequest, RunActor, type RunState } from '@agentflow/run-actor';
import { decodeRecord, encodeRecord, outboxMark, RunStore, type RunRecord } from './run-store';

const none: RunState | undefined = undefined;
const state = new RunActor().apply(none, {
  type: 'runRequested',
  at: 0,
  request: buildRunRequest('r-1', buildPlan([{ id: 'a' }])),
}).state!;
const withOutbox: RunRecord = {
  state,
  pending: [{ type: 'cancelRun', msgId: 'x', cancel: { runId: 'x', reason: 'r' } }],
  pendingSince: 1234,
  historySeq: 3,
  requestSeq: 9,
};
const clean: RunRecord = { state, pending: [], historySeq: 4, requestSeq: 9 };

describe('run record layout', () => {
  it.each([
    ['with an outbox', withOutbox],
    ['clean', clean],
  ])('decodes what it encodes (%s)', (_label, record) => {
    expect(decodeRecord(encodeRecord(record))).toEqual(record);
  });

  it('reads the outbox mark from the first bytes of a record it wrote', () => {
    expect(outboxMark(encodeRecord(withOutbox))).toEqual({ pending: true, since: 1234 });
    expect(outboxMark(encodeRecord(clean))).toEqual({ pending: false, since: 0 });
    const noSince: RunRecord = { ...withOutbox, pendingSince: undefined };
    expect(outboxMark(encodeRecord(noSince))).toEqual({ pending: true, since: 0 });
  });

  it('reads the outbox mark of a record written state-first (an older coordinator)', () => {
    const older = (record: RunRecord) => new TextEncoder().encode(JSON.stringify(record));
    expect(outboxMark(older(withOutbox))).toEqual({ pending: true, since: 1234 });
    expect(outboxMark(older(clean))).toEqual({ pending: false, since: 0 });
    expect(decodeRecord(older(withOutbox))).toEqual(withOutbox);
  });

  it('does not mistake a pending list that merely starts empty-looking for a clean one', () => {
    const bytes = encodeRecord({ ...withOutbox, pendingSince: undefined });
    expect(new TextDecoder().decode(bytes.subarray(0, 13))).toBe('{"pending":[{');
  });
});

describe('RunStore', () => {
  it('keeps the record it wrote and drops it when a compare-and-set is lost', async () => {
    const bus = new EmbeddedBus({});
    const kv = await bus.kv('t_store_runs');
    const mine = new RunStore(kv);
    const other = new RunStore(kv);
    const revision = await mine.create('r-1', clean);
    expect(mine.cached('r-1')).toEqual({ record: clean, revision });
    const moved = await other.update('r-1', { ...clean, historySeq: 5 }, revision);
    // The kept record is now behind: a write against it fails and the store forgets it.
    await expect(mine.update('r-1', { ...clean, historySeq: 6 }, revision)).rejects.toThrow();
    expect(mine.cached('r-1')).toBeUndefined();
    const loaded = await mine.load('r-1');
    expect(loaded).toEqual({ record: { ...clean, historySeq: 5 }, revision: moved });
    await bus.drain();
  });

  it('decodes a stored record again only when its revision changed', async () => {
    const bus = new EmbeddedBus({});
    const kv = await bus.kv('t_store_runs2');
    const store = new RunStore(kv);
    await store.create('r-1', clean);
    const first = await store.load('r-1');
    expect(await store.load('r-1')).toBe(first);
    await new RunStore(kv).update('r-1', { ...clean, historySeq: 7 }, first!.revision);
    const second = await store.load('r-1');
    expect(second).not.toBe(first);
    expect(second!.record.historySeq).toBe(7);
    await bus.drain();
  });

  it('keeps at most the configured number of records, oldest dropped first', async () => {
    const bus = new EmbeddedBus({});
    const store = new RunStore(await bus.kv('t_store_runs3'), 2);
    for (const id of ['a', 'b', 'c']) await store.create(id, clean);
    expect(store.cached('a')).toBeUndefined();
    expect(store.cached('b')).toBeDefined();
    expect(store.cached('c')).toBeDefined();
    await bus.drain();
  });
});
