/** The `openai-compatible` kind: Chat Completions at another base URL (vLLM, Ollama, OpenRouter), SDK or pooled. */
import { ConfigError } from '@agentflow/contracts';
import { sdkLogger, sdkLogLevel } from '../../log/gateway-logger';
import { PooledOpenAIProvider } from '../../http/vendor-pool/pooled-openai-provider';
import { OpenAIChatProvider } from '../openai/openai-provider';
import { DEFAULT_TIMEOUT_MS, option, usesPool, type ChatProviderFactory } from '../provider-factory';
import { createCompatibleClient } from './compatible-client';

export const openaiCompatibleFactory: ChatProviderFactory = (name, c, ctx) => {
  if (!c.baseUrl)
    throw new ConfigError(
      `provider ${name}: baseUrl is required for openai-compatible (vLLM, Ollama, OpenRouter, ...)`,
    );
  // Local servers (Ollama, vLLM) often need no key; the SDK still wants a string.
  const apiKey = ctx.keys.resolve(name, c) ?? 'no-key';
  const headers = option<Record<string, string>>(c, 'headers');
  if (usesPool(c, ctx))
    return new PooledOpenAIProvider(name, c.kind, { baseUrl: c.baseUrl, apiKey, headers }, ctx.scrub);
  return new OpenAIChatProvider(
    name,
    c.kind,
    createCompatibleClient({
      apiKey,
      baseURL: c.baseUrl,
      timeoutMs: c.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      logger: sdkLogger(ctx.logger, name),
      logLevel: sdkLogLevel(ctx.logger.level),
      defaultHeaders: headers,
    }),
    ctx.scrub,
  );
};
