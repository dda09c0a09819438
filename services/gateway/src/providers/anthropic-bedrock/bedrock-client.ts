/**
 * Anthropic through AWS Bedrock, so a company can pin the AWS region its code goes to. Auth is a
 * Bedrock API key when one is configured, otherwise the AWS credential chain (SigV4).
 */
import AnthropicBedrock from '@anthropic-ai/bedrock-sdk';
import type Anthropic from '@anthropic-ai/sdk';

export interface BedrockClientOptions {
  /** Bedrock API key; absent means the AWS credential chain. */
  apiKey?: string;
  awsRegion: string;
  baseURL?: string;
  timeoutMs: number;
  logger: Anthropic['logger'];
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'off';
}

export function createBedrockClient(o: BedrockClientOptions): AnthropicBedrock {
  return new AnthropicBedrock({
    ...(o.apiKey ? { apiKey: o.apiKey } : {}),
    awsRegion: o.awsRegion,
    baseURL: o.baseURL,
    maxRetries: 0,
    timeout: o.timeoutMs,
    logger: o.logger,
    logLevel: o.logLevel,
  });
}

/** Bedrock names Anthropic models `anthropic.<id>` (or a region-prefixed inference profile). */
export function bedrockModelId(modelIds: Record<string, string> | undefined): (model: string) => string {
  return (model) => modelIds?.[model] ?? (model.includes('.') ? model : `anthropic.${model}`);
}
