/**
 * The deployed stack in tests: the five services as separate processes (`agentflow up --only
 * <service>` from source), two replicas of the coordinator, the agents and the gateway, on NATS
 * JetStream and PostgreSQL; the fake GitHub, Slack and vendor as their own processes. One stack
 * per test file: its own nats-server (port and store directory), its own PostgreSQL schema, its
 * own temporary directory, all removed by `stop()`; every process group is killed when the test
 * process exits, whatever ended it.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { SeedPullRequest } from '@agentflow/fake-platforms';
import {
  prepareSample,
  SAMPLE_APPS,
  type PreparedSample,
  type SampleApp,
} from '../../../cli/src/demo/sample-repos';
import { writeOfflineProviders } from '../../../cli/src/demo/stack';
import { FakeControl, GitHubControl, SlackControl, VendorControl } from './fake-clients';
import { ManagedProcess } from './processes';
import { pullRequestPayload, sendSignedWebhook, type SignedDelivery } from './webhooks';

export const REPO_ROOT = join(__dirname, '..', '..', '..');
const TS_REGISTER = join(REPO_ROOT, 'scripts', 'ts-register.js');
const CLI_MAIN = join(REPO_ROOT, 'cli', 'src', 'main.ts');
const FAKE_MAIN = join(__dirname, 'fake-process.ts');
const NATS_SERVER = process.env.NATS_SERVER_BIN || '/usr/sbin/nats-server';
const DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

export type StackService = 'ingress' | 'coordinator' | 'gateway' | 'agents' | 'notifier';
const SERVICES: readonly StackService[] = ['ingress', 'coordinator', 'gateway', 'agents', 'notifier'];

/** Replicas per service as deployed: two of each stateless worker, one ingress, one notifier. */
export const DEFAULT_REPLICAS: Readonly<Record<StackService, number>> = {
  ingress: 1,
  coordinator: 2,
  gateway: 2,
  agents: 2,
  notifier: 1,
};

/** A loaded 2-core machine compiles each service from source in a few seconds; this is the ceiling. */
const START_TIMEOUT_MS = 120_000;
const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'superseded']);

export interface StackOptions {
  /** @default {@link DEFAULT_REPLICAS} */
  replicas?: Partial<Record<StackService, number>>;
  /** Extra environment for every service process (after the stack's own). */
  env?: Record<string, string>;
  /** Extra environment per service. */
  serviceEnv?: Partial<Record<StackService, Record<string, string>>>;
  /**
   * Called with the stack's copy of the shipped `workflows/` before any service starts (add or
   * remove workflows, change settings). Providers already point at the fake vendor.
   */
  editConfig?: (configDir: string) => void;
  /** Which sample apps to prepare as checkouts and seed on the fake GitHub. @default both */
  samples?: readonly SampleApp[];
  /**
   * Runs the services as `agentflow up` runs outside a checkout of this repository: from an empty
   * working directory, with neither AGENTFLOW_WORKFLOWS_DIR nor GATEWAY_CONFIG_FILE, so they start
   * on the shipped workflows bundled with the CLI. Providers still point at the fake vendor
   * (PROVIDERS_FILE); `editConfig` then changes only providers.yml. @default false
   */
  outsideCheckout?: boolean;
}

export interface RunRow {
  id: string;
  workflow: string;
  status: string;
  head_sha: string;
  pr: number | null;
  gate_conclusion: string | null;
}

export interface WaitOptions {
  /** @default 120 s */
  timeoutMs?: number;
  /** Sinks each run must have settled (delivered, skipped or failed). @default github, database */
  sinks?: string[];
}

/** A free TCP port on 127.0.0.1, as the kernel hands one out. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Copies the shipped workflows and points every provider at the fake vendor (as the demo does). */
function writeConfigDir(dir: string, vendorUrl: string): void {
  mkdirSync(dir, { recursive: true });
  const shipped = join(REPO_ROOT, 'workflows');
  for (const file of readdirSync(shipped))
    if (/\.ya?ml$/.test(file)) copyFileSync(join(shipped, file), join(dir, file));
  writeOfflineProviders(join(shipped, 'providers.yml'), join(dir, 'providers.yml'), vendorUrl);
}

export class Stack {
  /** `http://127.0.0.1:<port>` of the ingress (webhooks at `/webhooks/github`). */
  ingressUrl = '';
  readonly webhookSecret = `e2e-${randomBytes(8).toString('hex')}`;
  /** The CI API's admin token (`AGENTFLOW_API_TOKEN`) of this stack. */
  readonly apiToken = `afe2e_${randomBytes(12).toString('hex')}`;
  readonly id = randomBytes(4).toString('hex');
  /** The PostgreSQL schema holding this stack's tables. */
  readonly schema = `t_stack_${this.id}`;
  readonly busPrefix = `tst${this.id}`;
  natsUrl = '';
  github!: GitHubControl;
  slack!: SlackControl;
  vendor!: VendorControl;
  /** The sample apps, checked out where the agents read them and seeded on the fake GitHub. */
  samples: PreparedSample[] = [];
  /** Milliseconds from `start()` to every service answering `/ready`. */
  startMs = 0;
  /** A connection to this stack's schema, for reading rows. */
  db!: Client;

  private readonly root = mkdtempSync(join(tmpdir(), 'agentflow-stack-'));
  /** Where each process's output is written (`<service>-<n>.log`, `nats-server.log`, `fake-*.log`). */
  readonly logsDir = join(this.root, 'logs');
  private readonly processes = new Map<string, ManagedProcess>();
  private readonly fakes: ManagedProcess[] = [];
  private nats: ManagedProcess | undefined;
  private natsPort = 0;
  private readonly serviceEnvs = new Map<string, Record<string, string | undefined>>();
  private stopped = false;
  private repositoryIds = new Map<string, number>();

  constructor(private readonly options: StackOptions = {}) {}

  /** Every service replica by name (`coordinator-1`, `coordinator-2`, …). */
  replicas(service: StackService): ManagedProcess[] {
    return [...this.processes.entries()].filter(([name]) => name.startsWith(`${service}-`)).map(([, p]) => p);
  }

  replica(service: StackService, index = 1): ManagedProcess {
    const p = this.processes.get(`${service}-${index}`);
    if (!p) throw new Error(`the stack runs no ${service}-${index}`);
    return p;
  }

  async start(): Promise<this> {
    const began = Date.now();
    const logs = this.logsDir;
    mkdirSync(logs, { recursive: true });

    // nats-server starts in tens of milliseconds: an own server per stack is cheaper than
    // cleaning up after a shared one, and lets the chaos tests stop NATS itself.
    const natsPort = await freePort();
    this.natsPort = natsPort;
    const storeDir = join(this.root, 'nats');
    this.nats = new ManagedProcess({
      name: 'nats-server',
      command: NATS_SERVER,
      args: ['-js', '-a', '127.0.0.1', '-p', String(natsPort), '-sd', storeDir],
      env: { PATH: process.env.PATH },
      cwd: this.root,
      logFile: join(logs, 'nats-server.log'),
    }).start();
    this.natsUrl = `nats://127.0.0.1:${natsPort}`;

    const fakeEnv = { ...process.env, NODE_OPTIONS: '', LOG_LEVEL: 'warn' };
    const fakeOf = (kind: 'github' | 'slack' | 'vendor') =>
      new ManagedProcess({
        name: `fake-${kind}`,
        command: process.execPath,
        args: ['-r', TS_REGISTER, FAKE_MAIN, kind],
        env: fakeEnv,
        cwd: REPO_ROOT,
        logFile: join(logs, `fake-${kind}.log`),
      }).start();
    const [github, slack, vendor] = (['github', 'slack', 'vendor'] as const).map(fakeOf);
    this.fakes.push(github, slack, vendor);

    const admin = new Client({ connectionString: DATABASE_URL });
    await admin.connect();
    try {
      // Created here, before the replicas race to migrate into it.
      await admin.query(`CREATE SCHEMA "${this.schema}"`);
    } finally {
      await admin.end();
    }

    const sampleApps = this.options.samples ?? SAMPLE_APPS;
    const checkouts = join(this.root, 'checkouts');
    this.samples = sampleApps.map((app) => prepareSample(join(REPO_ROOT, 'examples'), checkouts, app));

    const ready = async (p: ManagedProcess) =>
      JSON.parse((await p.waitFor(/FAKE READY (\{.*\})\n/, START_TIMEOUT_MS))[1]) as {
        url: string;
        control: string;
      };
    const [gh, sl, vn] = await Promise.all([ready(github), ready(slack), ready(vendor)]);
    this.github = new GitHubControl(gh.url, gh.control);
    this.slack = new SlackControl(sl.url, sl.control);
    this.vendor = new VendorControl(vn.url, vn.control);
    await this.waitForNats(natsPort);

    for (const s of this.samples) {
      await this.github.seedPullRequest(s.seed);
      this.repositoryIds.set(
        `${s.seed.owner}/${s.seed.repo}`,
        (await this.github.repository(s.seed.owner, s.seed.repo)).id,
      );
    }

    const configDir = join(this.root, 'config');
    writeConfigDir(configDir, this.vendor.url);
    this.options.editConfig?.(configDir);

    const common: Record<string, string | undefined> = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      HOST: '127.0.0.1',
      PORT: '0',
      NODE_OPTIONS: '',
      NATS_URL: this.natsUrl,
      DATABASE_URL,
      DATABASE_SCHEMA: this.schema,
      DATABASE_POOL_SIZE: '4',
      AGENTFLOW_BUS_PREFIX: this.busPrefix,
      LOG_LEVEL: process.env.AGENTFLOW_E2E_LOG_LEVEL || 'warn',
      OTEL_SDK_DISABLED: 'true',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_TRACES_EXPORTER: 'none',
      AGENTFLOW_SECRETS_POLL_MS: '0',
      AGENTFLOW_WORKFLOWS_DIR: configDir,
      PROVIDERS_FILE: join(configDir, 'providers.yml'),
      GATEWAY_CONFIG_FILE: join(configDir, 'gateway.yml'),
      AGENTS_CHECKOUTS_DIR: checkouts,
      AGENTS_BATCH: 'vendor',
      GATEWAY_JOB_POLL_MS: '200',
      AGENTS_JOB_POLL_MS: '100',
      GITHUB_WEBHOOK_SECRET: this.webhookSecret,
      AGENTFLOW_API_TOKEN: this.apiToken,
      GITHUB_TOKEN: 'ghs_agentflow_e2e_stack',
      GITHUB_API_URL: this.github.url,
      GITHUB_GRAPHQL_URL: `${this.github.url}/graphql`,
      // The fake serves git at `/<owner>/<repo>.git` next to its API, as GitHub Enterprise does:
      // where the test runner fetches from when no clone was provisioned (ADR 0083).
      GITHUB_SERVER_URL: this.github.url,
      GITHUB_APP_ID: '',
      GITLAB_TOKEN: '',
      INGRESS_RECONCILE_MS: '0',
      SLACK_BOT_TOKEN: 'xoxb-agentflow-e2e',
      SLACK_API_URL: this.slack.url,
      SLACK_WEBHOOK_URL: '',
      SLACK_ALERT_CHANNEL: '#agentflow-alerts',
      AGENTFLOW_DEMO_VENDOR_KEY: 'sk-ant-api03-agentflow-e2e-offline-key-0000000',
      ...this.options.env,
    };

    let serviceCwd = REPO_ROOT;
    if (this.options.outsideCheckout) {
      serviceCwd = join(this.root, 'elsewhere');
      mkdirSync(serviceCwd, { recursive: true });
      delete common.AGENTFLOW_WORKFLOWS_DIR;
      delete common.GATEWAY_CONFIG_FILE;
    }

    const replicas = { ...DEFAULT_REPLICAS, ...this.options.replicas };
    for (const service of SERVICES) {
      for (let i = 1; i <= replicas[service]; i++) {
        const name = `${service}-${i}`;
        const dataDir = join(this.root, 'data', name);
        mkdirSync(dataDir, { recursive: true });
        const env = { ...common, AGENTFLOW_DATA_DIR: dataDir, ...this.options.serviceEnv?.[service] };
        this.serviceEnvs.set(name, env);
        this.processes.set(
          name,
          new ManagedProcess({
            name,
            command: process.execPath,
            args: ['-r', TS_REGISTER, CLI_MAIN, 'up', '--only', service, '--port', '0'],
            env,
            cwd: serviceCwd,
            logFile: join(logs, `${name}.log`),
          }),
        );
      }
    }
    await Promise.all([...this.processes.values()].map((p) => this.launch(p)));
    this.ingressUrl = this.urls.get('ingress-1')!;

    this.db = new Client({ connectionString: DATABASE_URL, options: `-c search_path=${this.schema}` });
    await this.db.connect();
    this.startMs = Date.now() - began;
    return this;
  }

  private readonly urls = new Map<string, string>();

  private async launch(p: ManagedProcess): Promise<void> {
    p.start();
    const url = (await p.waitFor(/listening on (http:\/\/\S+)/, START_TIMEOUT_MS))[1];
    this.urls.set(p.name, url);
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const res = await fetch(`${url}/ready`).catch(() => undefined);
      if (res?.status === 200) return;
      if (Date.now() > deadline) throw new Error(`${p.name} never answered /ready with 200:\n${p.output()}`);
      await sleep(100);
    }
  }

  private async waitForNats(port: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const ok = await new Promise<boolean>((resolve) => {
        const socket = require('node:net').connect(port, '127.0.0.1') as import('node:net').Socket; // eslint-disable-line @typescript-eslint/no-require-imports
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      if (ok) return;
      if (Date.now() > deadline)
        throw new Error(`nats-server did not listen on ${port}:\n${this.nats?.output()}`);
      await sleep(20);
    }
  }

  /** The base URL a replica listens on (its `/health`, `/ready`, `/metrics`). */
  url(name: string): string {
    const url = this.urls.get(name);
    if (!url) throw new Error(`no running process ${name}`);
    return url;
  }

  /**
   * Kills one replica: SIGKILL by default (a crash, nothing cleaned up), or SIGTERM with
   * `{ graceful: true }` (a rollout). Resolves once the process group is gone.
   */
  async kill(service: StackService, index = 1, options: { graceful?: boolean } = {}): Promise<void> {
    await this.replica(service, index).stop(options.graceful ? 10_000 : 0);
    this.urls.delete(`${service}-${index}`);
  }

  /** Starts a killed replica again with the same environment; resolves once it is ready. */
  async restart(service: StackService, index = 1): Promise<void> {
    const p = this.replica(service, index);
    if (p.running) await p.stop();
    await this.launch(p);
    if (service === 'ingress' && index === 1) this.ingressUrl = this.urls.get('ingress-1')!;
  }

  /** Whether this stack's nats-server is running (false between {@link killNats} and {@link restartNats}). */
  get natsRunning(): boolean {
    return this.nats?.running ?? false;
  }

  /** SIGKILLs this stack's nats-server (a crash: nothing flushed, every connection dropped). */
  async killNats(): Promise<void> {
    await this.nats?.stop(0);
  }

  /** Starts the nats-server again on the same port and store directory; resolves once it listens. */
  async restartNats(): Promise<void> {
    if (!this.nats) throw new Error('the stack was never started; call start() first');
    if (this.nats.running) await this.nats.stop(0);
    this.nats.start();
    await this.waitForNats(this.natsPort);
  }

  /** One signed delivery to the ingress. */
  async sendWebhook(event: string, payload: unknown, deliveryId?: string): Promise<SignedDelivery> {
    return sendSignedWebhook(this.ingressUrl, this.webhookSecret, event, payload, deliveryId);
  }

  /** A sample app by its repository name (`android-app`, `ios-app`). */
  sample(repo: string): PreparedSample {
    const s = this.samples.find((x) => x.seed.repo === repo);
    if (!s)
      throw new Error(
        `the stack has no sample ${repo}; it has ${this.samples.map((x) => x.seed.repo).join(', ')}`,
      );
    return s;
  }

  /** Sends `pull_request.<action>` for a seeded pull request; answers the delivery id. */
  async pullRequestEvent(seed: SeedPullRequest, action = 'opened'): Promise<string> {
    const id = this.repositoryIds.get(`${seed.owner}/${seed.repo}`) ?? 1;
    const sent = await this.sendWebhook('pull_request', pullRequestPayload(seed, action, id));
    if (sent.status >= 300)
      throw new Error(`the ingress answered ${sent.status} to pull_request.${action}: ${sent.body}`);
    return sent.deliveryId;
  }

  /** A call to the ingress's CI API (`/api/...`) with this stack's admin token. */
  async ciApi(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${this.ingressUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.apiToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  /** Like {@link waitForRuns}, for runs started by the CI API (no delivery). */
  async waitForRunIds(runIds: string[], options: WaitOptions = {}): Promise<RunRow[]> {
    return this.waitUntilSettled(`runs ${runIds.join(', ')}`, async () => runIds, options);
  }

  /**
   * Waits until the delivery matched, every run it started ended, and the notifier settled the
   * named sinks for each (no ledger row left `claimed`), twice in a row one second apart.
   */
  async waitForRuns(deliveryId: string, options: WaitOptions = {}): Promise<RunRow[]> {
    return this.waitUntilSettled(
      `delivery ${deliveryId}`,
      async () => {
        const delivery = await this.db.query<{ outcome: string; run_ids: string[] }>(
          'SELECT outcome, run_ids FROM webhook_deliveries WHERE delivery_id = $1',
          [deliveryId],
        );
        const row = delivery.rows[0];
        if (!row) return 'no delivery recorded';
        if (row.outcome === 'received') return 'delivery received, not matched yet';
        if (row.run_ids.length === 0)
          throw new Error(`delivery ${deliveryId} started no run (outcome ${row.outcome})`);
        return row.run_ids;
      },
      options,
    );
  }

  /** Polls until the runs `find` names (or why there are none yet) ended and their sinks settled. */
  private async waitUntilSettled(
    what: string,
    find: () => Promise<string[] | string>,
    options: WaitOptions,
  ): Promise<RunRow[]> {
    const timeoutMs = options.timeoutMs ?? 120_000;
    const sinks = options.sinks ?? ['github', 'database'];
    const deadline = Date.now() + timeoutMs;
    let settledSince: number | undefined;
    let last = '';
    for (;;) {
      const found = await find();
      if (typeof found !== 'string') {
        const runs = await this.db.query<RunRow>(
          'SELECT id, workflow, status, head_sha, pr, gate_conclusion FROM runs WHERE id = ANY($1) ORDER BY workflow',
          [found],
        );
        const ledger = await this.db.query<{ run_id: string; sink: string; state: string }>(
          'SELECT run_id, sink, state FROM notifier_deliveries WHERE run_id = ANY($1)',
          [found],
        );
        const ended = runs.rows.length === found.length && runs.rows.every((r) => TERMINAL.has(r.status));
        const settled =
          found.every((id) =>
            sinks.every((sink) => ledger.rows.some((l) => l.run_id === id && l.sink === sink)),
          ) && ledger.rows.every((l) => l.state !== 'claimed');
        last = `${runs.rows.map((r) => `${r.workflow}: ${r.status}`).join(', ')}; ledger ${ledger.rows.map((l) => `${l.sink}=${l.state}`).join(', ')}`;
        if (ended && settled) {
          settledSince ??= Date.now();
          if (Date.now() - settledSince >= 1000) return runs.rows;
        } else settledSince = undefined;
      } else last = found;
      if (Date.now() > deadline) {
        throw new Error(`${what}: runs not settled within ${timeoutMs} ms (${last})\n${this.tail()}`);
      }
      await sleep(250);
    }
  }

  /** The last lines every service printed, for failure messages. */
  tail(lines = 15): string {
    return [...this.processes.values(), ...this.fakes]
      .map((p) => `--- ${p.name}\n${p.output().trimEnd().split('\n').slice(-lines).join('\n')}`)
      .join('\n');
  }

  /**
   * Stops every process (SIGTERM, SIGKILL after 10 s), drops the schema and removes the
   * temporary directory (nats-server's store with it). Idempotent; never throws.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.db?.end().catch(() => undefined);
    await Promise.all([...this.processes.values()].map((p) => p.stop().catch(() => null)));
    await Promise.all(this.fakes.map((p) => p.stop(3000).catch(() => null)));
    await this.nats?.stop(3000).catch(() => null);
    for (const p of [...this.processes.values(), ...this.fakes, ...(this.nats ? [this.nats] : [])])
      await p.closeLog();
    const admin = new Client({ connectionString: DATABASE_URL });
    try {
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`);
    } catch {
      // Left for the next cleanup; the name is unique to this stack.
    } finally {
      await admin.end().catch(() => undefined);
    }
    if (process.env.AGENTFLOW_E2E_KEEP_LOGS) {
      rmSync(join(this.root, 'checkouts'), { recursive: true, force: true });
      process.stderr.write(`stack ${this.id}: logs kept in ${join(this.root, 'logs')}\n`);
    } else rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * Starts a stack for one test file; pair it with `afterAll(() => stack.stop())`. A failed start
 * stops what it started before rethrowing.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const stack = new Stack(options);
  try {
    return await stack.start();
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

export { FakeControl };
