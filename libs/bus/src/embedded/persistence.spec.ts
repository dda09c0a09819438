import { mkdtempSync, rmSync, appendFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { topology, type ConsumerSpec } from '@agentflow/contracts';
import type { InboundMessage } from '../bus';
import { deleteTopology, provisionTopology } from '../provision';
import { EmbeddedBus } from './embedded-bus';
import { DataDirLockedError } from './file-journal';

const topo = topology('persist');
const text = (s: string) => new TextEncoder().encode(s);
const decode = (d: Uint8Array) => new TextDecoder().decode(d);

async function collect(
  bus: EmbeddedBus,
  spec: ConsumerSpec,
  count: number,
  settle: (msg: InboundMessage) => Promise<void> | void = () => undefined,
): Promise<InboundMessage[]> {
  const got: InboundMessage[] = [];
  const handle = await bus.consume(spec, async (msg) => {
    got.push(msg);
    await settle(msg);
  });
  const until = Date.now() + 5000;
  while (got.length < count && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
  await new Promise((resolve) => setTimeout(resolve, 150));
  await handle.stop();
  return got;
}

describe('EmbeddedBus with a data directory, across a restart', () => {
  let dir: string;
  const tasks: ConsumerSpec = {
    stream: topo.streams.tasks.name,
    durable: 'work',
    filterSubject: topo.subjects.tasks('review'),
    ackWaitMs: 1000,
    maxDeliver: 3,
    maxAckPending: 10,
    backoffMs: [],
  };
  const runs: ConsumerSpec = {
    stream: topo.streams.runs.name,
    durable: 'runs',
    filterSubject: topo.subjects.runsRequested,
    ackWaitMs: 1000,
    maxDeliver: 3,
    maxAckPending: 10,
    backoffMs: [],
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'af-bus-persist-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('queued work, consumer positions, dedupe ids, KV revisions and bodies survive', async () => {
    const before = new EmbeddedBus({ dataDir: dir });
    await provisionTopology(before, topo);
    for (const n of [1, 2, 3])
      await before.publish(tasks.filterSubject, text(`task ${n}`), { msgId: `task-${n}` });
    for (const n of [1, 2]) await before.publish(runs.filterSubject, text(`run ${n}`), { msgId: `run-${n}` });
    // Task 1 done; the run consumer has seen both runs.
    const firstRound = await collect(before, tasks, 3, async (msg) => {
      if (decode(msg.data) === 'task 1') await msg.ack();
      else msg.nak(60_000);
    });
    expect(firstRound.map((m) => decode(m.data)).sort()).toEqual(['task 1', 'task 2', 'task 3']);
    expect(await collect(before, runs, 2)).toHaveLength(2);
    const kv = await before.kv(topo.buckets.runs);
    const rev = await kv.create('run-1', text('{"state":"running"}'));
    await kv.update('run-1', text('{"state":"done"}'), rev);
    const ref = await (
      await before.objects(topo.buckets.objects)
    ).put('big', new Uint8Array(300_000).fill(7));
    await before.drain();

    const after = new EmbeddedBus({ dataDir: dir });
    await provisionTopology(after, topo);
    const redelivered = await collect(after, tasks, 2);
    expect(redelivered.map((m) => decode(m.data)).sort()).toEqual(['task 2', 'task 3']);
    expect(await collect(after, runs, 0)).toHaveLength(0);
    expect(
      (await after.publish(tasks.filterSubject, text('task 1 again'), { msgId: 'task-1' })).duplicate,
    ).toBe(true);
    const next = await after.publish(runs.filterSubject, text('run 3'), { msgId: 'run-3' });
    expect(next.seq).toBe(3);
    const entry = await (await after.kv(topo.buckets.runs)).get('run-1');
    expect(entry?.json()).toEqual({ state: 'done' });
    expect(entry?.revision).toBe(rev + 1);
    await expect((await after.kv(topo.buckets.runs)).update('run-1', text('{}'), rev)).rejects.toMatchObject({
      code: 'revision_conflict',
    });
    expect((await (await after.objects(topo.buckets.objects)).get(ref)).byteLength).toBe(300_000);
    await deleteTopology(after, topo);
    await after.drain();

    const emptied = new EmbeddedBus({ dataDir: dir });
    expect(await emptied.readSubject(topo.streams.tasks.name, tasks.filterSubject)).toEqual([]);
    await emptied.drain();
  });

  test('bodies written before a restart age from when they were written, not from the restart', async () => {
    const before = new EmbeddedBus({ dataDir: dir });
    const ref = await (await before.objects('aging')).put('old-body', new TextEncoder().encode('old'));
    await before.drain();
    await new Promise((r) => setTimeout(r, 1200));
    const after = new EmbeddedBus({ dataDir: dir });
    const objects = await after.objects('aging', { maxAgeMs: 1000 });
    await expect(objects.get(ref)).rejects.toThrow(/not found/);
    await after.drain();
  });

  test('a torn last journal line (a crash mid-write) loses only that line', async () => {
    const before = new EmbeddedBus({ dataDir: dir });
    await provisionTopology(before, topo);
    await before.publish(tasks.filterSubject, text('kept'), { msgId: 'kept' });
    await before.drain();
    const journal = readdirSync(join(dir, 'streams')).find(
      (f) => f.endsWith('.jsonl') && f.startsWith(Buffer.from(topo.streams.tasks.name).toString('base64url')),
    )!;
    appendFileSync(join(dir, 'streams', journal), '{"op":"add","seq":2,"subj');
    const after = new EmbeddedBus({ dataDir: dir });
    expect(
      (await after.readSubject(topo.streams.tasks.name, tasks.filterSubject)).map((m) => decode(m.data)),
    ).toEqual(['kept']);
    await after.drain();
  });

  test('a second live bus on the same directory is refused', async () => {
    const first = new EmbeddedBus({ dataDir: dir });
    expect(() => new EmbeddedBus({ dataDir: dir })).toThrow(DataDirLockedError);
    await first.drain();
    const second = new EmbeddedBus({ dataDir: dir });
    await second.drain();
  });
});
