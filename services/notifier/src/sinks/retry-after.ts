/**
 * Honouring the platforms' back-pressure: GitHub's secondary rate limits (403 or 429 with
 * Retry-After), Slack's 429. A short wait is done in place; a long one goes back to the bus as a
 * retryable error carrying the wait, so a busy sink never holds a consumer slot for minutes.
 */
import { PermanentError, TransientError } from '@agentflow/contracts';

interface HttpError {
  status?: number;
  code?: string;
  retryAfter?: number;
  message?: string;
  response?: { status?: number; headers?: Record<string, string | undefined>; data?: unknown };
}

/**
 * GitHub's rule for a rate limit that names no time ("Rate limits for the REST API"): wait at
 * least a minute before trying again.
 */
export const UNTIMED_RATE_LIMIT_WAIT_MS = 60_000;

/** Whether a 403 or 429 says it is a rate limit (GitHub's body says "rate limit"; a 403 may also be a missing permission). */
function isRateLimitAnswer(e: HttpError, status: number | undefined): boolean {
  if (status === 429) return true;
  if (status !== 403) return false;
  const data = e.response?.data as { message?: unknown } | undefined;
  const text = `${typeof data?.message === 'string' ? data.message : ''} ${e.message ?? ''}`;
  return /rate limit/i.test(text);
}

export function retryAfterMsOf(error: unknown, now = Date.now()): number | undefined {
  const e = (error ?? {}) as HttpError;
  // @slack/web-api's rate-limited error carries `retryAfter` in seconds.
  if (typeof e.retryAfter === 'number') return e.retryAfter * 1000;
  const header = e.response?.headers?.['retry-after'];
  if (header !== undefined) {
    const seconds = Number(header);
    if (Number.isFinite(seconds)) return seconds * 1000;
    const date = Date.parse(header);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const status = e.status ?? e.response?.status;
  if ((status === 403 || status === 429) && e.response?.headers?.['x-ratelimit-remaining'] === '0') {
    const reset = Number(e.response.headers['x-ratelimit-reset']);
    if (reset) return Math.max(0, reset * 1000 - now);
  }
  if (isRateLimitAnswer(e, status)) return UNTIMED_RATE_LIMIT_WAIT_MS;
  return undefined;
}

/** Whether an HTTP failure can succeed later (rate limits, 5xx, network). */
export function classify(error: unknown, what: string): Error {
  if (error instanceof TransientError || error instanceof PermanentError) return error;
  const e = (error ?? {}) as HttpError;
  const status = e.status ?? e.response?.status;
  const wait = retryAfterMsOf(error);
  const message = `${what} failed${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(error)}`;
  if (
    wait !== undefined ||
    status === undefined ||
    status >= 500 ||
    status === 429 ||
    status === 408 ||
    e.code === 'slack_webapi_rate_limited_error' ||
    e.code === 'slack_webapi_request_error'
  ) {
    return new TransientError(message, { cause: error, retryAfterMs: wait });
  }
  return new PermanentError(message, { cause: error });
}

/** The HTTP status of a failed call, also when {@link classify} wrapped it (the status is then on a cause). */
export function httpStatusOf(error: unknown): number | undefined {
  for (
    let e = error as (HttpError & { cause?: unknown }) | undefined, depth = 0;
    e && typeof e === 'object' && depth < 5;
    e = e.cause as typeof e, depth++
  ) {
    const status = e.status ?? e.response?.status;
    if (typeof status === 'number') return status;
  }
  return undefined;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface RetryAfterOptions {
  /** Calls in all, the first included. @default 3 */
  tries?: number;
  /** Takes one warn line per wait done in place. */
  log?: { warn(message: string): void };
}

/**
 * Runs `call`; on a rate limit whose Retry-After is at most `maxWaitMs`, waits and tries again
 * (up to `tries` calls). Anything else is thrown classified.
 */
export async function withRetryAfter<T>(
  what: string,
  call: () => Promise<T>,
  maxWaitMs: number,
  options: RetryAfterOptions = {},
): Promise<T> {
  const tries = options.tries ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const classified = classify(error, what);
      const wait = classified instanceof TransientError ? classified.retryAfterMs : undefined;
      if (wait !== undefined && wait <= maxWaitMs && attempt < tries) {
        options.log?.warn(
          `${classified.message}; waiting ${Math.ceil(wait / 1000)} s as asked, then trying again (call ${attempt + 1} of ${tries})`,
        );
        await sleep(wait);
        continue;
      }
      throw classified;
    }
  }
}
