import OpenAI from 'openai';
import type { ProviderKind } from '@agentflow/contracts';
import type { ChatCall, ChatProvider, ChatResult, StreamListener } from '../chat-provider';
import { callVendor, type Scrub } from '../vendor-call';
import { fromOpenAICompletion, toOpenAIParams } from './openai-translation';
import { streamOpenAI } from './openai-stream';

export interface OpenAICompletionsClient {
  chat: { completions: Pick<OpenAI['chat']['completions'], 'create'> };
}

/** OpenAI Chat Completions, and every endpoint that speaks it (Azure OpenAI, vLLM, Ollama, OpenRouter). */
export class OpenAIChatProvider implements ChatProvider {
  constructor(
    readonly name: string,
    readonly kind: ProviderKind,
    private readonly client: OpenAICompletionsClient,
    private readonly scrub: Scrub,
    /** Azure routes by deployment name; others by model id. */
    private readonly modelId: (model: string) => string = (m) => m,
  ) {}

  async generate(call: ChatCall): Promise<ChatResult> {
    const target = { provider: this.name, model: call.model };
    return callVendor(target, call, this.scrub, async (signal) => {
      const { data, request_id } = await this.client.chat.completions
        .create(toOpenAIParams(call, this.modelId(call.model)), {
          signal,
          timeout: call.timeoutMs,
          maxRetries: 0,
        })
        .withResponse();
      return fromOpenAICompletion(data, call, target, request_id ?? undefined);
    });
  }

  stream(call: ChatCall, onPiece: StreamListener): Promise<ChatResult> {
    return streamOpenAI(
      this.client,
      call,
      this.modelId(call.model),
      { provider: this.name, model: call.model },
      this.scrub,
      onPiece,
    );
  }

  /**
   * A rotated key (its mounted file changed): the SDK reads `apiKey` per request, so the next
   * call sends the new one. Clients without a key (Bedrock, Vertex sign otherwise) are left alone.
   */
  rotateKey(key: string): void {
    const client = this.client as { apiKey?: string | null };
    if ('apiKey' in client) client.apiKey = key;
  }
}

export interface OpenAIClientOptions {
  apiKey: string;
  baseURL?: string;
  timeoutMs: number;
  logger: OpenAI['logger'];
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'off';
  defaultHeaders?: Record<string, string>;
}

export function createOpenAIClient(o: OpenAIClientOptions): OpenAI {
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
