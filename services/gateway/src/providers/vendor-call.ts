/**
 * Runs one vendor SDK call under the attempt's timeout and the caller's abort, and turns whatever
 * the SDK throws into a {@link ProviderError}. The gateway owns the timeout (it knows the deadline),
 * so a timeout is recognised by our own signal, not by the SDK's error class.
 */
import type { TokenCounts } from './chat-provider';
import { failureForStatus, isContextLengthMessage, parseRetryAfter, ProviderError } from './provider-error';

interface SdkErrorShape {
  status?: number;
  headers?: { get(name: string): string | null };
  requestID?: string | null;
  code?: unknown;
  error?: unknown;
  message?: string;
}

export type Scrub = (text: string) => string;

const TIMEOUT = Symbol('timeout');

export async function callVendor<T>(
  target: { provider: string; model: string },
  call: { signal: AbortSignal; timeoutMs: number },
  scrub: Scrub,
  run: (signal: AbortSignal) => Promise<T>,
  /** A stream's usage so far: booked on the error when the call breaks midway (tokens were used and are paid). */
  partialUsage?: () => TokenCounts | undefined,
): Promise<T> {
  if (call.signal.aborted) throw new ProviderError('aborted', 'the caller aborted before the call', target);
  const controller = new AbortController();
  const onAbort = () => controller.abort(call.signal.reason);
  call.signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => controller.abort(TIMEOUT), Math.max(1, call.timeoutMs));
  try {
    const result = await run(controller.signal);
    // The SDKs end a stream's iteration quietly when its signal aborts: that is a broken call, not a short answer.
    if (partialUsage && controller.signal.aborted) throw new Error('stream aborted');
    return result;
  } catch (error) {
    // Our abort first: a stream cut by it also reads as one that ended early, and that is not what happened.
    const abortedBy = controller.signal.aborted
      ? controller.signal.reason === TIMEOUT
        ? 'timeout'
        : 'aborted'
      : undefined;
    const e =
      error instanceof ProviderError && !abortedBy ? error : toProviderError(error, target, abortedBy, scrub);
    if (partialUsage && !e.details.usage) e.details.usage = partialUsage();
    throw e;
  } finally {
    clearTimeout(timer);
    call.signal.removeEventListener('abort', onAbort);
  }
}

/** undici's codes for a vendor that sent no headers, or stopped sending its body, within the time given. */
const CLIENT_TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * {@link callVendor} for a client that enforces the attempt's timeout itself (the pooled undici
 * clients: headers and body timeouts of `call.timeoutMs`), so no controller, listener and timer of
 * our own per call: on the gateway's hot path those cost as much as a policy check. The caller's
 * signal goes to the client as is; the client's timeout errors are timeouts.
 */
export async function callVendorTimedByClient<T>(
  target: { provider: string; model: string },
  call: { signal: AbortSignal; timeoutMs: number },
  scrub: Scrub,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (call.signal.aborted) throw new ProviderError('aborted', 'the caller aborted before the call', target);
  try {
    return await run(call.signal);
  } catch (error) {
    if (error instanceof ProviderError) throw error;
    const code = (error as { code?: unknown } | null)?.code;
    const abortedBy = call.signal.aborted
      ? 'aborted'
      : typeof code === 'string' && CLIENT_TIMEOUT_CODES.has(code)
        ? 'timeout'
        : undefined;
    throw toProviderError(error, target, abortedBy, scrub);
  }
}

function nestedMessage(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const error = (body as { error?: { message?: unknown } }).error;
  if (error && typeof error.message === 'string') return error.message;
  const message = (body as { message?: unknown }).message;
  return typeof message === 'string' ? message : undefined;
}

export function toProviderError(
  error: unknown,
  target: { provider: string; model: string },
  abortedBy: 'timeout' | 'aborted' | undefined,
  scrub: Scrub,
): ProviderError {
  const e = (error && typeof error === 'object' ? error : {}) as SdkErrorShape;
  const vendorRequestId =
    e.requestID ?? e.headers?.get('request-id') ?? e.headers?.get('x-request-id') ?? undefined;
  if (abortedBy === 'timeout')
    return new ProviderError(
      'timeout',
      `${target.provider}/${target.model} did not answer within the attempt's timeout`,
      { ...target, vendorRequestId },
    );
  if (abortedBy === 'aborted')
    return new ProviderError('aborted', `${target.provider}/${target.model} call aborted by the caller`, {
      ...target,
      vendorRequestId,
    });
  // JSON.parse of the body or of a stream event: the vendor answered, only not in JSON.
  if (error instanceof SyntaxError) {
    return new ProviderError(
      'bad_response',
      `${target.provider}/${target.model} answered a body that is not JSON: ${scrub(error.message).slice(0, 200)}`,
      { ...target, vendorRequestId },
    );
  }
  const status = typeof e.status === 'number' ? e.status : undefined;
  const raw = nestedMessage(e.error) ?? e.message ?? String(error);
  const message = scrub(raw).slice(0, 500);
  const code = e.code ?? (e.error as { error?: { code?: unknown } } | undefined)?.error?.code;
  const failure = isContextLengthMessage(status, code, raw) ? 'context_length' : failureForStatus(status);
  return new ProviderError(
    failure,
    `${target.provider}/${target.model}: ${status ?? 'connection'} ${message}`,
    {
      ...target,
      status,
      retryAfterMs: parseRetryAfter(e.headers),
      vendorRequestId,
    },
  );
}
