/**
 * OpenAI Chat Completions over an undici `Pool` of keep-alive connections: the hot-path client
 * of the HTTP front (`agentflow up` and the bench). It speaks the same request and answer as the
 * SDK provider (the translation is shared: openai-translation.ts) but skips what the SDK does per
 * call that a gateway does not need (fetch and web streams, header merging, request logging,
 * its own retries), which profiling showed to be most of the gateway's CPU per request.
 * Errors are turned into the SDK's shape (status, headers, error body) so {@link callVendor}
 * classifies them exactly as it does the SDK's; a body cut midway is a network failure.
 */
import { Pool } from 'undici';
import type { ProviderKind } from '@agentflow/contracts';
import type { ChatCall, ChatProvider, ChatResult } from '../../providers/chat-provider';
import { fromOpenAICompletion, toOpenAIParams } from '../../providers/openai/openai-translation';
import { callVendor, type Scrub } from '../../providers/vendor-call';

export interface PooledOpenAIOptions {
  /** Base URL including the version path, as the SDK takes it (`https://api.openai.com/v1`). */
  baseUrl: string;
  apiKey: string;
  /** Extra headers on every call (OpenRouter's `HTTP-Referer`, ...). */
  headers?: Record<string, string>;
  /** Open connections kept to the vendor. @default 256 */
  connections?: number;
}

/** The SDK's error shape, so the shared classification applies unchanged. */
class VendorHttpError extends Error {
  constructor(readonly status: number, readonly headers: { get(name: string): string | null }, readonly error: unknown, message: string) {
    super(message);
  }
}

function headerGetter(headers: Record<string, string | string[] | undefined>) {
  return { get: (name: string) => { const v = headers[name.toLowerCase()]; return Array.isArray(v) ? v[0] : (v ?? null); } };
}

export class PooledOpenAIProvider implements ChatProvider {
  private readonly pool: Pool;
  private readonly path: string;
  private readonly headers: Record<string, string>;

  constructor(readonly name: string, readonly kind: ProviderKind, o: PooledOpenAIOptions, private readonly scrub: Scrub) {
    const url = new URL(o.baseUrl);
    this.pool = new Pool(url.origin, { connections: o.connections ?? 256, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000 });
    this.path = `${url.pathname.replace(/\/$/, '')}/chat/completions`;
    this.headers = { ...o.headers, 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${o.apiKey}` };
  }

  async generate(call: ChatCall): Promise<ChatResult> {
    const target = { provider: this.name, model: call.model };
    return callVendor(target, call, this.scrub, async (signal) => {
      const res = await this.pool.request({
        path: this.path, method: 'POST', headers: this.headers, body: JSON.stringify(toOpenAIParams(call, call.model)), signal,
        headersTimeout: call.timeoutMs, bodyTimeout: call.timeoutMs,
      });
      const text = await res.body.text();
      const headers = headerGetter(res.headers);
      const requestId = headers.get('x-request-id') ?? undefined;
      if (res.statusCode >= 400) {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON (a proxy's HTML page): keep the text for the message
        }
        throw Object.assign(new VendorHttpError(res.statusCode, headers, body, `${res.statusCode} ${text.slice(0, 300)}`), { requestID: requestId });
      }
      return fromOpenAICompletion(JSON.parse(text), call, target, requestId);
    });
  }

  /** Closes the pooled connections (gateway shutdown). */
  async close(): Promise<void> {
    await this.pool.close();
  }
}
