import { type DynamicModule, Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { Readiness } from './readiness';

@Module({})
export class HealthModule {
  static register(readiness: Readiness): DynamicModule {
    return {
      module: HealthModule,
      controllers: [HealthController],
      providers: [{ provide: Readiness, useValue: readiness }],
      exports: [Readiness],
    };
  }
}
