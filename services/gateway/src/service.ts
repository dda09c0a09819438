import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@agentflow/service-kit';

@Module({})
class GatewayModule {}

/** The gateway service as the runtime sees it (see ServiceDefinition). */
export const gatewayService: ServiceDefinition = {
  name: 'gateway',
  module: () => ({ module: GatewayModule }),
};
