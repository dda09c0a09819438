/**
 * Everything `agentflow demo` runs in this one process: the five services on the embedded bus and
 * PGlite in a fresh data directory, the fake GitHub and Slack seeded with the sample pull requests,
 * and (without API keys) the offline fake vendor answering as the simulated reviewer.
 */
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  copyFileSync,
  mkdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { FakeGitHub, FakeSlack } from '@agentflow/fake-platforms';
import type { FakeVendorServer } from '@agentflow/fake-vendor';
import type { RunningServices, ServiceDefinition } from '@agentflow/service-kit';
import { prepareSample, SAMPLE_APPS, type PreparedSample } from './sample-repos';

/** The repository root: this file is three folders down in both src/ and dist/. */
export const REPO_ROOT = join(__dirname, '..', '..', '..');

/** Where the demo's vendors come from. */
export type VendorMode = { kind: 'offline'; url: string } | { kind: 'real'; providers: string[] };

export interface DemoStack {
  running: RunningServices;
  github: FakeGitHub;
  slack: FakeSlack;
  vendor: VendorMode;
  samples: PreparedSample[];
  webhookSecret: string;
  /** Stops everything and deletes the temporary directory; idempotent. */
  close(): Promise<void>;
}

export interface DemoStackOptions {
  env: Readonly<Record<string, string | undefined>>;
  /**
   * Run on NATS JetStream and PostgreSQL instead of the embedded bus and PGlite (the pipeline test
   * runs the same demo on both). The caller owns the prefix and schema and deletes them after.
   */
  infra?: { natsUrl: string; databaseUrl: string; schema: string; busPrefix: string };
  /** Called as each part comes up, for the progress display. */
  onStep?: (step: string, state: 'running' | 'done', detail?: string) => void;
}

/** The key the offline providers file names; the fake vendor accepts any key. */
export const OFFLINE_KEY_ENV = 'AGENTFLOW_DEMO_VENDOR_KEY';
export const OFFLINE_KEY = 'sk-ant-api03-agentflow-demo-offline-key-000000';

/**
 * The shipped workflows directory copied for this run, with `providers.yml` pointing every provider
 * at the fake vendor when offline (same provider names, models and prices, so workflows and cost
 * reports read as they would against the real vendors).
 */
function writeConfigDir(dir: string, vendorUrl: string | undefined): void {
  mkdirSync(dir, { recursive: true });
  const shipped = join(REPO_ROOT, 'workflows');
  for (const file of readdirSync(shipped))
    if (/\.ya?ml$/.test(file) || file.endsWith('.md')) copyFileSync(join(shipped, file), join(dir, file));
  addSlackNotification(join(dir, 'pr-review.yml'), DEMO_SLACK_CHANNEL);
  if (vendorUrl) writeOfflineProviders(join(shipped, 'providers.yml'), join(dir, 'providers.yml'), vendorUrl);
}

/**
 * A copy of a providers file with every provider answered by the offline fake vendor: same names,
 * aliases, models and prices, so workflows compile and costs read as they would for real.
 */
export function writeOfflineProviders(from: string, to: string, vendorUrl: string): void {
  const providers = parse(readFileSync(from, 'utf8')) as {
    providers: Record<string, Record<string, unknown>>;
  };
  for (const provider of Object.values(providers.providers)) {
    // The fake serves Anthropic's /v1/messages and OpenAI's /v1/chat/completions.
    provider.baseUrl = String(provider.kind).startsWith('openai') ? `${vendorUrl}/v1` : vendorUrl;
    provider.apiKey = { env: OFFLINE_KEY_ENV };
    provider.timeoutMs = 15_000;
  }
  writeFileSync(
    to,
    `# Written by agentflow: every provider answered by the offline fake vendor.\n${stringify(providers)}`,
  );
}

/** The channel the demo's pull-request review posts to. */
export const DEMO_SLACK_CHANNEL = '#mobile-reviews';

/**
 * The shipped `pr-review` workflow comments on GitHub only; the demo adds a Slack notification to
 * its copy so the Slack step is visible too (said in docs/demo.md).
 */
function addSlackNotification(file: string, channel: string): void {
  const workflow = parse(readFileSync(file, 'utf8')) as { output?: Record<string, unknown> };
  workflow.output = { ...(workflow.output ?? {}), slack_notification: channel };
  writeFileSync(
    file,
    `# Copied by agentflow demo from workflows/pr-review.yml, with a Slack notification added.\n${stringify(workflow)}`,
  );
}

/** Which real vendors are configured; none means offline. */
export function realVendors(env: Readonly<Record<string, string | undefined>>): string[] {
  return [
    env.ANTHROPIC_API_KEY?.trim() ? 'Anthropic' : '',
    env.OPENAI_API_KEY?.trim() ? 'OpenAI' : '',
  ].filter(Boolean);
}

export async function startDemoStack(options: DemoStackOptions): Promise<DemoStack> {
  const step = options.onStep ?? (() => undefined);
  const root = mkdtempSync(join(tmpdir(), 'agentflow-demo-'));
  const closers: Array<() => Promise<unknown>> = [];
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const c of closers.reverse()) await c().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  };
  try {
    step('sample repositories', 'running');
    const checkouts = join(root, 'checkouts');
    const samples = SAMPLE_APPS.map((app) => prepareSample(join(REPO_ROOT, 'examples'), checkouts, app));
    step(
      'sample repositories',
      'done',
      samples.map((s) => `${s.app.owner}/${s.app.repo}#${s.app.pr}`).join(', '),
    );

    step('fake GitHub and Slack', 'running');
    const { startFakeGitHub, startFakeSlack } = await import('@agentflow/fake-platforms');
    const github = await startFakeGitHub();
    closers.push(() => github.close());
    const slack = await startFakeSlack();
    closers.push(() => slack.close());
    for (const s of samples) github.seedPullRequest(s.seed);
    step('fake GitHub and Slack', 'done', github.apiUrl);

    const real = realVendors(options.env);
    let vendor: VendorMode;
    if (real.length === 0) {
      step('offline fake vendor', 'running');
      const { FakeVendorServer } = await import('@agentflow/fake-vendor');
      const fake: FakeVendorServer = new FakeVendorServer({ log: 'count' });
      const url = await fake.start();
      closers.push(() => fake.close());
      vendor = { kind: 'offline', url };
      step('offline fake vendor', 'done', url);
    } else {
      vendor = { kind: 'real', providers: real };
    }

    const configDir = join(root, 'config');
    writeConfigDir(configDir, vendor.kind === 'offline' ? vendor.url : undefined);
    const webhookSecret = `demo-${Math.random().toString(36).slice(2)}`;

    const where = options.infra ? 'NATS JetStream, PostgreSQL' : 'embedded bus, PGlite';
    step(`services (${where})`, 'running');
    const [{ runServices }, definitions] = await Promise.all([
      import('@agentflow/service-kit'),
      loadDefinitions(),
    ]);
    const env: Record<string, string | undefined> = {
      ...options.env,
      PORT: '0',
      HOST: '127.0.0.1',
      NATS_URL: options.infra?.natsUrl ?? '',
      DATABASE_URL: options.infra?.databaseUrl ?? '',
      DATABASE_SCHEMA: options.infra?.schema ?? '',
      AGENTFLOW_DATA_DIR: join(root, 'data'),
      AGENTFLOW_BUS_PREFIX: options.infra?.busPrefix ?? 'demo',
      LOG_LEVEL: options.env.AGENTFLOW_DEMO_LOG_LEVEL ?? 'silent',
      // A workflow that marks a step `batch: true`: offline, the fake vendor's batches end at the
      // first status read, so the Batch API path runs at demo speed; with real vendors a batch
      // takes minutes to hours, so such steps are called live instead.
      AGENTS_BATCH: vendor.kind === 'offline' ? 'vendor' : 'live',
      GATEWAY_JOB_POLL_MS: '200',
      AGENTS_JOB_POLL_MS: '100',
      OTEL_SDK_DISABLED: 'true',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_TRACES_EXPORTER: 'none',
      AGENTFLOW_WORKFLOWS_DIR: configDir,
      PROVIDERS_FILE: join(configDir, 'providers.yml'),
      GATEWAY_CONFIG_FILE: join(configDir, 'gateway.yml'),
      AGENTS_CHECKOUTS_DIR: checkouts,
      GITHUB_WEBHOOK_SECRET: webhookSecret,
      GITHUB_TOKEN: 'ghs_agentflow_demo',
      GITHUB_API_URL: github.apiUrl,
      GITHUB_GRAPHQL_URL: `${github.apiUrl}/graphql`,
      GITHUB_APP_ID: '',
      GITLAB_TOKEN: '',
      INGRESS_RECONCILE_MS: '0',
      SLACK_BOT_TOKEN: 'xoxb-agentflow-demo',
      SLACK_API_URL: slack.apiUrl,
      SLACK_WEBHOOK_URL: '',
      SLACK_ALERT_CHANNEL: '#agentflow-alerts',
      [OFFLINE_KEY_ENV]: OFFLINE_KEY,
    };
    const running = await runServices(definitions, { name: 'agentflow-demo', env, handleSignals: false });
    closers.push(() => running.shutdown('demo finished'));
    step(`services (${where})`, 'done', `${running.services.join(', ')} on ${running.url}`);
    return { running, github, slack, vendor, samples, webhookSecret, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function loadDefinitions(): Promise<ServiceDefinition[]> {
  const [ingress, coordinator, gateway, agents, notifier] = await Promise.all([
    import('@agentflow/ingress'),
    import('@agentflow/coordinator'),
    import('@agentflow/gateway'),
    import('@agentflow/agents'),
    import('@agentflow/notifier'),
  ]);
  return [
    ingress.ingressService,
    coordinator.coordinatorService,
    gateway.gatewayService,
    agents.agentsService,
    notifier.notifierService,
  ];
}
