/** The `azure-openai` kind: Chat Completions by deployment name through the AzureOpenAI SDK client. */
import { ConfigError } from '@agentflow/contracts';
import { sdkLogger, sdkLogLevel } from '../../log/gateway-logger';
import { OpenAIChatProvider } from '../openai/openai-provider';
import { DEFAULT_TIMEOUT_MS, option, requireKey, type ChatProviderFactory } from '../provider-factory';
import { azureDeployment, createAzureClient } from './azure-client';

export const azureOpenaiFactory: ChatProviderFactory = (name, c, ctx) => {
  if (!c.baseUrl)
    throw new ConfigError(
      `provider ${name}: baseUrl (https://<resource>.openai.azure.com) is required for azure-openai`,
    );
  return new OpenAIChatProvider(
    name,
    c.kind,
    createAzureClient({
      apiKey: requireKey(name, c, ctx),
      endpoint: c.baseUrl,
      apiVersion: option<string>(c, 'apiVersion') ?? '2024-10-21',
      timeoutMs: c.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      logger: sdkLogger(ctx.logger, name),
      logLevel: sdkLogLevel(ctx.logger.level),
    }),
    ctx.scrub,
    azureDeployment(option<Record<string, string>>(c, 'deployments')),
  );
};
