/**
 * How a service plugs into the runtime. A service package exports one {@link ServiceDefinition};
 * the kit runs it as its own process (`node services/<name>/dist/main.js`) or, for
 * `agentflow up`, with every other service in one process behind one HTTP listener.
 */
import type { DynamicModule } from '@nestjs/common';
import type { Topology } from '@agentflow/contracts';
import type { MessageBus, Messenger } from '@agentflow/bus';
import type { SqlDatabase } from '@agentflow/store';
import type { SecretFiles } from './secrets/secret-files';
import type { Readiness } from './health/readiness';

export type ServiceName = 'ingress' | 'coordinator' | 'gateway' | 'agents' | 'notifier';

/** Shared resources a service receives; it gets what it needs from here, never from globals. */
export interface ServiceContext {
  bus: MessageBus;
  messenger: Messenger;
  topology: Topology;
  db: SqlDatabase;
  /**
   * Environment as read once at start-up, with every secret the environment leaves unset filled
   * from its mounted file; services validate their part of it in `module()`.
   */
  env: Readonly<Record<string, string | undefined>>;
  /**
   * The secrets as they are now: a service that can take a rotated secret without a restart
   * (webhook secrets, vendor keys) reads it here per use, or watches for changes.
   */
  secrets: SecretFiles;
  /** `/ready`: a service may add its own checks, or notes that inform without failing it. */
  readiness?: Pick<Readiness, 'add' | 'note'>;
}

export interface ServiceDefinition {
  name: ServiceName;
  /**
   * The service's Nest module. Controllers become HTTP routes on the shared listener; providers
   * start their consumers in `onApplicationBootstrap` and stop pulling in `beforeApplicationShutdown`
   * (in-flight handlers finish before the kit drains the bus).
   */
  module(ctx: ServiceContext): DynamicModule | Promise<DynamicModule>;
}
