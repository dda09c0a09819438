/**
 * `npm run bench -- workflow [--runs 200] [--throughput-runs 400] [--in-flight 200] [--transport embedded|jetstream|both]`
 * `npm run bench -- workflow --topology processes [--runtime dist|ts]`: the same load on JetStream
 * in one process and then with each service in its own process (processes.ts); one JSON line.
 *
 * The coordinator, agents and gateway services on one bus, the gateway calling fake vendors over
 * HTTP, 200 runs in flight of a 2-phase workflow (4 parallel steps, then 1):
 * - with a 2 s vendor: overhead = run time minus the vendor time on the critical path (2 x 2 s),
 *   p50 and p99, and critical_path_ratio = mean run time / critical-path vendor time;
 * - with a 0 ms vendor: runs_per_s (runs ended / wall time) and cpu_ms_per_run (this process's
 *   CPU time over the same phase / runs ended: the cost per run, steady on a busy machine).
 * On the embedded bus and on JetStream (NATS_URL, default 127.0.0.1:4222; a unique prefix, deleted
 * at the end). One JSON line per transport; the jetstream one is the last line printed.
 */
import { randomBytes } from 'node:crypto';
import { createBus, createMessenger } from '@agentflow/bus';
import { topology as makeTopology } from '@agentflow/contracts';
import { writeReviewFixture, type ReviewFixture } from './fixture';
import { CRITICAL_PATH_CALLS, PHASE_1, PHASE_2, RunDriver, type LoadResult } from './load';
import { benchProcesses } from './processes';
import { BenchStack } from './stack';
import { mean, percentile, round, RssPeak } from './stats';

type Transport = 'embedded' | 'jetstream';

const SLOW_VENDOR_MS = 2000;
const SLOW = 'vendor-2s';
const FAST = 'vendor-0ms';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

function positive(name: string, fallback: number): number {
  const value = Number(arg(name, String(fallback)));
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

function describeFailures(label: string, r: LoadResult): void {
  if (r.failed.length === 0) return;
  const reasons = new Map<string, number>();
  for (const f of r.failed) reasons.set(f.reason, (reasons.get(f.reason) ?? 0) + 1);
  console.log(
    `  ${label}: ${r.failed.length} runs failed: ${[...reasons].map(([k, n]) => `${n} x ${k}`).join('; ')}`,
  );
}

async function benchTransport(
  transport: Transport,
  fixture: ReviewFixture,
  o: { runs: number; throughputRuns: number; inFlight: number },
): Promise<Record<string, unknown>> {
  const topology = makeTopology(
    `bench_wf_${transport === 'jetstream' ? 'js' : 'em'}_${randomBytes(4).toString('hex')}`,
  );
  const bus = await createBus({
    natsUrl: transport === 'jetstream' ? process.env.NATS_URL || 'nats://127.0.0.1:4222' : undefined,
    name: 'bench-workflow',
    topology,
  });
  const messenger = createMessenger(bus, topology);
  const driver = new RunDriver(messenger, topology, fixture);
  const stack = new BenchStack({
    bus,
    topology,
    vendors: { [SLOW]: SLOW_VENDOR_MS, [FAST]: 0 },
    agentTypes: [...PHASE_1, PHASE_2],
    // Every run has one task per agent type in flight at a time: 200 runs need 200 per type.
    agentConcurrency: o.inFlight,
    onEnd: (end) => driver.ended(end),
  });
  const rss = new RssPeak();
  let failedRuns = 0;
  try {
    await stack.start();
    const warm = await driver.load('warm', FAST, Math.min(50, o.throughputRuns), Math.min(50, o.inFlight));
    describeFailures('warm-up', warm);

    const before = stack.vendorRequests();
    const slow = await driver.load('slow', SLOW, o.runs, o.inFlight);
    describeFailures('2 s vendor', slow);
    const vendorCalls = stack.vendorRequests() - before;
    const criticalMs = CRITICAL_PATH_CALLS * SLOW_VENDOR_MS;
    const overheads = slow.durations.map((d) => d - criticalMs);
    const expectedCalls = (PHASE_1.length + 1) * o.runs;
    if (vendorCalls !== expectedCalls)
      console.log(
        `  note: ${vendorCalls} vendor calls for ${o.runs} runs (expected ${expectedCalls}: one per step)`,
      );
    console.log(
      `  ${transport} 2 s vendor: ${slow.durations.length}/${o.runs} runs completed in ${round(slow.wallMs / 1000, 2)} s, run time p50 ${round(percentile(slow.durations, 50))} ms, p99 ${round(percentile(slow.durations, 99))} ms, max ${round(Math.max(...slow.durations))} ms`,
    );

    const cpuBefore = process.cpuUsage();
    const fast = await driver.load('fast', FAST, o.throughputRuns, o.inFlight);
    // CPU time of this process (every service and the fake vendors, not nats-server) per run:
    // unlike the wall-clock figures it hardly moves with what else the machine is doing.
    const cpu = process.cpuUsage(cpuBefore);
    describeFailures('0 ms vendor', fast);
    console.log(
      `  ${transport} 0 ms vendor: ${fast.durations.length}/${o.throughputRuns} runs completed in ${round(fast.wallMs / 1000, 2)} s, run time p50 ${round(percentile(fast.durations, 50))} ms, p99 ${round(percentile(fast.durations, 99))} ms`,
    );
    failedRuns = warm.failed.length + slow.failed.length + fast.failed.length;

    return {
      bench: 'workflow',
      transport,
      concurrency: o.inFlight,
      overhead_p50_ms: round(percentile(overheads, 50)),
      overhead_p99_ms: round(percentile(overheads, 99)),
      runs_per_s: round(fast.durations.length / (fast.wallMs / 1000)),
      cpu_ms_per_run: round((cpu.user + cpu.system) / 1000 / Math.max(1, fast.durations.length), 2),
      critical_path_ratio: round(mean(slow.durations) / criticalMs, 4),
      rss_mb: round(rss.stop()),
      failed_runs: failedRuns,
    };
  } finally {
    rss.stop();
    await stack.stop();
  }
}

async function main(): Promise<void> {
  process.env.LOG_LEVEL ??= 'warn';
  const o = {
    runs: positive('runs', 200),
    throughputRuns: positive('throughput-runs', 400),
    inFlight: positive('in-flight', 200),
  };
  if (arg('topology', 'one-process') === 'processes') return mainProcesses(o);
  const which = arg('transport', 'both');
  const transports: Transport[] = which === 'both' ? ['embedded', 'jetstream'] : [which as Transport];
  if (!transports.every((t) => t === 'embedded' || t === 'jetstream'))
    throw new Error('--transport must be embedded, jetstream or both');
  console.log(
    `workflow: ${PHASE_1.join(' + ')} in parallel, then ${PHASE_2}; ${o.inFlight} runs in flight; ${o.runs} runs with a ${SLOW_VENDOR_MS} ms vendor, ${o.throughputRuns} with a 0 ms vendor`,
  );
  const fixture = writeReviewFixture();
  const lines: string[] = [];
  let failed = 0;
  try {
    for (const t of transports) {
      const result = await benchTransport(t, fixture, o);
      failed += Number(result.failed_runs);
      lines.push(JSON.stringify(result));
    }
  } finally {
    fixture.remove();
  }
  for (const line of lines) console.log(line);
  process.exit(failed === 0 ? 0 : 1);
}

/** Goals of issue #26 for the deployed shape. */
const GOALS = { cpuMsPerRun: 6, serviceRestMb: 120, allInOneRestMb: 250 };

async function mainProcesses(o: { runs: number; throughputRuns: number; inFlight: number }): Promise<void> {
  const runtime = arg('runtime', 'dist');
  if (runtime !== 'dist' && runtime !== 'ts') throw new Error('--runtime must be dist or ts');
  console.log(
    `workflow, deployed shape: ${PHASE_1.join(' + ')} in parallel, then ${PHASE_2}; ${o.inFlight} runs in flight; ${o.runs} runs with a ${SLOW_VENDOR_MS} ms vendor, ${o.throughputRuns} with a 0 ms vendor`,
  );
  const fixture = writeReviewFixture();
  let failed = 1;
  try {
    const one = await benchTransport('jetstream', fixture, o);
    console.log(`  one process: ${one.cpu_ms_per_run} ms CPU per run, peak RSS ${one.rss_mb} MB`);
    const p = await benchProcesses(
      fixture,
      { ...o, slowVendorMs: SLOW_VENDOR_MS, runtime },
      describeFailures,
    );
    for (const [name, f] of Object.entries(p.per_service)) {
      console.log(
        `  ${name.padEnd(12)} ${String(f.cpu_ms_per_run).padStart(6)} ms CPU per run, RSS at rest ${f.rss_rest_mb} MB, peak ${f.rss_peak_mb} MB`,
      );
    }
    console.log(
      `  three services together: ${p.cpu_ms_per_run_total} ms CPU per run; agentflow up (all five in one process) at rest: ${p.all_in_one_rss_rest_mb} MB`,
    );
    const goals = {
      cpu_per_run_met: p.cpu_ms_per_run_total <= GOALS.cpuMsPerRun,
      service_rest_met: Object.values(p.per_service).every((f) => f.rss_rest_mb <= GOALS.serviceRestMb),
      all_in_one_rest_met: p.all_in_one_rss_rest_mb <= GOALS.allInOneRestMb,
    };
    console.log(
      JSON.stringify({
        bench: 'workflow',
        topology: 'processes',
        transport: 'jetstream',
        concurrency: o.inFlight,
        one_process: {
          cpu_ms_per_run: one.cpu_ms_per_run,
          rss_peak_mb: one.rss_mb,
          runs_per_s: one.runs_per_s,
        },
        ...p,
        goals: {
          cpu_ms_per_run: GOALS.cpuMsPerRun,
          service_rest_mb: GOALS.serviceRestMb,
          all_in_one_rest_mb: GOALS.allInOneRestMb,
          ...goals,
        },
      }),
    );
    failed = Number(one.failed_runs) + p.failed_runs;
  } finally {
    fixture.remove();
  }
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
