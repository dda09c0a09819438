/**
 * The notifier service: consumes run results, progress and push-files commands, and delivers them
 * to every configured sink (GitHub, GitLab, Slack, the database), idempotently per
 * (sink, target, run).
 */
import { Inject, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { ConsumerHandle } from '@agentflow/bus';
import { dismissalMessageId, type FindingDismissed } from '@agentflow/contracts';
import type { ServiceContext, ServiceDefinition } from '@agentflow/service-kit';
import { readNotifierConfig, type NotifierConfig } from './config';
import { startNotifierConsumers, stopConsumers } from './consumers';
import { NotificationDispatcher } from './dispatcher';
import { DeliveryLedger } from './ledger/delivery-ledger';
import { runIdOf } from './events';
import { buildSinks } from './sinks';

const CONTEXT = Symbol('notifier-context');
const CONFIG = Symbol('notifier-config');

/** Builds the dispatcher with every configured sink; the failure reporter posts to Slack's alert channel. */
export function createNotifier(ctx: Pick<ServiceContext, 'db'> & Partial<Pick<ServiceContext, 'messenger' | 'topology'>>, config: NotifierConfig, log: { log(m: string): void; warn(m: string): void; error(m: string): void }): NotificationDispatcher {
  const { messenger, topology } = ctx;
  // With a bus, a 👎 dismissal also reaches the coordinator (the message id makes a repeat a no-op).
  const announceDismissal = messenger && topology
    ? async (d: FindingDismissed) => { await messenger.emit(topology.subjects.findingDismissed, 'finding.dismissed', d, { msgId: dismissalMessageId(d) }); }
    : undefined;
  const { sinks, slack } = buildSinks(config, ctx.db, announceDismissal);
  log.log(`notifier sinks: ${sinks.map((s) => s.name).join(', ')}`);
  return new NotificationDispatcher(sinks, new DeliveryLedger(ctx.db), log, config.maxAttempts, slack ? (failed, event) => slack.reportDeliveryFailure(failed.sink, failed.target, runIdOf(event), failed.detail) : undefined);
}

class NotifierRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger('notifier');
  private handles: ConsumerHandle[] = [];

  constructor(
    @Inject(CONTEXT) private readonly ctx: ServiceContext,
    @Inject(CONFIG) private readonly config: NotifierConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const dispatcher = createNotifier(this.ctx, this.config, this.log);
    this.handles = await startNotifierConsumers({ bus: this.ctx.bus, messenger: this.ctx.messenger, topology: this.ctx.topology, dispatcher, maxAttempts: this.config.maxAttempts });
  }

  async beforeApplicationShutdown(): Promise<void> {
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
      providers: [{ provide: CONTEXT, useValue: ctx }, { provide: CONFIG, useValue: config }, NotifierRuntime],
    };
  },
};
