/**
 * OpenAI Chat Completions over a {@link PooledVendorClient}: the hot-path client for OpenAI and
 * OpenAI-compatible vendors. Same request and answer as the SDK provider (the translation is
 * shared: openai-translation.ts) without what the SDK does per call that a gateway does not need
 * (fetch and web streams, header merging, request logging, its own retries), which profiling showed
 * to be most of the gateway's CPU per request.
 */
import type { ProviderKind } from '@agentflow/contracts';
import OpenAI from 'openai';
import type { ChatCall, ChatProvider, ChatResult, StreamListener } from '../../providers/chat-provider';
import { streamOpenAI } from '../../providers/openai/openai-stream';
import { fromOpenAICompletion, toOpenAIParams } from '../../providers/openai/openai-translation';
import { callVendorTimedByClient, type Scrub } from '../../providers/vendor-call';
import { forwardedFor } from './forwarded-headers';
import { PooledVendorClient } from './pooled-vendor-client';

export interface PooledOpenAIOptions {
  /** Base URL including the version path, as the SDK takes it (`https://api.openai.com/v1`). */
  baseUrl: string;
  apiKey: string;
  /** Extra headers on every call (OpenRouter's `HTTP-Referer`, ...). */
  headers?: Record<string, string>;
  /** Open connections kept to the vendor. @default 256 */
  connections?: number;
}

export class PooledOpenAIProvider implements ChatProvider {
  private readonly client: PooledVendorClient;
  private readonly path: string;
  private readonly headers: Record<string, string>;
  private sdk: OpenAI | undefined;
  private apiKey: string;
  constructor(
    readonly name: string,
    readonly kind: ProviderKind,
    private readonly o: PooledOpenAIOptions,
    private readonly scrub: Scrub,
  ) {
    this.apiKey = o.apiKey;
    const url = new URL(o.baseUrl);
    this.client = new PooledVendorClient(url.origin, 'x-request-id', o.connections);
    this.path = `${url.pathname.replace(/\/$/, '')}/chat/completions`;
    this.headers = {
      ...o.headers,
      'content-type': 'application/json',
      accept: 'application/json',
      authorization: `Bearer ${o.apiKey}`,
    };
  }

  async generate(call: ChatCall): Promise<ChatResult> {
    const target = { provider: this.name, model: call.model };
    return callVendorTimedByClient(target, call, this.scrub, async (signal) => {
      const extra = forwardedFor('openai');
      const answer = await this.client.postJson(
        this.path,
        extra ? { ...extra, ...this.headers } : this.headers,
        toOpenAIParams(call, call.model),
        signal,
        call.timeoutMs,
      );
      return fromOpenAICompletion(answer.body as OpenAI.ChatCompletion, call, target, answer.requestId);
    });
  }

  /**
   * Streamed calls go through the SDK's streaming (its SSE reader), on a client made on first use:
   * a stream's per-call overhead is small next to its length, and plain calls never pay for it.
   */
  stream(call: ChatCall, onPiece: StreamListener): Promise<ChatResult> {
    this.sdk ??= new OpenAI({
      apiKey: this.apiKey,
      baseURL: this.o.baseUrl,
      maxRetries: 0,
      defaultHeaders: this.o.headers,
      logLevel: 'off',
    });
    return streamOpenAI(
      this.sdk,
      call,
      call.model,
      { provider: this.name, model: call.model },
      this.scrub,
      onPiece,
      forwardedFor('openai'),
    );
  }

  /** Closes the pooled connections (gateway shutdown). */
  /** A rotated key (its mounted file changed): the next call sends it; nothing is rebuilt. */
  rotateKey(key: string): void {
    this.apiKey = key;
    this.headers.authorization = `Bearer ${key}`;
    if (this.sdk) this.sdk.apiKey = key;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
