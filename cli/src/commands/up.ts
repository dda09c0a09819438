import { InvalidArgumentError, type Command } from 'commander';
import { existsSync } from 'node:fs';
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
): string[] {
  const { config } = running;
  const lines = [
    `agentflow up: ${running.services.join(', ')} listening on ${running.url} (GET /health, /ready, /metrics)`,
  ];
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
        : `  last run  started ${previous.startedAt.toISOString()} (pid ${previous.pid}) and did not stop cleanly: it crashed or was killed`,
    );
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
      const names = options.only ?? [...ALL_SERVICES];
      try {
        const definitions = await Promise.all(names.map((name) => DEFINITIONS[name]()));
        const running = await runServices(definitions, {
          // One service (`--only gateway`) is named as its own image would be: logs, the bus
          // connection and every span's service.name say which service it is.
          name: definitions.length === 1 ? definitions[0].name : 'agentflow',
          overrides: options.port === undefined ? undefined : { port: options.port },
        });
        process.stdout.write(`${startupSummary(running, process.env).join('\n')}\n`);
      } catch (error) {
        exitOnStartupFailure(error);
      }
    });
}
