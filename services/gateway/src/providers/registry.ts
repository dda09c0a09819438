/**
 * One list of vendor kinds and how each is built from its providers.yml entry. Adding a vendor is
 * adding a folder and a line here.
 */
import { ConfigError, type ProviderConfig, type ProviderKind, type ProvidersConfig } from '@agentflow/contracts';
import { MissingProviderKeyError, type ProviderKeys } from '../config/provider-keys';
import { sdkLogger, sdkLogLevel, type GatewayLogger } from '../log/gateway-logger';
import type { ChatProvider } from './chat-provider';
import { AnthropicChatProvider, createAnthropicClient } from './anthropic/anthropic-provider';
import { bedrockModelId, createBedrockClient } from './anthropic-bedrock/bedrock-client';
import { createVertexClient, type VertexClientOptions } from './anthropic-vertex/vertex-client';
import { createOpenAIClient, OpenAIChatProvider } from './openai/openai-provider';
import { azureDeployment, createAzureClient } from './azure-openai/azure-client';
import { createCompatibleClient } from './openai-compatible/compatible-client';
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
}

type Factory = (name: string, config: ProviderConfig, ctx: ProviderBuildContext) => ChatProvider;

const DEFAULT_TIMEOUT_MS = 120_000;

function option<T>(config: ProviderConfig, key: string): T | undefined {
  return config.options?.[key] as T | undefined;
}

function requireKey(name: string, config: ProviderConfig, ctx: ProviderBuildContext): string {
  const key = ctx.keys.resolve(name, config);
  if (!key) throw new ConfigError(`provider ${name}: apiKey { env | file } is required for kind ${config.kind}`);
  return key;
}

const FACTORIES: Partial<Record<ProviderKind, Factory>> = {
  anthropic: (name, c, ctx) =>
    new AnthropicChatProvider(name, c.kind, createAnthropicClient({
      apiKey: requireKey(name, c, ctx), baseURL: c.baseUrl, timeoutMs: c.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      logger: sdkLogger(ctx.logger, name), logLevel: sdkLogLevel(ctx.logger.level),
    }), ctx.scrub),
  'anthropic-bedrock': (name, c, ctx) =>
    new AnthropicChatProvider(name, c.kind, createBedrockClient({
      apiKey: ctx.keys.resolve(name, c), awsRegion: option<string>(c, 'awsRegion') ?? c.region ?? 'us-east-1', baseURL: c.baseUrl,
      timeoutMs: c.timeoutMs ?? DEFAULT_TIMEOUT_MS, logger: sdkLogger(ctx.logger, name), logLevel: sdkLogLevel(ctx.logger.level),
    }), ctx.scrub, bedrockModelId(option<Record<string, string>>(c, 'modelIds'))),
  'anthropic-vertex': (name, c, ctx) => {
    const projectId = option<string>(c, 'projectId');
    if (!projectId) throw new ConfigError(`provider ${name}: options.projectId is required for anthropic-vertex`);
    return new AnthropicChatProvider(name, c.kind, createVertexClient({
      projectId, region: option<string>(c, 'region') ?? c.region ?? 'us-east5', baseURL: c.baseUrl, timeoutMs: c.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      authClient: ctx.vertexAuthClient, logger: sdkLogger(ctx.logger, name), logLevel: sdkLogLevel(ctx.logger.level),
    }), ctx.scrub);
  },
  openai: (name, c, ctx) =>
    new OpenAIChatProvider(name, c.kind, createOpenAIClient({
      apiKey: requireKey(name, c, ctx), baseURL: c.baseUrl, timeoutMs: c.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      logger: sdkLogger(ctx.logger, name), logLevel: sdkLogLevel(ctx.logger.level),
    }), ctx.scrub),
  'openai-compatible': (name, c, ctx) => {
    if (!c.baseUrl) throw new ConfigError(`provider ${name}: baseUrl is required for openai-compatible (vLLM, Ollama, OpenRouter, ...)`);
    // Local servers (Ollama, vLLM) often need no key; the SDK still wants a string.
    const key = ctx.keys.resolve(name, c) ?? 'no-key';
    return new OpenAIChatProvider(name, c.kind, createCompatibleClient({
      apiKey: key, baseURL: c.baseUrl, timeoutMs: c.timeoutMs ?? DEFAULT_TIMEOUT_MS, logger: sdkLogger(ctx.logger, name),
      logLevel: sdkLogLevel(ctx.logger.level), defaultHeaders: option<Record<string, string>>(c, 'headers'),
    }), ctx.scrub);
  },
  'azure-openai': (name, c, ctx) => {
    if (!c.baseUrl) throw new ConfigError(`provider ${name}: baseUrl (https://<resource>.openai.azure.com) is required for azure-openai`);
    return new OpenAIChatProvider(name, c.kind, createAzureClient({
      apiKey: requireKey(name, c, ctx), endpoint: c.baseUrl, apiVersion: option<string>(c, 'apiVersion') ?? '2024-10-21',
      timeoutMs: c.timeoutMs ?? DEFAULT_TIMEOUT_MS, logger: sdkLogger(ctx.logger, name), logLevel: sdkLogLevel(ctx.logger.level),
    }), ctx.scrub, azureDeployment(option<Record<string, string>>(c, 'deployments')));
  },
};

/** Chat providers for every enabled chat-capable entry; job-style kinds (cursor, http-job) are served elsewhere. */
export function buildChatProviders(config: ProvidersConfig, ctx: ProviderBuildContext): Map<string, ChatProvider> {
  const out = new Map<string, ChatProvider>();
  for (const [name, provider] of Object.entries(config.providers)) {
    const factory = FACTORIES[provider.kind];
    if (!factory || provider.enabled === false) continue;
    try {
      out.set(name, factory(name, provider, ctx));
    } catch (error) {
      if (!(error instanceof MissingProviderKeyError) || !ctx.onUnavailable) throw error;
      ctx.onUnavailable(name, error.message);
    }
  }
  return out;
}
