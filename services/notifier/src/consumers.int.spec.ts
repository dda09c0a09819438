/**
 * The notifier's consumers on real NATS: progress is never dead-lettered when a replica holding it
 * crashes (SIGKILL) or stalls (SIGSTOP: no heartbeats), another replica shows it instead; a delivery
 * waiting for one of the pool-sized slots is not redelivered meanwhile; a progress event too old to
 * show is dropped with a warn line. (Issue 17: 307 progress events dead-lettered under chaos.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { topology, type RunProgress, type Topology } from '@agentflow/contracts';
import { buildChange } from '@agentflow/run-actor';
import {
  createMessenger,
  deleteTopology,
  JetStreamBus,
  provisionTopology,
  type ConsumerHandle,
  type Messenger,
} from '@agentflow/bus';
import { PostgresDatabase } from '@agentflow/store';
import { notifierConsumers, startNotifierConsumers, stopConsumers } from './consumers';
import { NotificationDispatcher } from './dispatcher';
import { DeliveryLedger } from './ledger/delivery-ledger';
import type { Sink } from './sinks/sink';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const root = join(__dirname, '..', '..', '..');
const ACK_WAIT_MS = 1000;
const quiet = () => undefined;

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function startStallingNotifier(prefix: string): {
  child: ChildProcess;
  next: (event: string) => Promise<void>;
} {
  const child = spawn(
    process.execPath,
    ['-r', join(root, 'scripts/ts-register.js'), join(__dirname, 'testing/stalling-notifier.ts')],
    {
      cwd: root,
      env: {
        ...process.env,
        NATS_URL,
        STALL_PREFIX: prefix,
        STALL_DATABASE_URL: DATABASE_URL,
        STALL_ACK_WAIT_MS: String(ACK_WAIT_MS),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const seen: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      seen.push((JSON.parse(line) as { event: string }).event);
    } catch {
      // Not one of the child's reports.
    }
  });
  const next = async (event: string) => {
    await until(
      `the stalling notifier to report "${event}" (stderr: ${stderr})`,
      () => {
        if (child.exitCode !== null)
          throw new Error(`the stalling notifier exited (${child.exitCode}): ${stderr}`);
        const i = seen.indexOf(event);
        if (i < 0) return false;
        seen.splice(i, 1);
        return true;
      },
      30_000,
    );
  };
  return { child, next };
}

function progress(runId: string): RunProgress {
  return {
    runId,
    stepId: 'review',
    state: 'running',
    attempt: 1,
    change: buildChange(),
    workflow: 'ios-review',
    steps: { review: 'running' },
  };
}

/** A sink that records the progress events it is given; `hold` makes it wait before answering. */
function recordingSink(hold?: (runId: string) => Promise<void>): Sink & { seen: string[] } {
  const seen: string[] = [];
  return {
    name: 'status',
    seen,
    target: (event) => (event.kind === 'progress' ? `status:${event.progress.runId}` : null),
    deliver: async (event) => {
      if (event.kind !== 'progress') return { state: 'skipped', detail: 'not progress' };
      seen.push(event.progress.runId);
      await hold?.(event.progress.runId);
      return { state: 'delivered', detail: 'shown' };
    },
  };
}

describe('notifier consumers (real NATS)', () => {
  let bus: JetStreamBus;
  let db: PostgresDatabase;
  const children: ChildProcess[] = [];
  const topologies: Topology[] = [];
  let handles: ConsumerHandle[] = [];

  beforeAll(async () => {
    bus = await JetStreamBus.connect({ servers: NATS_URL, name: 'notifier-consumers-test' });
    db = await PostgresDatabase.open({ connectionString: DATABASE_URL });
  });
  afterEach(async () => {
    await stopConsumers(handles, { warn: quiet });
    handles = [];
  });
  afterAll(async () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const topo of topologies) await deleteTopology(bus, topo);
    await bus.drain();
    await db.close();
  });

  async function freshTopology(): Promise<{ topo: Topology; messenger: Messenger }> {
    const topo = topology(`t_ncons_${randomUUID().slice(0, 8)}`);
    topologies.push(topo);
    await provisionTopology(bus, topo);
    return { topo, messenger: createMessenger(bus, topo) };
  }

  const dispatcherWith = (sink: Sink) =>
    new NotificationDispatcher([sink], new DeliveryLedger(db), { log: quiet, warn: quiet, error: quiet }, 5);
  const deadLetters = (topo: Topology) =>
    bus.lastOnSubject(topo.streams.dlq.name, topo.subjects.dlq(topo.streams.runs.name));

  it.each(['SIGKILL', 'SIGSTOP'] as const)(
    'a replica holding a progress event gets %s: another replica shows it, nothing is dead-lettered',
    async (signal) => {
      const { topo, messenger } = await freshTopology();
      // The durable as deployments have it from before: one delivery, so the server gives up on a
      // held event and the max-deliveries advisory dead-letters it. Starting the consumers updates it.
      await bus.ensureConsumer({
        ...notifierConsumers(topo, 5).progress,
        ackWaitMs: ACK_WAIT_MS,
        maxDeliver: 1,
      });
      const first = startStallingNotifier(topo.prefix);
      children.push(first.child);
      await first.next('ready');
      const runId = `run-${signal.toLowerCase()}`;
      await messenger.emit(topo.subjects.runProgress(runId), 'run.progress', progress(runId), { runId });
      await first.next('inside');
      first.child.kill(signal);

      const sink = recordingSink();
      handles = await startNotifierConsumers({
        bus,
        messenger,
        topology: topo,
        dispatcher: dispatcherWith(sink),
        maxAttempts: 5,
        progressAckWaitMs: ACK_WAIT_MS,
      });
      await until('the second replica to show the progress', () => sink.seen.includes(runId));
      // Past the ack wait twice more: no further redelivery, and no dead-lettered copy from the advisory.
      await new Promise((r) => setTimeout(r, 2.5 * ACK_WAIT_MS));
      expect(sink.seen).toEqual([runId]);
      expect(await deadLetters(topo)).toBeNull();
      first.child.kill('SIGKILL');
    },
    60_000,
  );

  it('a delivery waiting longer than the ack wait for a slot is not redelivered meanwhile', async () => {
    const { topo, messenger } = await freshTopology();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const sink = recordingSink((runId) => (runId === 'run-first' ? released : Promise.resolve()));
    handles = await startNotifierConsumers({
      bus,
      messenger,
      topology: topo,
      dispatcher: dispatcherWith(sink),
      maxAttempts: 5,
      poolSize: 1,
      progressAckWaitMs: ACK_WAIT_MS,
    });
    await messenger.emit(topo.subjects.runProgress('run-first'), 'run.progress', progress('run-first'), {
      runId: 'run-first',
    });
    await until('the first delivery to take the one slot', () => sink.seen.includes('run-first'));
    await messenger.emit(topo.subjects.runProgress('run-second'), 'run.progress', progress('run-second'), {
      runId: 'run-second',
    });
    // The second is pulled and waits for the slot through three ack waits, heartbeats keeping it.
    await new Promise((r) => setTimeout(r, 3 * ACK_WAIT_MS));
    expect(sink.seen).toEqual(['run-first']);
    release();
    await until('the second delivery to run', () => sink.seen.includes('run-second'));
    await new Promise((r) => setTimeout(r, 1.5 * ACK_WAIT_MS));
    expect(sink.seen).toEqual(['run-first', 'run-second']);
  }, 30_000);

  it('drops a progress event older than the limit with one warn line, and shows a fresh one', async () => {
    const { topo, messenger } = await freshTopology();
    await messenger.emit(topo.subjects.runProgress('run-stale'), 'run.progress', progress('run-stale'), {
      runId: 'run-stale',
    });
    await new Promise((r) => setTimeout(r, 300));
    const warnings: string[] = [];
    const sink = recordingSink();
    handles = await startNotifierConsumers({
      bus,
      messenger,
      topology: topo,
      dispatcher: dispatcherWith(sink),
      maxAttempts: 5,
      progressMaxAgeMs: 200,
      log: { warn: (m) => warnings.push(m) },
    });
    await until('the stale event to be dropped', () => warnings.length > 0);
    await messenger.emit(topo.subjects.runProgress('run-fresh'), 'run.progress', progress('run-fresh'), {
      runId: 'run-fresh',
    });
    await until('the fresh event to be shown', () => sink.seen.includes('run-fresh'));
    expect(sink.seen).toEqual(['run-fresh']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/progress event .*run-stale.* old .* dropped/);
    expect(await deadLetters(topo)).toBeNull();
  }, 30_000);
});
