/**
 * The notifier service: consumes run results, progress and push-files commands, and delivers them
 * to every configured sink (GitHub, GitLab, Slack, the database), idempotently per
 * (sink, target, run). Dismissals judge the latest run's gate again, and a periodic sweep reads
 * GitHub 👎 reactions between pushes.
 */
import {
  Inject,
  Logger,
  Module,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { ConsumerHandle } from '@agentflow/bus';
import { dismissalMessageId, type FindingDismissed } from '@agentflow/contracts';
import type { ServiceContext, ServiceDefinition } from '@agentflow/service-kit';
import { readNotifierConfig, type NotifierConfig } from './config';
import { startNotifierConsumers, stopConsumers } from './consumers';
import { GateReassessor } from './dismissals/gate-reassessor';
import { ReactionSweep } from './dismissals/reaction-sweep';
import { NotificationDispatcher } from './dispatcher';
import { DeliveryLedger } from './ledger/delivery-ledger';
import { runIdOf } from './events';
import { buildSinks, GitHubAccess, GitHubSink, GitLabApi, PostedStore } from './sinks';
import { SignalHarvest } from './usefulness/signal-harvest';
import { GitHubSignalReader, GitLabSignalReader, type SignalReader } from './usefulness/signal-readers';
import { UsefulnessGauges } from './usefulness/usefulness-gauges';

const CONTEXT = Symbol('notifier-context');
const CONFIG = Symbol('notifier-config');

export interface NotifierParts {
  dispatcher: NotificationDispatcher;
  /** Judges the gate again on `finding.dismissed`. */
  reassessor: GateReassessor;
  /** Reads GitHub 👎 between pushes; null without a GitHub sink or with `NOTIFIER_REACTION_SWEEP_MS=0`. */
  sweep: ReactionSweep | null;
  /** The `agentflow_usefulness_*` gauges; null with `NOTIFIER_USEFULNESS_REFRESH_MS=0`. */
  usefulness: UsefulnessGauges | null;
  /** Reads reactions, suggestions applied and GitLab resolutions of ended PRs; null without a platform or with `NOTIFIER_SIGNAL_HARVEST_MS=0`. */
  harvest: SignalHarvest | null;
}

/** Builds the dispatcher with every configured sink (the failure reporter posts to Slack's alert channel), the dismissal reassessor and the reaction sweep. */
export function createNotifierParts(
  ctx: Pick<ServiceContext, 'db'> & Partial<Pick<ServiceContext, 'messenger' | 'topology'>>,
  config: NotifierConfig,
  log: { log(m: string): void; warn(m: string): void; error(m: string): void },
): NotifierParts {
  const { messenger, topology } = ctx;
  // With a bus, a 👎 dismissal also reaches the coordinator (the message id makes a repeat a no-op).
  const announceDismissal =
    messenger && topology
      ? async (d: FindingDismissed) => {
          await messenger.emit(topology.subjects.findingDismissed, 'finding.dismissed', d, {
            msgId: dismissalMessageId(d),
          });
        }
      : undefined;
  const { sinks, slack } = buildSinks(config, ctx.db, announceDismissal, log);
  log.log(`notifier sinks: ${sinks.map((s) => s.name).join(', ')}`);
  const ledger = new DeliveryLedger(ctx.db);
  const dispatcher = new NotificationDispatcher(
    sinks,
    ledger,
    log,
    config.maxAttempts,
    slack
      ? (failed, event) =>
          slack.reportDeliveryFailure(failed.sink, failed.target, runIdOf(event), failed.detail)
      : undefined,
  );
  const reassessor = new GateReassessor({
    db: ctx.db,
    posted: new PostedStore(ctx.db),
    ledger,
    dispatcher,
    sinks,
    maxAttempts: config.maxAttempts,
  });
  const github = sinks.find((s): s is GitHubSink => s instanceof GitHubSink);
  const sweep =
    github && config.reactionSweepMs > 0
      ? new ReactionSweep({ db: ctx.db, github, intervalMs: config.reactionSweepMs, log })
      : null;
  const usefulness =
    config.usefulnessRefreshMs > 0
      ? new UsefulnessGauges({
          db: ctx.db,
          intervalMs: config.usefulnessRefreshMs,
          windowDays: config.usefulnessWindowDays,
          log,
        })
      : null;
  const readers: Partial<Record<'github' | 'gitlab', SignalReader>> = {};
  const access = new GitHubAccess(config.github);
  if (access.configured) readers.github = new GitHubSignalReader(access);
  if (config.gitlab.token)
    readers.gitlab = new GitLabSignalReader(
      new GitLabApi(config.gitlab.url, config.gitlab.token, config.maxInlineWaitMs),
    );
  const harvest =
    config.signalHarvestMs > 0 && Object.keys(readers).length
      ? new SignalHarvest({ db: ctx.db, readers, intervalMs: config.signalHarvestMs, log })
      : null;
  return { dispatcher, reassessor, sweep, usefulness, harvest };
}

/** The dispatcher alone (see createNotifierParts). */
export function createNotifier(
  ctx: Pick<ServiceContext, 'db'> & Partial<Pick<ServiceContext, 'messenger' | 'topology'>>,
  config: NotifierConfig,
  log: { log(m: string): void; warn(m: string): void; error(m: string): void },
): NotificationDispatcher {
  return createNotifierParts(ctx, config, log).dispatcher;
}

class NotifierRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger('notifier');
  private handles: ConsumerHandle[] = [];
  private sweep: ReactionSweep | null = null;
  private usefulness: UsefulnessGauges | null = null;
  private harvest: SignalHarvest | null = null;

  constructor(
    @Inject(CONTEXT) private readonly ctx: ServiceContext,
    @Inject(CONFIG) private readonly config: NotifierConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { dispatcher, reassessor, sweep, usefulness, harvest } = createNotifierParts(
      this.ctx,
      this.config,
      this.log,
    );
    // PGlite has no pool to starve (its one connection queues in process); PostgreSQL's bounds us.
    const poolSize = this.ctx.db.kind === 'postgres' ? this.ctx.db.poolSize : undefined;
    this.handles = await startNotifierConsumers({
      bus: this.ctx.bus,
      messenger: this.ctx.messenger,
      topology: this.ctx.topology,
      dispatcher,
      maxAttempts: this.config.maxAttempts,
      reassessor,
      poolSize,
      log: this.log,
    });
    if (poolSize !== undefined)
      this.log.log(
        `notifier: at most ${poolSize} deliveries at once (the database pool, DATABASE_POOL_SIZE)`,
      );
    this.sweep = sweep;
    sweep?.start();
    this.usefulness = usefulness;
    usefulness?.start();
    this.harvest = harvest;
    harvest?.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.sweep?.stop();
    this.sweep = null;
    await this.usefulness?.stop();
    this.usefulness = null;
    await this.harvest?.stop();
    this.harvest = null;
    await stopConsumers(this.handles, this.log);
    this.handles = [];
  }
}

@Module({})
class NotifierModule {}

/** The notifier service as the runtime sees it (see ServiceDefinition). */
export const notifierService: ServiceDefinition = {
  name: 'notifier',
  module: (ctx) => {
    const config = readNotifierConfig(ctx.env);
    return {
      module: NotifierModule,
      providers: [
        { provide: CONTEXT, useValue: ctx },
        { provide: CONFIG, useValue: config },
        NotifierRuntime,
      ],
    };
  },
};
