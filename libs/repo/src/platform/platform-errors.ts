/** HTTP errors of a code host turned into retryable or permanent errors, Retry-After kept. */
import { PermanentError, TransientError } from '@agentflow/contracts';
import { RepoReadError } from '../repo-reader';

interface HttpishError {
  status?: number;
  cause?: { response?: { status?: number; headers?: Headers } };
  response?: { status?: number; headers?: Record<string, string | undefined> | Headers };
  message?: string;
}

function headerOf(
  headers: Record<string, string | undefined> | Headers | undefined,
  name: string,
): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  return (headers as Record<string, string | undefined>)[name];
}

/** Seconds or an HTTP date, as GitHub, GitLab and Slack send it, in milliseconds. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function toPlatformError(error: unknown, what: string): Error {
  if (error instanceof TransientError || error instanceof PermanentError) return error;
  const e = (error ?? {}) as HttpishError;
  const status = e.status ?? e.response?.status ?? e.cause?.response?.status;
  const headers = e.response?.headers ?? e.cause?.response?.headers;
  const message = `${what} failed${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(error)}`;
  const retryAfter = retryAfterMs(headerOf(headers, 'retry-after'));
  const rateLimited =
    status === 429 ||
    (status === 403 && (retryAfter !== undefined || headerOf(headers, 'x-ratelimit-remaining') === '0'));
  if (status === undefined || status >= 500 || rateLimited || status === 408) {
    const resetAt = Number(headerOf(headers, 'x-ratelimit-reset'));
    const wait =
      retryAfter ?? (rateLimited && resetAt ? Math.max(0, resetAt * 1000 - Date.now()) : undefined);
    return new TransientError(message, { cause: error, retryAfterMs: wait });
  }
  return new PermanentError(message, { cause: error });
}

/** A platform failure while reading a repository, as the port's {@link RepoReadError} (retryability and Retry-After kept). */
export function toRepoReadError(error: unknown, what: string): RepoReadError {
  if (error instanceof RepoReadError) return error;
  const platform = toPlatformError(error, what);
  const retryAfterMs = platform instanceof TransientError ? platform.retryAfterMs : undefined;
  return new RepoReadError(platform.message, {
    retryable: platform instanceof TransientError,
    cause: error,
    retryAfterMs,
  });
}
