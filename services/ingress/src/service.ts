import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@agentflow/service-kit';

@Module({})
class IngressModule {}

/** The ingress service as the runtime sees it (see ServiceDefinition). */
export const ingressService: ServiceDefinition = {
  name: 'ingress',
  module: () => ({ module: IngressModule }),
};
