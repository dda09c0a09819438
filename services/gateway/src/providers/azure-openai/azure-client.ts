/**
 * Azure OpenAI (`azure-openai`): Chat Completions with deployment names in the path, an
 * `api-version` query and an `api-key` header, as the `AzureOpenAI` client sends.
 */
import { AzureOpenAI } from 'openai';
import type { OpenAIClientOptions } from '../openai/openai-provider';

export interface AzureOptions {
  /** `https://<resource>.openai.azure.com` */
  endpoint: string;
  apiVersion: string;
}

export function createAzureClient(o: Omit<OpenAIClientOptions, 'baseURL'> & AzureOptions): AzureOpenAI {
  return new AzureOpenAI({
    apiKey: o.apiKey,
    endpoint: o.endpoint,
    apiVersion: o.apiVersion,
    maxRetries: 0,
    timeout: o.timeoutMs,
    logger: o.logger,
    logLevel: o.logLevel,
  });
}

/** Azure calls deployments, not models: config maps model -> deployment (default: the same name). */
export function azureDeployment(deployments: Record<string, string> | undefined): (model: string) => string {
  return (model) => deployments?.[model] ?? model;
}
