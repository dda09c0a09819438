/**
 * The open-jobs index: a poll reads one key instead of listing the bucket (which leaves a consumer
 * on the server per call), and the index stays right under replicas writing it at once.
 */
import { EmbeddedBus, type KeyValueStore } from '@agentflow/bus';
import { jobKey, JobStore, OPEN_JOBS_KEY, type JobRecord } from './job-record';

function record(jobId: string): JobRecord {
  return {
    jobId,
    provider: 'cursor',
    vendorJobId: `bc_${jobId}`,
    spec: { prompt: 'p' } as JobRecord['spec'],
    attribution: { runId: 'run-1' },
    dataClass: 'internal',
    state: 'queued',
    vendorStatus: 'CREATING',
    costUsd: 0,
    submittedAt: '2026-01-10T10:00:00Z',
    deadline: 0,
    nextPollAt: 0,
    polls: 0,
    handedBack: false,
  };
}

/** Counts the key listings a store makes. */
function counting(kv: KeyValueStore): { kv: KeyValueStore; listings: () => number } {
  let listings = 0;
  return {
    kv: new Proxy(kv, {
      get(target, prop, receiver) {
        if (prop === 'keys') return (filter?: string) => ((listings += 1), target.keys(filter));
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    }),
    listings: () => listings,
  };
}

describe('JobStore: the open-jobs index', () => {
  let bus: EmbeddedBus;
  let kv: KeyValueStore;

  beforeEach(async () => {
    bus = new EmbeddedBus();
    kv = await bus.kv('t_jobs');
  });
  afterEach(async () => {
    await bus.drain();
  });

  it("lists the launched jobs from the index: the bucket's keys are listed once per process, not per poll", async () => {
    const c = counting(kv);
    const store = new JobStore(c.kv);
    await store.create(record('a'));
    await store.create(record('b'));
    for (let i = 0; i < 5; i++) expect(await store.jobIds()).toEqual(['a', 'b']);
    expect(c.listings()).toBe(1);
  });

  it('takes in a job written by a replica that died before listing it, at the first listing of a new process', async () => {
    await new JobStore(kv).create(record('a'));
    // The record landed, the index entry did not.
    await kv.create(jobKey('orphan'), new TextEncoder().encode(JSON.stringify(record('orphan'))));
    const restarted = new JobStore(kv);
    expect((await restarted.jobIds()).sort()).toEqual(['a', 'orphan']);
    expect((await kv.get(OPEN_JOBS_KEY))!.json<string[]>().sort()).toEqual(['a', 'orphan']);
  });

  it('takes a handed-back job off the list, and a new process does not list it again', async () => {
    const store = new JobStore(kv);
    await store.create(record('a'));
    await store.create(record('b'));
    const a = (await store.get('a'))!;
    await store.update({ ...a.record, state: 'finished', handedBack: true }, a.revision);
    await store.closeJob('a');
    await store.closeJob('a');
    expect(await store.jobIds()).toEqual(['b']);
    expect(await new JobStore(kv).jobIds()).toEqual(['b']);
  });

  it('keeps every job when replicas launch at the same time (compare-and-set, again on a conflict)', async () => {
    const replicas = [new JobStore(kv), new JobStore(kv), new JobStore(kv)];
    await Promise.all(Array.from({ length: 12 }, (_, i) => replicas[i % 3].create(record(`job-${i}`))));
    expect((await new JobStore(kv).jobIds()).sort()).toEqual(
      Array.from({ length: 12 }, (_, i) => `job-${i}`).sort(),
    );
  });
});
