/**
 * Anthropic Messages over a {@link PooledVendorClient}: the hot-path client for the direct
 * Anthropic API (Bedrock and Vertex sign their requests and keep their SDK clients). Same request
 * and answer as the SDK provider (anthropic-translation.ts); a client's `anthropic-beta` header is
 * passed through.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { ProviderKind } from '@agentflow/contracts';
import type { ChatCall, ChatProvider, ChatResult, StreamListener } from '../../providers/chat-provider';
import { streamAnthropic } from '../../providers/anthropic/anthropic-stream';
import { fromAnthropicMessage, toAnthropicParams } from '../../providers/anthropic/anthropic-translation';
import { callVendorTimedByClient, type Scrub } from '../../providers/vendor-call';
import { forwardedFor } from './forwarded-headers';
import { PooledVendorClient } from './pooled-vendor-client';

/** The API version the translation is written against. */
export const ANTHROPIC_VERSION = '2023-06-01';

export interface PooledAnthropicOptions {
  /** Origin of the API, as the SDK takes it (`https://api.anthropic.com`). */
  baseUrl: string;
  apiKey: string;
  /** Open connections kept to the vendor. @default 256 */
  connections?: number;
}

export class PooledAnthropicProvider implements ChatProvider {
  private readonly client: PooledVendorClient;
  private readonly path: string;
  private readonly headers: Record<string, string>;
  private sdk: Anthropic | undefined;
  private apiKey: string;
  constructor(
    readonly name: string,
    readonly kind: ProviderKind,
    private readonly o: PooledAnthropicOptions,
    private readonly scrub: Scrub,
  ) {
    this.apiKey = o.apiKey;
    const url = new URL(o.baseUrl);
    this.client = new PooledVendorClient(url.origin, 'request-id', o.connections);
    this.path = `${url.pathname.replace(/\/$/, '')}/v1/messages`;
    this.headers = {
      'content-type': 'application/json',
      accept: 'application/json',
      'x-api-key': o.apiKey,
      'anthropic-version': ANTHROPIC_VERSION,
    };
  }

  async generate(call: ChatCall): Promise<ChatResult> {
    const target = { provider: this.name, model: call.model };
    return callVendorTimedByClient(target, call, this.scrub, async (signal) => {
      const extra = forwardedFor('anthropic');
      const answer = await this.client.postJson(
        this.path,
        extra ? { ...extra, ...this.headers } : this.headers,
        toAnthropicParams(call),
        signal,
        call.timeoutMs,
      );
      return fromAnthropicMessage(answer.body as Anthropic.Message, call, target, answer.requestId);
    });
  }

  /** Streamed calls go through the SDK's streaming, on a client made on first use (see PooledOpenAIProvider.stream). */
  stream(call: ChatCall, onPiece: StreamListener): Promise<ChatResult> {
    this.sdk ??= new Anthropic({
      apiKey: this.apiKey,
      baseURL: this.o.baseUrl,
      maxRetries: 0,
      logLevel: 'off',
    });
    return streamAnthropic(
      this.sdk,
      call,
      call.model,
      { provider: this.name, model: call.model },
      this.scrub,
      onPiece,
      forwardedFor('anthropic'),
    );
  }

  /** A rotated key (its mounted file changed): the next call sends it; nothing is rebuilt. */
  rotateKey(key: string): void {
    this.apiKey = key;
    this.headers['x-api-key'] = key;
    if (this.sdk) this.sdk.apiKey = key;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
