import { InvalidArgumentError, type Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RunningServices, ServiceDefinition, ServiceName } from '@agentflow/service-kit';

/** Every service, in the order they are listed and started. */
export const ALL_SERVICES: readonly ServiceName[] = [
  'ingress',
  'coordinator',
  'gateway',
  'agents',
  'notifier',
];

/**
 * Loaded on demand: `agentflow validate` should not pay for loading five services and their SDKs.
 * Each service package exports exactly one definition.
 */
const DEFINITIONS: Record<ServiceName, () => Promise<ServiceDefinition>> = {
  ingress: async () => (await import('@agentflow/ingress')).ingressService,
  coordinator: async () => (await import('@agentflow/coordinator')).coordinatorService,
  gateway: async () => (await import('@agentflow/gateway')).gatewayService,
  agents: async () => (await import('@agentflow/agents')).agentsService,
  notifier: async () => (await import('@agentflow/notifier')).notifierService,
};

/** Parses `--only ingress,gateway`; unknown names are a usage error that lists the valid ones. */
export function parseServiceList(value: string): ServiceName[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(ALL_SERVICES as readonly string[]).includes(n));
  if (unknown.length > 0)
    throw new InvalidArgumentError(
      `unknown service ${unknown.join(', ')}; choose from ${ALL_SERVICES.join(', ')}`,
    );
  if (names.length === 0)
    throw new InvalidArgumentError(`name at least one service: ${ALL_SERVICES.join(', ')}`);
  // Start order is fixed whatever order they were named in; duplicates collapse.
  return ALL_SERVICES.filter((s) => names.includes(s));
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535)
    throw new InvalidArgumentError('a port is a whole number from 0 to 65535');
  return port;
}

/** Something that works only with a key or credential, and how to turn it on. */
export interface Capability {
  /** What the user gets, e.g. `Anthropic models`. */
  name: string;
  /** Which services use it. */
  services: ServiceName[];
  /** Set when it is on. */
  on: (env: Readonly<Record<string, string | undefined>>) => boolean;
  /** What to set to turn it on. */
  remedy: string;
}

const set = (env: Readonly<Record<string, string | undefined>>, name: string) => Boolean(env[name]?.trim());
const secretFile = (name: string) => existsSync(`/var/run/secrets/agentflow/${name}`);

/** The capabilities `agentflow up` reports on; each one off is a visible line, never a crash. */
export const CAPABILITIES: readonly Capability[] = [
  {
    name: 'Anthropic models',
    services: ['gateway'],
    on: (env) => set(env, 'ANTHROPIC_API_KEY') || secretFile('anthropic-api-key'),
    remedy: 'set ANTHROPIC_API_KEY',
  },
  {
    name: 'OpenAI models',
    services: ['gateway'],
    on: (env) => set(env, 'OPENAI_API_KEY') || secretFile('openai-api-key'),
    remedy: 'set OPENAI_API_KEY',
  },
  {
    name: 'GitHub API (fetch code, comments, checks, branches)',
    services: ['ingress', 'agents', 'notifier'],
    on: (env) =>
      set(env, 'GITHUB_TOKEN') ||
      (set(env, 'GITHUB_APP_ID') &&
        (set(env, 'GITHUB_APP_PRIVATE_KEY') || set(env, 'GITHUB_APP_PRIVATE_KEY_FILE'))),
    remedy: 'set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY (or GITHUB_APP_PRIVATE_KEY_FILE), or GITHUB_TOKEN',
  },
  {
    name: 'GitHub webhooks at /webhooks/github',
    services: ['ingress'],
    on: (env) => set(env, 'GITHUB_WEBHOOK_SECRET'),
    remedy: 'set GITHUB_WEBHOOK_SECRET to the secret configured on the webhook',
  },
  {
    name: 'GitLab API (merge request notes and discussions)',
    services: ['ingress', 'agents', 'notifier'],
    on: (env) => set(env, 'GITLAB_TOKEN'),
    remedy: 'set GITLAB_TOKEN (and GITLAB_URL for a self-managed GitLab)',
  },
  {
    name: 'GitLab webhooks at /webhooks/gitlab',
    services: ['ingress'],
    on: (env) => set(env, 'GITLAB_WEBHOOK_TOKEN'),
    remedy: 'set GITLAB_WEBHOOK_TOKEN to the secret token configured on the webhook',
  },
  {
    name: 'Slack messages',
    services: ['notifier'],
    on: (env) => set(env, 'SLACK_BOT_TOKEN') || set(env, 'SLACK_WEBHOOK_URL'),
    remedy: 'set SLACK_BOT_TOKEN or SLACK_WEBHOOK_URL',
  },
];

/** The capabilities that are off for the services running, given the environment. */
export function capabilitiesOff(
  env: Readonly<Record<string, string | undefined>>,
  running: readonly ServiceName[],
): Capability[] {
  return CAPABILITIES.filter((c) => c.services.some((s) => running.includes(s)) && !c.on(env));
}

/** Where `agentflow up` reads its workflows and configuration from, and why that one. */
export interface ConfigDirChoice {
  dir: string;
  /**
   * `env`: AGENTFLOW_WORKFLOWS_DIR; `project`: a `workflows/` in or above the working directory;
   * `bundled`: none of those, so the shipped defaults that come with the CLI.
   */
  origin: 'env' | 'project' | 'bundled';
}

/** The shipped `workflows/` next to the CLI package (from `cli/src/commands` or `cli/dist/commands`). */
export const BUNDLED_WORKFLOWS = join(__dirname, '..', '..', '..', 'workflows');

const isDir = (path: string) => existsSync(path) && statSync(path).isDirectory();

/**
 * AGENTFLOW_WORKFLOWS_DIR, else `./workflows`, else the nearest `workflows/` with a providers.yml
 * above (as `agentflow validate` finds it), else the shipped defaults in `bundled`. Outside a
 * checkout the services used to fail on the relative `workflows` ("config directory workflows
 * does not exist").
 */
export function chooseConfigDir(
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
  bundled: string,
  findProject: (from: string) => string | undefined,
): ConfigDirChoice {
  if (env.AGENTFLOW_WORKFLOWS_DIR) return { dir: resolve(cwd, env.AGENTFLOW_WORKFLOWS_DIR), origin: 'env' };
  if (isDir(join(cwd, 'workflows'))) return { dir: join(resolve(cwd), 'workflows'), origin: 'project' };
  const found = findProject(cwd);
  return found ? { dir: found, origin: 'project' } : { dir: bundled, origin: 'bundled' };
}

/**
 * The environment that points every service at the chosen directory: the workflows (ingress), the
 * providers (gateway, agents) and the gateway settings. What the environment already names wins.
 */
export function configDirEnv(
  choice: ConfigDirChoice,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (!env.AGENTFLOW_WORKFLOWS_DIR) out.AGENTFLOW_WORKFLOWS_DIR = choice.dir;
  if (!env.PROVIDERS_FILE) out.PROVIDERS_FILE = join(choice.dir, 'providers.yml');
  // An empty GATEWAY_CONFIG_FILE means "no file" to the gateway: only an unset one is filled in.
  if (env.GATEWAY_CONFIG_FILE === undefined) out.GATEWAY_CONFIG_FILE = join(choice.dir, 'gateway.yml');
  return out;
}

/** The start-up line that says where the workflows came from. */
export function configDirLine(choice: ConfigDirChoice, cwd: string): string {
  switch (choice.origin) {
    case 'env':
      return `  workflows ${choice.dir} (AGENTFLOW_WORKFLOWS_DIR)`;
    case 'project':
      return `  workflows ${choice.dir} (this project's)`;
    case 'bundled':
      return `  workflows ${choice.dir}: the shipped defaults bundled with the CLI (no workflows/ in ${resolve(cwd)} or above; add one, or set AGENTFLOW_WORKFLOWS_DIR, to use your own)`;
  }
}

/** A URL with its password replaced, safe to print. */
export function redactUrl(value: string): string {
  return value
    .split(',')
    .map((part) => {
      try {
        const url = new URL(part.trim());
        if (url.password) url.password = '***';
        return url.toString().replace(/\/$/, '');
      } catch {
        return '(unparseable URL)';
      }
    })
    .join(',');
}

/** The lines printed once everything listens: what runs, where the data is, what is off and why. */
export function startupSummary(
  running: RunningServices,
  env: Readonly<Record<string, string | undefined>>,
  workflows?: string,
): string[] {
  const { config } = running;
  const lines = [
    `agentflow up: ${running.services.join(', ')} listening on ${running.url} (GET /health, /ready, /metrics)`,
  ];
  if (workflows) lines.push(workflows);
  lines.push(
    running.bus.kind === 'jetstream'
      ? `  bus       NATS JetStream at ${redactUrl(config.natsUrl ?? '')}`
      : `  bus       embedded, in this process; state in ${config.dataDir}/bus`,
  );
  const migrations = `${running.migrations.applied.length} migration${running.migrations.applied.length === 1 ? '' : 's'} applied now, ${running.migrations.alreadyApplied} before`;
  lines.push(
    running.db.kind === 'postgres'
      ? `  database  PostgreSQL at ${redactUrl(config.databaseUrl ?? '')}${config.databaseSchema ? ` (schema ${config.databaseSchema})` : ''}; ${migrations}`
      : `  database  PGlite in ${config.dataDir}/pglite; ${migrations}`,
  );
  const previous = running.previousInstance;
  if (previous) {
    lines.push(
      previous.stoppedAt
        ? `  last run  started ${previous.startedAt.toISOString()}, stopped cleanly ${previous.stoppedAt.toISOString()} (${previous.stopReason ?? 'requested'})`
        : `  last run  started ${previous.startedAt.toISOString()} (pid ${previous.pid}) and did not stop cleanly: it crashed or was killed (last seen ${previous.lastSeenAt.toISOString()})`,
    );
  }
  const siblings = running.siblingInstances;
  if (siblings.length > 0) {
    const pids = siblings.map((s) => s.pid).join(', ');
    lines.push(`  replicas  ${siblings.length} more of this process running on this host (pid ${pids})`);
  }
  for (const off of capabilitiesOff(env, running.services))
    lines.push(`  off       ${off.name}: ${off.remedy}`);
  lines.push('Ctrl-C or SIGTERM stops it gracefully.');
  return lines;
}

/**
 * `agentflow up [--only <service,...>] [--port N]`: every service in this one process behind one
 * HTTP listener; the embedded bus and PGlite unless NATS_URL / DATABASE_URL are set.
 */
export function registerUp(program: Command): void {
  program
    .command('up')
    .description(
      'run every service in one process: embedded bus and PGlite, or NATS and PostgreSQL when NATS_URL / DATABASE_URL are set',
    )
    .option('--only <services>', `comma-separated subset of ${ALL_SERVICES.join(',')}`, parseServiceList)
    .option('--port <n>', 'HTTP port (default: PORT or 3000)', parsePort)
    .action(async (options: { only?: ServiceName[]; port?: number }) => {
      const { exitOnStartupFailure, runServices } = await import('@agentflow/service-kit');
      const { findProjectConfigDir } = await import('@agentflow/workflow');
      const names = options.only ?? [...ALL_SERVICES];
      const cwd = process.cwd();
      const choice = chooseConfigDir(cwd, process.env, BUNDLED_WORKFLOWS, findProjectConfigDir);
      // Set before the services read their configuration (each reads process.env once at start).
      Object.assign(process.env, configDirEnv(choice, process.env));
      const workflowsLine = configDirLine(choice, cwd);
      try {
        const definitions = await Promise.all(names.map((name) => DEFINITIONS[name]()));
        const running = await runServices(definitions, {
          // One service (`--only gateway`) is named as its own image would be: logs, the bus
          // connection and every span's service.name say which service it is.
          name: definitions.length === 1 ? definitions[0].name : 'agentflow',
          overrides: options.port === undefined ? undefined : { port: options.port },
        });
        process.stdout.write(`${startupSummary(running, process.env, workflowsLine).join('\n')}\n`);
      } catch (error) {
        exitOnStartupFailure(error);
      }
    });
}
