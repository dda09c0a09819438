import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@agentflow/service-kit';

@Module({})
class CoordinatorModule {}

/** The coordinator service as the runtime sees it (see ServiceDefinition). */
export const coordinatorService: ServiceDefinition = {
  name: 'coordinator',
  module: () => ({ module: CoordinatorModule }),
};
