/** The `anthropic` kind: the Messages API direct, through the SDK or the gateway's pooled client. */
import { sdkLogger, sdkLogLevel } from '../../log/gateway-logger';
import { PooledAnthropicProvider } from '../../http/vendor-pool/pooled-anthropic-provider';
import { DEFAULT_TIMEOUT_MS, requireKey, usesPool, type ChatProviderFactory } from '../provider-factory';
import { AnthropicChatProvider, createAnthropicClient } from './anthropic-provider';

export const anthropicFactory: ChatProviderFactory = (name, c, ctx) => {
  const apiKey = requireKey(name, c, ctx);
  if (usesPool(c, ctx))
    return new PooledAnthropicProvider(
      name,
      c.kind,
      { baseUrl: c.baseUrl ?? 'https://api.anthropic.com', apiKey },
      ctx.scrub,
    );
  return new AnthropicChatProvider(
    name,
    c.kind,
    createAnthropicClient({
      apiKey,
      baseURL: c.baseUrl,
      timeoutMs: c.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      logger: sdkLogger(ctx.logger, name),
      logLevel: sdkLogLevel(ctx.logger.level),
    }),
    ctx.scrub,
  );
};
