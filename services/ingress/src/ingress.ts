/**
 * Wires the ingress from its parts; `createIngress` is what the Nest module and the tests both use,
 * so a test replaces a port (clock, platform clients, matcher, publisher) and keeps the rest real.
 */
import {
  DEFAULT_CONSUMER,
  describeError,
  type ConsumerSpec,
  type Platform,
  type Topology,
  type WebhookReceived,
} from '@agentflow/contracts';
import type { ConsumerHandle, MessageBus, Messenger } from '@agentflow/bus';
import { GitHubOctokits } from '@agentflow/repo';
import type { SqlDatabase } from '@agentflow/store';
import { RunsApi } from './api/runs-api';
import { ApiTokenStore } from './api/api-tokens';
import type { IngressConfig } from './config';
import { systemClock, type Clock, type IngressLog } from './log';
import { appAccess, GitHubPlatformClient } from './platform/github-client';
import { GitLabPlatformClient } from './platform/gitlab-client';
import type {
  ConfigProblemReporter,
  PlatformClient,
  PlatformClients,
  RepositoryFiles,
} from './platform/platform-client';
import { DeliveryProcessor } from './processing/delivery-processor';
import { CoverageApi } from './coverage/coverage-api';
import { CoverageGate } from './coverage/coverage-gate';
import { ConfigProblemReports } from './processing/config-problems';
import { DismissalStore } from './processing/dismissals';
import { FindingSignalStore } from './processing/finding-signals';
import { PullRequestOutcomeStore } from './processing/pull-request-outcomes';
import { Reconciler, type GitHubAppAccess } from './reconciler/reconciler';
import { RunRequester } from './runs/run-requester';
import { WorkflowProjectMatcher, type TriggerMatcher } from './trigger/trigger-matcher';
import { DeliveryLog } from './webhooks/delivery-log';
import { BusDeliveryPublisher, type DeliveryPublisher } from './webhooks/delivery-publisher';
import { WebhookIntake } from './webhooks/intake';
import { SpoolForwarder } from './webhooks/spool-forwarder';
import { WebhookSpool } from './webhooks/spool';
import { WebhookKeyRing, type RotatingSecret, type WebhookSecretSource } from './webhooks/verify';

export interface IngressContext {
  bus: MessageBus;
  messenger: Messenger;
  topology: Topology;
  db: SqlDatabase;
}

export interface IngressOverrides {
  clock?: Clock;
  platforms?: PlatformClients;
  matcher?: TriggerMatcher;
  publisher?: DeliveryPublisher;
  /** The App's delivery API and repositories (tests point it at a fake). */
  githubApp?: GitHubAppAccess;
  log?: IngressLog;
  /**
   * Reads a secret variable as it is now (the service kit's `SecretFiles.get`: a mounted file is
   * re-read when it changed), so a rotated webhook secret takes effect without a restart. Absent:
   * the values read at start-up.
   */
  secret?: (variable: string) => string | undefined;
}

export interface Ingress {
  intake: WebhookIntake;
  api: RunsApi;
  /** `POST /api/coverage`. */
  coverage: CoverageApi;
  /** Coverage per head and the coverage-gated workflows waiting for it. */
  coverageGate: CoverageGate;
  processor: DeliveryProcessor;
  forwarder: SpoolForwarder;
  reconciler: Reconciler;
  spool: WebhookSpool;
  deliveries: DeliveryLog;
  /** Starts the delivery consumer, the spool forwarder and the reconciler. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The durable consumer of `af.webhooks.>`. */
export function deliveryConsumer(topology: Topology): ConsumerSpec {
  return {
    ...DEFAULT_CONSUMER,
    stream: topology.streams.webhooks.name,
    durable: 'ingress-deliveries',
    filterSubject: `${topology.prefix}.webhooks.>`,
  };
}

/** The webhook secrets accepted now: the current one, and the previous one until its overlap ends. */
export function webhookSecretSource(
  config: IngressConfig,
  secret: (variable: string) => string | undefined = () => undefined,
): WebhookSecretSource {
  const ring = (
    current: string | undefined,
    previous: { value: string; until: Date } | undefined,
    previousVariable: string,
  ): RotatingSecret[] => [
    ...(current ? [{ value: current }] : []),
    // The overlap's end is configuration, read once; only the value may be rotated in its file.
    ...(previous ? [{ value: secret(previousVariable) || previous.value, until: previous.until }] : []),
  ];
  return {
    github: () =>
      ring(
        secret('GITHUB_WEBHOOK_SECRET') || config.githubWebhookSecret,
        config.githubPreviousWebhookSecret,
        'GITHUB_WEBHOOK_PREVIOUS_SECRET',
      ),
    gitlab: () =>
      ring(
        secret('GITLAB_WEBHOOK_TOKEN') || config.gitlab.webhookToken,
        config.gitlab.previousWebhookToken,
        'GITLAB_WEBHOOK_PREVIOUS_TOKEN',
      ),
  };
}

type RepositoryAccess = RepositoryFiles & ConfigProblemReporter;

/** The platform clients that can read a repository's files and show problems on a pull request. */
function repositoryAccess(platforms: PlatformClients): Partial<Record<Platform, RepositoryAccess>> {
  const out: Partial<Record<Platform, RepositoryAccess>> = {};
  for (const [platform, client] of Object.entries(platforms) as Array<
    [Platform, PlatformClient & Partial<RepositoryAccess>]
  >) {
    if (
      typeof client.fileAt === 'function' &&
      typeof client.filesIn === 'function' &&
      typeof client.reportConfigProblems === 'function'
    )
      out[platform] = client as PlatformClient & RepositoryAccess;
  }
  return out;
}

export function createIngress(
  ctx: IngressContext,
  config: IngressConfig,
  overrides: IngressOverrides = {},
): Ingress {
  const log = overrides.log ?? { log: () => undefined, warn: () => undefined, error: () => undefined };
  const clock = overrides.clock ?? systemClock;
  const deliveries = new DeliveryLog(ctx.db);
  const spool = new WebhookSpool(ctx.db);
  const publisher = overrides.publisher ?? new BusDeliveryPublisher(ctx.bus, ctx.messenger, ctx.topology);
  const octokits = new GitHubOctokits(config.github);
  const platforms: PlatformClients = overrides.platforms ?? {
    ...(octokits.configured ? { github: new GitHubPlatformClient(octokits) } : {}),
    ...(config.gitlab.token
      ? { gitlab: new GitLabPlatformClient({ host: config.gitlab.url, token: config.gitlab.token }) }
      : {}),
  };
  // The platform clients read each repository's .agentflow/ at the change's base commit.
  const repositoryFiles = repositoryAccess(platforms);
  const matcher =
    overrides.matcher ??
    WorkflowProjectMatcher.fromDirectory(config.workflowsDir, { files: repositoryFiles, log });
  const runs = new RunRequester(ctx.db, ctx.messenger, ctx.topology);
  const coverage = new CoverageGate({ db: ctx.db, matcher, runs, log, waitMs: config.coverageWaitMs });
  const intake = new WebhookIntake({
    keys: new WebhookKeyRing(webhookSecretSource(config, overrides.secret), clock),
    publisher,
    deliveries,
    spool,
    db: ctx.db,
    maxBodyBytes: config.maxBodyBytes,
    clock,
    log,
  });
  const processor = new DeliveryProcessor({
    platforms,
    matcher,
    runs,
    deliveries,
    dismissals: new DismissalStore(ctx.db),
    configReports: new ConfigProblemReports(ctx.db, log),
    reporters: repositoryFiles,
    coverage,
    outcomes: new PullRequestOutcomeStore(ctx.db),
    signals: new FindingSignalStore(ctx.db),
    messenger: ctx.messenger,
    topology: ctx.topology,
    log,
  });
  const forwarder = new SpoolForwarder(spool, publisher, clock, log);
  const reconciler = new Reconciler({
    db: ctx.db,
    github: overrides.githubApp ?? (octokits.isApp ? appAccess(octokits) : undefined),
    platforms,
    matcher,
    runs,
    deliveries,
    clock,
    log,
    repos: config.reconcileRepos,
    retentionMs: config.deliveryRetentionDays * 86_400_000,
  });
  const tokens = new ApiTokenStore(ctx.db, config.adminToken);
  const api = new RunsApi({
    db: ctx.db,
    bus: ctx.bus,
    messenger: ctx.messenger,
    topology: ctx.topology,
    tokens,
    matcher,
    runs,
    deliveries,
    platforms,
    log,
  });
  const coverageApi = new CoverageApi({ tokens, gate: coverage, log });
  let consumer: ConsumerHandle | undefined;
  let sweep: NodeJS.Timeout | undefined;
  const spec = deliveryConsumer(ctx.topology);
  return {
    intake,
    api,
    coverage: coverageApi,
    coverageGate: coverage,
    processor,
    forwarder,
    reconciler,
    spool,
    deliveries,
    async start() {
      await ctx.bus.ensureStream(ctx.topology.streams.webhooks);
      await ctx.bus.ensureStream(ctx.topology.streams.runs);
      await ctx.bus.ensureStream(ctx.topology.streams.ci);
      await ctx.bus.ensureConsumer(spec);
      consumer = await ctx.bus.consume(
        spec,
        async (msg) => {
          const env = await ctx.messenger.read(msg, 'webhook.received');
          await processor.process(env.body as WebhookReceived, msg.info.deliveryCount >= spec.maxDeliver);
        },
        {
          concurrency: 8,
          retryDelayMs: (count, error) =>
            (error as { retryAfterMs?: number }).retryAfterMs ?? Math.min(60_000, 1000 * 2 ** (count - 1)),
        },
      );
      forwarder.start(config.spoolDrainIntervalMs);
      reconciler.start(config.reconcileIntervalMs);
      // Every replica sweeps; each expired wait is claimed by one UPDATE, so it is settled once.
      sweep = setInterval(() => {
        coverage
          .expire()
          .catch((error: unknown) =>
            log.warn(
              `coverage waits could not be swept: ${describeError(error)}; next sweep in ${config.coverageSweepMs} ms`,
            ),
          );
      }, config.coverageSweepMs);
      sweep.unref();
      // Whatever was spooled before a restart goes out now, not at the first tick.
      void forwarder
        .drain()
        .catch((error: unknown) => log.warn(`spool drain failed: ${describeError(error)}`));
    },
    async stop() {
      await forwarder.stop();
      await reconciler.stop();
      if (sweep) clearInterval(sweep);
      sweep = undefined;
      await consumer?.stop(10_000);
      consumer = undefined;
    },
  };
}
