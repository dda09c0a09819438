/**
 * The deployed shape of the workflow bench (`--topology processes`): the coordinator, agents and
 * gateway each in its own process (`agentflow up --only <service>`, the built CLI as an image runs
 * it), on NATS JetStream and PostgreSQL (own prefix and schema, deleted at the end), the same
 * fake vendors and the same closed-loop load from this process. Per service: CPU per run (utime +
 * stime from /proc/<pid>/stat over the 0 ms-vendor phase, divided by the runs ended) and RSS
 * (VmRSS of the process group from /proc) at rest, before any load, and at its peak. Then
 * `agentflow up` with every service in one process, its RSS at rest.
 */
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { stringify } from 'yaml';
import { createBus, createMessenger, deleteTopology } from '@agentflow/bus';
import { topology as makeTopology, type RunReport } from '@agentflow/contracts';
import { FakeVendorServer } from '@agentflow/fake-vendor';
import { ManagedProcess } from '../../test/e2e/stack/processes';
import type { ReviewFixture } from './fixture';
import { PHASE_1, PHASE_2, RunDriver, type LoadResult } from './load';
import { MODEL } from './stack';
import { round } from './stats';

const REPO_ROOT = join(__dirname, '..', '..');
const CLI_DIST = join(REPO_ROOT, 'cli', 'dist', 'main.js');
const CLI_SRC = join(REPO_ROOT, 'cli', 'src', 'main.ts');
const TS_REGISTER = join(REPO_ROOT, 'scripts', 'ts-register.js');
const FAKE_KEY = 'sk-ant-api03-BENCHFAKEKEY0123456789abcdefghij';
/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on Linux). */
const TICKS_PER_S = 100;
const START_TIMEOUT_MS = 120_000;
/** How long a started process is left alone before its RSS "at rest" is read. */
const SETTLE_MS = 5_000;

export type Service = 'coordinator' | 'agents' | 'gateway';
const SERVICES: readonly Service[] = ['coordinator', 'agents', 'gateway'];

export interface ProcessFigures {
  cpu_ms_per_run: number;
  rss_rest_mb: number;
  rss_peak_mb: number;
}

export interface ProcessesResult {
  runtime: 'dist' | 'ts';
  per_service: Record<Service, ProcessFigures>;
  /** The three services together, per run. */
  cpu_ms_per_run_total: number;
  all_in_one_rss_rest_mb: number;
  runs_per_s: number;
  failed_runs: number;
}

/** Process ids of the group a detached child leads: the child and everything it started. */
function groupPids(leader: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command (which may hold spaces) start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === leader) out.push(Number(entry));
    } catch {
      // Gone between the listing and the read.
    }
  }
  return out;
}

/** utime + stime of a group, in ms. */
function cpuMs(leader: number): number {
  let ticks = 0;
  for (const pid of groupPids(leader)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Gone.
    }
  }
  return (ticks * 1000) / TICKS_PER_S;
}

/** VmRSS of a group, in MB. */
function rssMb(leader: number): number {
  let kb = 0;
  for (const pid of groupPids(leader)) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {
      // Gone.
    }
  }
  return kb / 1024;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class ProcessStack {
  private readonly root = mkdtempSync(join(tmpdir(), 'agentflow-bench-processes-'));
  private readonly processes = new Map<string, ManagedProcess>();

  constructor(private readonly command: { file: string; args: string[] }) {}

  async launch(
    name: string,
    only: Service[] | undefined,
    env: Record<string, string | undefined>,
  ): Promise<ManagedProcess> {
    const dataDir = join(this.root, 'data', name);
    mkdirSync(dataDir, { recursive: true });
    const p = new ManagedProcess({
      name,
      command: process.execPath,
      args: [
        ...this.command.args,
        this.command.file,
        'up',
        ...(only ? ['--only', only.join(',')] : []),
        '--port',
        '0',
      ],
      env: { ...env, AGENTFLOW_DATA_DIR: dataDir },
      cwd: REPO_ROOT,
      logFile: join(this.root, `${name}.log`),
    });
    this.processes.set(name, p);
    p.start();
    const url = (await p.waitFor(/listening on (http:\/\/\S+)/, START_TIMEOUT_MS))[1];
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const res = await fetch(`${url}/ready`).catch(() => undefined);
      if (res?.status === 200) return p;
      if (Date.now() > deadline) throw new Error(`${name} never answered /ready with 200:\n${p.output()}`);
      await sleep(200);
    }
  }

  async stop(name?: string): Promise<void> {
    const names = name ? [name] : [...this.processes.keys()];
    await Promise.all(
      names.map(async (n) => {
        const p = this.processes.get(n);
        if (!p) return;
        await p.stop(15_000);
        await p.closeLog();
        this.processes.delete(n);
      }),
    );
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.root, { recursive: true, force: true });
  }

  get dir(): string {
    return this.root;
  }
}

/** Peak RSS per process group, sampled every 200 ms while the load runs. */
class GroupRssPeaks {
  readonly peaks = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  constructor(private readonly groups: Map<string, number>) {
    this.timer = setInterval(() => this.sample(), 200);
  }
  sample(): void {
    for (const [name, pid] of this.groups)
      this.peaks.set(name, Math.max(this.peaks.get(name) ?? 0, rssMb(pid)));
  }
  stop(): Map<string, number> {
    clearInterval(this.timer);
    this.sample();
    return this.peaks;
  }
}

export async function benchProcesses(
  fixture: ReviewFixture,
  o: { runs: number; throughputRuns: number; inFlight: number; slowVendorMs: number; runtime: 'dist' | 'ts' },
  describeFailures: (label: string, r: LoadResult) => void,
): Promise<ProcessesResult> {
  if (o.runtime === 'dist' && !existsSync(CLI_DIST))
    throw new Error(`${CLI_DIST} is missing: run npm run build first, or pass --runtime ts`);
  const natsUrl = process.env.NATS_URL || 'nats://127.0.0.1:4222';
  const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
  const id = `bench_proc_${randomBytes(4).toString('hex')}`;
  const topology = makeTopology(id);
  const admin = new Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA "${id}"`);

  const slow = new FakeVendorServer({ latencyMs: o.slowVendorMs, log: 'count' });
  const fast = new FakeVendorServer({ latencyMs: 0, log: 'count' });
  const stack = new ProcessStack(
    o.runtime === 'dist' ? { file: CLI_DIST, args: [] } : { file: CLI_SRC, args: ['-r', TS_REGISTER] },
  );
  const bus = await createBus({ natsUrl, name: 'bench-workflow-processes', topology });
  const messenger = createMessenger(bus, topology);
  const driver = new RunDriver(messenger, topology, fixture);
  try {
    const price = [{ effectiveFrom: '2025-01-01', inputPerMTok: 3, outputPerMTok: 15 }];
    const provider = async (vendor: FakeVendorServer) => ({
      kind: 'anthropic',
      baseUrl: await vendor.start(),
      apiKey: { env: 'BENCH_FAKE_KEY' },
      dataClasses: ['internal'],
      timeoutMs: 30_000,
      models: { [MODEL]: { contextWindow: 200_000, tier: 'medium', prices: price } },
    });
    const configDir = join(stack.dir, 'config');
    mkdirSync(configDir, { recursive: true });
    writeFileSync(
      join(configDir, 'providers.yml'),
      stringify({ providers: { 'vendor-2s': await provider(slow), 'vendor-0ms': await provider(fast) } }),
    );
    writeFileSync(join(configDir, 'gateway.yml'), stringify({ gateway: { budgets: [] } }));

    const env: Record<string, string | undefined> = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      HOST: '127.0.0.1',
      NODE_OPTIONS: '',
      NATS_URL: natsUrl,
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: id,
      AGENTFLOW_BUS_PREFIX: id,
      LOG_LEVEL: 'warn',
      OTEL_SDK_DISABLED: 'true',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_TRACES_EXPORTER: 'none',
      AGENTFLOW_SECRETS_POLL_MS: '0',
      AGENTFLOW_WORKFLOWS_DIR: configDir,
      PROVIDERS_FILE: join(configDir, 'providers.yml'),
      GATEWAY_CONFIG_FILE: join(configDir, 'gateway.yml'),
      GATEWAY_MODEL_CHECK: 'off',
      BENCH_FAKE_KEY: FAKE_KEY,
      AGENT_TYPES: [...PHASE_1, PHASE_2].join(','),
      // Every run has one task per agent type in flight at a time: as the in-process bench.
      AGENTS_CONCURRENCY: String(o.inFlight),
      AGENTS_CHECKOUTS_DIR: join(stack.dir, 'checkouts'),
      INGRESS_RECONCILE_MS: '0',
    };

    const pids = new Map<string, number>();
    for (const service of SERVICES) {
      const p = await stack.launch(service, [service], env);
      pids.set(service, p.pid!);
    }
    await sleep(SETTLE_MS);
    const rest = new Map([...pids].map(([name, pid]) => [name, rssMb(pid)]));
    console.log(`  processes at rest: ${[...rest].map(([n, mb]) => `${n} ${round(mb)} MB`).join(', ')}`);

    const endSub = await bus.subscribe(`${topology.prefix}.runs.*.*`, (msg) => {
      const parts = msg.subject.split('.');
      const what = parts[parts.length - 1];
      if (what !== 'completed' && what !== 'failed') return;
      const runId = parts[parts.length - 2];
      const body = msg.json<{ body: { report?: RunReport; code?: string; reason?: string } }>().body;
      driver.ended(
        what === 'completed'
          ? { runId, ok: true, at: Date.now(), report: body.report }
          : { runId, ok: false, at: Date.now(), reason: `${body.code}: ${body.reason}` },
      );
    });
    const peaks = new GroupRssPeaks(pids);
    let failed = 0;
    let runsPerS = 0;
    const cpuPerRun = new Map<string, number>();
    try {
      const warm = await driver.load(
        'pwarm',
        'vendor-0ms',
        Math.min(50, o.throughputRuns),
        Math.min(50, o.inFlight),
      );
      describeFailures('processes warm-up', warm);
      const slowRuns = await driver.load('pslow', 'vendor-2s', o.runs, o.inFlight);
      describeFailures('processes 2 s vendor', slowRuns);
      const before = new Map([...pids].map(([name, pid]) => [name, cpuMs(pid)]));
      const fastRuns = await driver.load('pfast', 'vendor-0ms', o.throughputRuns, o.inFlight);
      describeFailures('processes 0 ms vendor', fastRuns);
      const ended = Math.max(1, fastRuns.durations.length + fastRuns.failed.length);
      for (const [name, pid] of pids) cpuPerRun.set(name, (cpuMs(pid) - before.get(name)!) / ended);
      runsPerS = fastRuns.durations.length / (fastRuns.wallMs / 1000);
      failed = warm.failed.length + slowRuns.failed.length + fastRuns.failed.length;
      console.log(
        `  processes 0 ms vendor: ${fastRuns.durations.length}/${o.throughputRuns} runs completed in ${round(fastRuns.wallMs / 1000, 2)} s`,
      );
    } finally {
      peaks.stop();
      await endSub.stop();
    }
    await stack.stop();

    // Every service in one process, as `agentflow up` runs them (ingress and notifier too).
    const all = await stack.launch('all-in-one', undefined, {
      ...env,
      GITHUB_WEBHOOK_SECRET: 'bench-secret',
      GITHUB_TOKEN: 'ghs_bench',
      GITHUB_APP_ID: '',
      GITLAB_TOKEN: '',
      SLACK_BOT_TOKEN: '',
      SLACK_WEBHOOK_URL: '',
    });
    await sleep(SETTLE_MS);
    const allInOne = rssMb(all.pid!);
    await stack.stop('all-in-one');

    const perService = Object.fromEntries(
      SERVICES.map((s) => [
        s,
        {
          cpu_ms_per_run: round(cpuPerRun.get(s) ?? NaN, 2),
          rss_rest_mb: round(rest.get(s)!),
          rss_peak_mb: round(peaks.peaks.get(s) ?? NaN),
        },
      ]),
    ) as Record<Service, ProcessFigures>;
    return {
      runtime: o.runtime,
      per_service: perService,
      cpu_ms_per_run_total: round(
        [...cpuPerRun.values()].reduce((a, b) => a + b, 0),
        2,
      ),
      all_in_one_rss_rest_mb: round(allInOne),
      runs_per_s: round(runsPerS),
      failed_runs: failed,
    };
  } finally {
    await stack.close();
    await deleteTopology(bus, topology).catch(() => undefined);
    await bus.deleteKv(`${topology.buckets.limits}_budgets`).catch(() => undefined);
    await bus.drain();
    await slow.close();
    await fast.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${id}" CASCADE`);
    await admin.end();
  }
}
