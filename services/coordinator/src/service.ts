import {
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { ServiceContext, ServiceDefinition } from '@agentflow/service-kit';
import { createLogger } from '@agentflow/telemetry';
import { readCoordinatorConfig, type CoordinatorConfig } from './config';
import { Coordinator } from './coordinator';

const CONTEXT = Symbol('CoordinatorServiceContext');
const CONFIG = Symbol('CoordinatorConfig');

/** Starts the coordinator's consumers when the app has booted and stops pulling before it shuts down. */
@Injectable()
class CoordinatorRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly coordinator: Coordinator;

  constructor(@Inject(CONTEXT) ctx: ServiceContext, @Inject(CONFIG) config: CoordinatorConfig) {
    // The level comes from the environment the kit read at start-up (the demo and `agentflow review` quiet it there).
    const logger = createLogger('coordinator', { level: ctx.env.LOG_LEVEL });
    this.coordinator = new Coordinator({
      bus: ctx.bus,
      messenger: ctx.messenger,
      topology: ctx.topology,
      config,
      logger,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.coordinator.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.coordinator.stop();
  }
}

@Module({})
class CoordinatorModule {}

/** The coordinator service as the runtime sees it (see ServiceDefinition). */
export const coordinatorService: ServiceDefinition = {
  name: 'coordinator',
  module: (ctx) => {
    const config = readCoordinatorConfig(ctx.env);
    return {
      module: CoordinatorModule,
      providers: [
        { provide: CONTEXT, useValue: ctx },
        { provide: CONFIG, useValue: config },
        CoordinatorRuntime,
      ],
    };
  },
};
