/** The `anthropic-bedrock` kind: Claude on Amazon Bedrock through the Bedrock SDK client. */
import { sdkLogger, sdkLogLevel } from '../../log/gateway-logger';
import { AnthropicChatProvider } from '../anthropic/anthropic-provider';
import { DEFAULT_TIMEOUT_MS, option, type ChatProviderFactory } from '../provider-factory';
import { bedrockModelId, createBedrockClient } from './bedrock-client';

export const anthropicBedrockFactory: ChatProviderFactory = (name, c, ctx) =>
  new AnthropicChatProvider(
    name,
    c.kind,
    createBedrockClient({
      apiKey: ctx.keys.resolve(name, c),
      awsRegion: option<string>(c, 'awsRegion') ?? c.region ?? 'us-east-1',
      baseURL: c.baseUrl,
      timeoutMs: c.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      logger: sdkLogger(ctx.logger, name),
      logLevel: sdkLogLevel(ctx.logger.level),
    }),
    ctx.scrub,
    bedrockModelId(option<Record<string, string>>(c, 'modelIds')),
  );
