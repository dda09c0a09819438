import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@agentflow/service-kit';

@Module({})
class NotifierModule {}

/** The notifier service as the runtime sees it (see ServiceDefinition). */
export const notifierService: ServiceDefinition = {
  name: 'notifier',
  module: () => ({ module: NotifierModule }),
};
