/** The `openai` kind: Chat Completions direct, through the SDK or the gateway's pooled client. */
import { sdkLogger, sdkLogLevel } from '../../log/gateway-logger';
import { PooledOpenAIProvider } from '../../http/vendor-pool/pooled-openai-provider';
import { DEFAULT_TIMEOUT_MS, requireKey, usesPool, type ChatProviderFactory } from '../provider-factory';
import { createOpenAIClient, OpenAIChatProvider } from './openai-provider';

export const openaiFactory: ChatProviderFactory = (name, c, ctx) => {
  const apiKey = requireKey(name, c, ctx);
  if (usesPool(c, ctx))
    return new PooledOpenAIProvider(
      name,
      c.kind,
      { baseUrl: c.baseUrl ?? 'https://api.openai.com/v1', apiKey },
      ctx.scrub,
    );
  return new OpenAIChatProvider(
    name,
    c.kind,
    createOpenAIClient({
      apiKey,
      baseURL: c.baseUrl,
      timeoutMs: c.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      logger: sdkLogger(ctx.logger, name),
      logLevel: sdkLogLevel(ctx.logger.level),
    }),
    ctx.scrub,
  );
};
