/** The `anthropic-vertex` kind: Claude on Google Vertex AI through the Vertex SDK client. */
import { ConfigError } from '@agentflow/contracts';
import { sdkLogger, sdkLogLevel } from '../../log/gateway-logger';
import { AnthropicChatProvider } from '../anthropic/anthropic-provider';
import { DEFAULT_TIMEOUT_MS, option, type ChatProviderFactory } from '../provider-factory';
import { createVertexClient } from './vertex-client';

export const anthropicVertexFactory: ChatProviderFactory = (name, c, ctx) => {
  const projectId = option<string>(c, 'projectId');
  if (!projectId)
    throw new ConfigError(`provider ${name}: options.projectId is required for anthropic-vertex`);
  return new AnthropicChatProvider(
    name,
    c.kind,
    createVertexClient({
      projectId,
      region: option<string>(c, 'region') ?? c.region ?? 'us-east5',
      baseURL: c.baseUrl,
      timeoutMs: c.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      authClient: ctx.vertexAuthClient,
      logger: sdkLogger(ctx.logger, name),
      logLevel: sdkLogLevel(ctx.logger.level),
    }),
    ctx.scrub,
  );
};
