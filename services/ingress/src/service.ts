/**
 * The ingress service: `/webhooks/github`, `/webhooks/gitlab` and the CI API under `/api`, the
 * delivery consumer, the spool forwarder and the reconciler.
 */
import {
  Inject,
  Logger,
  Module,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { ServiceDefinition } from '@agentflow/service-kit';
import { readIngressConfig } from './config';
import { INGRESS, RunsController, WebhooksController } from './http/controllers';
import { createIngress, type Ingress } from './ingress';
import { doctorEndpoint } from './api/doctor-api';

class IngressLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(@Inject(INGRESS) private readonly ingress: Ingress) {}

  onApplicationBootstrap(): Promise<void> {
    return this.ingress.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.ingress.stop();
  }
}

@Module({})
class IngressModule {}

/** The ingress service as the runtime sees it (see ServiceDefinition). */
export const ingressService: ServiceDefinition = {
  name: 'ingress',
  module: (ctx) => {
    const config = readIngressConfig(ctx.env);
    const ingress = createIngress(ctx, config, {
      log: new Logger('ingress'),
      secret: (variable) => ctx.secrets.get(variable),
    });
    const doctor = doctorEndpoint(ctx, config);
    return {
      module: IngressModule,
      controllers: [WebhooksController, RunsController, ...doctor.controllers],
      providers: [{ provide: INGRESS, useValue: ingress }, IngressLifecycle, ...doctor.providers],
    };
  },
};
