import Anthropic from '@anthropic-ai/sdk';
import type { ProviderKind } from '@agentflow/contracts';
import type { ChatCall, ChatProvider, ChatResult, StreamListener } from '../chat-provider';
import { callVendor, type Scrub } from '../vendor-call';
import { fromAnthropicMessage, toAnthropicParams } from './anthropic-translation';
import { streamAnthropic } from './anthropic-stream';

/** The part of an Anthropic client the gateway uses; the direct, Bedrock and Vertex clients all have it. */
export interface AnthropicMessagesClient {
  messages: Pick<Anthropic['messages'], 'create'>;
}

/** Anthropic Messages through any of its clients (direct API, Bedrock, Vertex). */
export class AnthropicChatProvider implements ChatProvider {
  constructor(
    readonly name: string,
    readonly kind: ProviderKind,
    private readonly client: AnthropicMessagesClient,
    private readonly scrub: Scrub,
    /** Model id as the client's endpoint names it (Bedrock ids differ). */
    private readonly modelId: (model: string) => string = (m) => m,
  ) {}

  async generate(call: ChatCall): Promise<ChatResult> {
    const target = { provider: this.name, model: call.model };
    return callVendor(target, call, this.scrub, async (signal) => {
      const params = { ...toAnthropicParams(call), model: this.modelId(call.model) };
      const { data, request_id } = await this.client.messages
        .create(params, { signal, timeout: call.timeoutMs, maxRetries: 0 })
        .withResponse();
      return fromAnthropicMessage(data, call, target, request_id ?? undefined);
    });
  }

  stream(call: ChatCall, onPiece: StreamListener): Promise<ChatResult> {
    return streamAnthropic(
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

export interface AnthropicClientOptions {
  apiKey: string;
  baseURL?: string;
  timeoutMs: number;
  logger: Anthropic['logger'];
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'off';
}

export function createAnthropicClient(o: AnthropicClientOptions): Anthropic {
  return new Anthropic({
    apiKey: o.apiKey,
    baseURL: o.baseURL,
    maxRetries: 0,
    timeout: o.timeoutMs,
    logger: o.logger,
    logLevel: o.logLevel,
  });
}
