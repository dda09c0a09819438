/**
 * Endpoints that speak OpenAI Chat Completions at another base URL: vLLM, Ollama, OpenRouter,
 * LiteLLM-style proxies (`openai-compatible`). Azure OpenAI has its own folder (`azure-openai/`).
 */
import OpenAI from 'openai';
import type { OpenAIClientOptions } from '../openai/openai-provider';

export function createCompatibleClient(o: OpenAIClientOptions & { baseURL: string }): OpenAI {
  return new OpenAI({
    apiKey: o.apiKey,
    baseURL: o.baseURL,
    maxRetries: 0,
    timeout: o.timeoutMs,
    logger: o.logger,
    logLevel: o.logLevel,
    defaultHeaders: o.defaultHeaders,
  });
}
