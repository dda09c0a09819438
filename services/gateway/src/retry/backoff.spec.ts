import { ProviderError } from '../providers/provider-error';
import { backoffDelay, decideRetry } from './backoff';

const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };
const target = { provider: 'p', model: 'm' };

describe('retry decisions', () => {
  it('draws full jitter between 0 and the capped exponential', () => {
    expect(backoffDelay(1, policy, () => 0.999)).toBe(99);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(200);
    expect(backoffDelay(10, policy, () => 0.999)).toBe(999);
    expect(backoffDelay(2, policy, () => 0)).toBe(0);
  });

  it('honours Retry-After, but not past the deadline, and never retries what cannot succeed', () => {
    const limited = new ProviderError('rate_limited', 'x', { ...target, status: 429, retryAfterMs: 5000 });
    expect(decideRetry(limited, 1, policy, 0, 60_000)).toEqual({ retry: true, delayMs: 5000 });
    expect(decideRetry(limited, 1, policy, 0, 4000)).toEqual({ retry: false, reason: 'past_deadline' });
    expect(decideRetry(limited, 4, policy, 0, 60_000)).toEqual({ retry: false, reason: 'attempts_used' });
    expect(decideRetry(new ProviderError('auth', 'x', target), 1, policy, 0, 60_000)).toEqual({
      retry: false,
      reason: 'not_retryable',
    });
    expect(decideRetry(new ProviderError('context_length', 'x', target), 1, policy, 0, 60_000)).toEqual({
      retry: false,
      reason: 'not_retryable',
    });
  });
});
