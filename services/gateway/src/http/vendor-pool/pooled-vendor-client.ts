/**
 * One keep-alive undici `Pool` per vendor origin and the POST-JSON call every pooled provider
 * makes. A status >= 400 is thrown in the SDKs' error shape (status, headers.get, error body,
 * requestID) so {@link toProviderError} classifies it exactly as it does an SDK error; a body cut
 * midway rejects with undici's socket error, a network failure.
 */
import { Pool } from 'undici';

export interface VendorAnswer {
  body: unknown;
  requestId?: string;
}

/** The SDK error shape that `toProviderError` reads. */
export class VendorHttpError extends Error {
  constructor(
    readonly status: number,
    readonly headers: { get(name: string): string | null },
    readonly error: unknown,
    readonly requestID: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

function headerGetter(headers: Record<string, string | string[] | undefined>) {
  return {
    get: (name: string) => {
      const v = headers[name.toLowerCase()];
      return Array.isArray(v) ? v[0] : (v ?? null);
    },
  };
}

export class PooledVendorClient {
  private readonly pool: Pool;

  /** @param connections open connections kept to the vendor. */
  constructor(origin: string, private readonly requestIdHeader: string, connections = 256) {
    this.pool = new Pool(origin, { connections, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000 });
  }

  async postJson(path: string, headers: Record<string, string>, payload: unknown, signal: AbortSignal, timeoutMs: number): Promise<VendorAnswer> {
    // The attempt's timeout (callVendorTimedByClient relies on it); undici reads 0 as "none", so never 0.
    const timeout = Math.max(1, timeoutMs);
    const res = await this.pool.request({ path, method: 'POST', headers, body: JSON.stringify(payload), signal, headersTimeout: timeout, bodyTimeout: timeout });
    const text = await res.body.text();
    const get = headerGetter(res.headers);
    const requestId = get.get(this.requestIdHeader) ?? undefined;
    if (res.statusCode >= 400) {
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON (a proxy's HTML page): the text is the message
      }
      throw new VendorHttpError(res.statusCode, get, body, requestId, `${res.statusCode} ${text.slice(0, 300)}`);
    }
    return { body: JSON.parse(text), requestId };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
