/**
 * What a provider folder's factory receives, and the helpers every factory shares. Each chat kind's
 * folder (`providers/<kind>/index.ts`) exports one {@link ChatProviderFactory}; the registry keys
 * them by the kinds of the vendor manifests.
 */
import { ConfigError, vendorCan, type ProviderConfig } from '@agentflow/contracts';
import type { ProviderKeys } from '../config/provider-keys';
import type { GatewayLogger } from '../log/gateway-logger';
import type { VertexClientOptions } from './anthropic-vertex/vertex-client';
import type { ChatProvider } from './chat-provider';
import type { Scrub } from './vendor-call';

export interface ProviderBuildContext {
  keys: ProviderKeys;
  scrub: Scrub;
  logger: GatewayLogger;
  /** Vertex auth client override (tests, workload identity). */
  vertexAuthClient?: VertexClientOptions['authClient'];
  /**
   * Called for a provider left off because its key is not set. The gateway starts without any key
   * (one machine, the demo, `agentflow up`); a chain naming such a provider falls back past it with
   * this reason. Without the callback a missing key is an error.
   */
  onUnavailable?: (provider: string, reason: string) => void;
  /**
   * Build the keep-alive undici pool instead of the SDK client for kinds whose manifest says
   * `pooled` (the service does, for the hot path of both fronts). @default false
   */
  pooledClients?: boolean;
}

export type ChatProviderFactory = (
  name: string,
  config: ProviderConfig,
  ctx: ProviderBuildContext,
) => ChatProvider;

export const DEFAULT_TIMEOUT_MS = 120_000;

export function option<T>(config: ProviderConfig, key: string): T | undefined {
  return config.options?.[key] as T | undefined;
}

export function requireKey(name: string, config: ProviderConfig, ctx: ProviderBuildContext): string {
  const key = ctx.keys.resolve(name, config);
  if (!key)
    throw new ConfigError(`provider ${name}: apiKey { env | file } is required for kind ${config.kind}`);
  return key;
}

/** Whether this entry gets the pooled client: the gateway asks for pools and the kind's manifest allows one. */
export function usesPool(config: ProviderConfig, ctx: ProviderBuildContext): boolean {
  return ctx.pooledClients === true && vendorCan(config.kind, 'pooled');
}
