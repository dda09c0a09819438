/**
 * One keep-alive undici `Pool` per vendor origin and the POST-JSON call every pooled provider
 * makes. A status >= 400 is thrown in the SDKs' error shape (status, headers.get, error body,
 * requestID) so {@link toProviderError} classifies it exactly as it does an SDK error; a body cut
 * midway rejects with undici's socket error, a network failure.
 *
 * The call is a raw `dispatch` with a handler that collects the body's chunks: undici's `request`
 * wraps every response in a Readable stream and consumes it through promises, which profiling
 * showed as a tenth of the gateway's CPU per request.
 *
 * Behind a company proxy (`HTTPS_PROXY`, unless `NO_PROXY` names the vendor) the pool is a
 * `ProxyAgent` instead: the same keep-alive connections, tunnelled through the proxy.
 */
import { errors, Pool, ProxyAgent, type Dispatcher } from 'undici';
import { proxyFor } from '@agentflow/service-kit';

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

/** Response headers as undici hands them over (name, value, name, value... as Buffers), read on demand. */
class RawHeaders {
  constructor(private readonly raw: Buffer[]) {}
  get(name: string): string | null {
    const wanted = name.toLowerCase();
    for (let i = 0; i + 1 < this.raw.length; i += 2) {
      const n = this.raw[i];
      if (n.length === wanted.length && n.toString('latin1').toLowerCase() === wanted)
        return this.raw[i + 1].toString('latin1');
    }
    return null;
  }
}

/** undici's (non-wrapped) dispatch handler for one JSON call: settles the promise once. */
class JsonCall {
  private abortCall: ((error: Error) => void) | undefined;
  private status = 0;
  private headers: Buffer[] = [];
  private readonly chunks: Buffer[] = [];
  private readonly onAbort = () => this.abortCall?.(new errors.RequestAbortedError());

  constructor(
    private readonly signal: AbortSignal,
    private readonly requestIdHeader: string,
    private readonly resolve: (answer: VendorAnswer) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    signal.addEventListener('abort', this.onAbort, { once: true });
  }

  onConnect(abort: (error: Error) => void): void {
    this.abortCall = abort;
    if (this.signal.aborted) abort(new errors.RequestAbortedError());
  }

  onHeaders(statusCode: number, headers: Buffer[]): boolean {
    // 1xx interim answers come first; the final status replaces them.
    this.status = statusCode;
    this.headers = headers;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    this.signal.removeEventListener('abort', this.onAbort);
    const text =
      this.chunks.length === 1
        ? this.chunks[0].toString('utf8')
        : Buffer.concat(this.chunks).toString('utf8');
    const headers = new RawHeaders(this.headers);
    const requestId = headers.get(this.requestIdHeader) ?? undefined;
    if (this.status >= 400) {
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON (a proxy's HTML page): the text is the message
      }
      this.reject(
        new VendorHttpError(this.status, headers, body, requestId, `${this.status} ${text.slice(0, 300)}`),
      );
      return;
    }
    try {
      this.resolve({ body: JSON.parse(text), requestId });
    } catch (error) {
      this.reject(error);
    }
  }

  onError(error: Error): void {
    this.signal.removeEventListener('abort', this.onAbort);
    this.reject(error);
  }
}

export class PooledVendorClient {
  private readonly pool: Dispatcher;

  /** @param connections open connections kept to the vendor. */
  constructor(
    private readonly origin: string,
    private readonly requestIdHeader: string,
    connections = 256,
  ) {
    const keepAlive = { keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000 };
    const proxy = proxyFor(origin);
    this.pool = proxy
      ? new ProxyAgent({ uri: proxy, connections, ...keepAlive })
      : new Pool(origin, { connections, ...keepAlive });
  }

  postJson(
    path: string,
    headers: Record<string, string>,
    payload: unknown,
    signal: AbortSignal,
    timeoutMs: number,
  ): Promise<VendorAnswer> {
    // The attempt's timeout (callVendorTimedByClient relies on it); undici reads 0 as "none", so never 0.
    const timeout = Math.max(1, timeoutMs);
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new errors.RequestAbortedError());
      this.pool.dispatch(
        {
          origin: this.origin,
          path,
          method: 'POST',
          headers,
          body: JSON.stringify(payload),
          headersTimeout: timeout,
          bodyTimeout: timeout,
        },
        new JsonCall(signal, this.requestIdHeader, resolve, reject),
      );
    });
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
