/**
 * Retries within one provider+model: exponential backoff with full jitter (a random wait between 0
 * and base x 2^(attempt-1), capped), the vendor's Retry-After honoured when it gives one, and never a
 * wait that ends past the caller's deadline. Only retryable errors are retried.
 */
import type { ProviderError } from '../providers/provider-error';

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Full-jitter delay before attempt `attempt + 1` (attempt is 1-based). */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

export type RetryDecision =
  | { retry: true; delayMs: number }
  | { retry: false; reason: 'not_retryable' | 'attempts_used' | 'past_deadline' };

/**
 * What to do after `error` on attempt `attempt`: wait and retry, or move along the chain. A
 * Retry-After longer than the time left is not waited out: the next provider gets the time instead.
 */
export function decideRetry(
  error: ProviderError,
  attempt: number,
  policy: RetryPolicy,
  now: number,
  deadline: number,
  random: () => number = Math.random,
): RetryDecision {
  if (!error.retryable) return { retry: false, reason: 'not_retryable' };
  if (attempt >= policy.maxAttempts) return { retry: false, reason: 'attempts_used' };
  const delayMs = error.retryAfterMs ?? backoffDelay(attempt, policy, random);
  if (now + delayMs >= deadline) return { retry: false, reason: 'past_deadline' };
  return { retry: true, delayMs };
}
