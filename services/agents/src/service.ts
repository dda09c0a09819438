import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@agentflow/service-kit';

@Module({})
class AgentsModule {}

/** The agents service as the runtime sees it (see ServiceDefinition). */
export const agentsService: ServiceDefinition = {
  name: 'agents',
  module: () => ({ module: AgentsModule }),
};
