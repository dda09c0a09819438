/**
 * Endpoints that speak OpenAI Chat Completions at another base URL: vLLM, Ollama, OpenRouter,
 * LiteLLM-style proxies (`openai-compatible`), and Azure OpenAI (`azure-openai`: deployment names
 * in the path, an `api-version` query and an `api-key` header, as the `AzureOpenAI` client sends).
 */
import OpenAI, { AzureOpenAI } from 'openai';
import type { OpenAIClientOptions } from '../openai/openai-provider';

export function createCompatibleClient(o: OpenAIClientOptions & { baseURL: string }): OpenAI {
  return new OpenAI({ apiKey: o.apiKey, baseURL: o.baseURL, maxRetries: 0, timeout: o.timeoutMs, logger: o.logger, logLevel: o.logLevel, defaultHeaders: o.defaultHeaders });
}

export interface AzureOptions {
  /** `https://<resource>.openai.azure.com` */
  endpoint: string;
  apiVersion: string;
}

export function createAzureClient(o: Omit<OpenAIClientOptions, 'baseURL'> & AzureOptions): AzureOpenAI {
  return new AzureOpenAI({ apiKey: o.apiKey, endpoint: o.endpoint, apiVersion: o.apiVersion, maxRetries: 0, timeout: o.timeoutMs, logger: o.logger, logLevel: o.logLevel });
}

/** Azure calls deployments, not models: config maps model -> deployment (default: the same name). */
export function azureDeployment(deployments: Record<string, string> | undefined): (model: string) => string {
  return (model) => deployments?.[model] ?? model;
}
