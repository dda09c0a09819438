import {
  Inject,
  Injectable,
  Module,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { ServiceContext, ServiceDefinition } from '@agentflow/service-kit';
import { budgetAlertPublisher } from './budget/budget-alert-publisher';
import { loadGatewaySettings, WorkflowProvidersConfig } from './config/config-source';
import { readGatewayEnv } from './config/gateway-config';
import { BusRecordSink, RecordStreamWriter, gatewayRecordsStream } from './cost/records-stream';
import { Gateway, openGatewayState } from './gateway';
import { GatewayJobs } from './jobs/gateway-jobs';
import { GatewayNatsTransport } from './transport/nats-transport';
import { GatewayHttpFront } from './http/http-front';
import { mountGatewayHttp, type FastifyLike } from './http/fastify-mount';
import type { PooledProvider } from './http/vendor-pool';
import { KeyRequestRate } from './virtual-keys/request-rate';
import { loadVirtualKeys } from './virtual-keys/virtual-keys';
import { watchProviderKeys } from './config/key-rotation';

const CONTEXT = Symbol('GatewayServiceContext');

/**
 * Starts the gateway from the shared context: config, shared state, the NATS transport and the
 * records writer. Nothing else lives here; the behaviour is in {@link Gateway}.
 */
@Injectable()
export class GatewayRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  gateway: Gateway | null = null;
  private transport: GatewayNatsTransport | null = null;
  private writer: RecordStreamWriter | null = null;
  private pools: readonly PooledProvider[] = [];
  private stopKeyWatch?: () => void;
  /** Job-style vendors (Cursor, http-job, Batch APIs) on `gatewayJobs`. */
  jobs: GatewayJobs | null = null;

  constructor(
    @Inject(CONTEXT) private readonly ctx: ServiceContext,
    @Optional() private readonly http?: HttpAdapterHost,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { bus, topology, db } = this.ctx;
    const env = readGatewayEnv(this.ctx.env);
    const [providersConfig, settings, state] = await Promise.all([
      new WorkflowProvidersConfig(env.providersFile).load(),
      loadGatewaySettings(env.settingsFile),
      openGatewayState(bus, topology),
      bus.ensureStream(gatewayRecordsStream(topology)),
    ]);
    const publishBudgetAlert = budgetAlertPublisher(this.ctx.messenger, topology, (message, fields) =>
      this.gateway?.logger.warn(message, fields),
    );
    this.gateway = new Gateway({
      providersConfig,
      settings,
      state,
      env: this.ctx.env,
      logLevel: env.logLevel,
      // Keep-alive undici pools instead of the SDK where the manifest allows: the hot path of both fronts.
      pooledClients: true,
      records: (logger) => new BusRecordSink(bus, topology, logger),
      modelCheck: env.modelCheck,
      modelRecheckMs: env.modelRecheckHours * 3_600_000,
      // 50/80/100 % of a budget reaches Slack through the notifier.
      onBudgetAlert: (alert) => void publishBudgetAlert(alert),
    });
    this.pools = this.gateway.pooledProviders;
    await this.gateway.start();
    const gateway = this.gateway;
    this.stopKeyWatch = watchProviderKeys({
      providers: providersConfig,
      serving: () => gateway.providers,
      secrets: this.ctx.secrets,
      scrubber: gateway.scrubber,
      log: gateway.logger,
    });
    const models = this.gateway.models;
    this.ctx.readiness?.note('models', async () => models.readinessNote());
    if (env.recordsWriter) {
      this.writer = new RecordStreamWriter(bus, topology, db, this.gateway.logger);
      await this.writer.start();
    }
    this.transport = new GatewayNatsTransport(bus, topology, this.gateway, this.gateway.logger, {
      instance: this.gateway.instanceId,
    });
    await this.transport.start();
    this.jobs = new GatewayJobs({
      bus,
      topology,
      providersConfig,
      records: new BusRecordSink(bus, topology, this.gateway.logger),
      logger: this.gateway.logger,
      scrubber: this.gateway.scrubber,
      policy: this.gateway.policy,
      budget: this.gateway.budget,
      env: this.ctx.env,
    });
    await this.jobs.start();
    this.gateway.logger.info('gateway serving', {
      subject: topology.subjects.gatewayGenerate,
      providers: [...this.gateway.providers.keys()],
      instance: this.gateway.instanceId,
    });
    await this.mountHttpFront(env.keysFile, providersConfig);
  }

  /** The OpenAI/Anthropic-compatible endpoints on the shared listener, when a virtual keys file is configured. */
  private async mountHttpFront(
    keysFile: string | undefined,
    providersConfig: Awaited<ReturnType<WorkflowProvidersConfig['load']>>,
  ): Promise<void> {
    const gateway = this.gateway!;
    if (!keysFile) {
      gateway.logger.info(
        'HTTP front off: set GATEWAY_KEYS_FILE to serve /v1/chat/completions, /v1/messages and /v1/models',
      );
      return;
    }
    const fastify = this.http?.httpAdapter?.getInstance<FastifyLike>();
    if (!fastify)
      throw new Error("the gateway HTTP front needs the service kit's HTTP listener, and none is running");
    const keys = await loadVirtualKeys(keysFile, providersConfig);
    mountGatewayHttp(
      fastify,
      new GatewayHttpFront({ gateway, keys, rate: new KeyRequestRate(), logger: gateway.logger }),
    );
    gateway.logger.info('HTTP front serving', {
      routes: ['/v1/chat/completions', '/v1/messages', '/v1/models'],
      keys: keys.size,
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopKeyWatch?.();
    await this.transport?.stop();
    await this.jobs?.stop();
    await this.gateway?.stop();
    await Promise.all(this.pools.map((p) => p.close()));
    await this.writer?.stop();
  }
}

@Module({})
class GatewayModule {}

/** The gateway service as the runtime sees it (see ServiceDefinition). */
export const gatewayService: ServiceDefinition = {
  name: 'gateway',
  module: (ctx) => ({
    module: GatewayModule,
    providers: [{ provide: CONTEXT, useValue: ctx }, GatewayRuntime],
    exports: [GatewayRuntime],
  }),
};
