import { PermanentError, TransientError } from '@agentflow/contracts';
import { classify, retryAfterMsOf, UNTIMED_RATE_LIMIT_WAIT_MS, withRetryAfter } from './retry-after';

const NOW = 1_700_000_000_000;
const answer = (status: number, headers: Record<string, string>, message = 'Not Found') => ({
  status,
  message,
  response: { status, headers, data: { message } },
});

describe("the platforms' rate-limit answers", () => {
  it('waits what retry-after says, else until x-ratelimit-reset when none are left', () => {
    expect(
      retryAfterMsOf(answer(403, { 'retry-after': '7' }, 'You have exceeded a secondary rate limit'), NOW),
    ).toBe(7000);
    expect(
      retryAfterMsOf(
        answer(
          429,
          { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 120) },
          'API rate limit exceeded',
        ),
        NOW,
      ),
    ).toBe(120_000);
  });

  it('waits a minute on a rate limit that names no time, as GitHub asks, and never drops it', () => {
    const untimed = answer(
      403,
      {},
      'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
    );
    expect(retryAfterMsOf(untimed, NOW)).toBe(UNTIMED_RATE_LIMIT_WAIT_MS);
    const classified = classify(untimed, 'GitHub create review');
    expect(classified).toBeInstanceOf(TransientError);
    expect((classified as TransientError).retryAfterMs).toBe(UNTIMED_RATE_LIMIT_WAIT_MS);
    expect(classify(answer(429, {}), 'GitHub create review')).toMatchObject({
      retryAfterMs: UNTIMED_RATE_LIMIT_WAIT_MS,
    });
  });

  it('takes a 403 that is not a rate limit (a missing permission) as permanent', () => {
    expect(
      classify(answer(403, {}, 'Resource not accessible by integration'), 'GitHub create check run'),
    ).toBeInstanceOf(PermanentError);
  });

  it('tries again in place after a short wait, and hands a long one back with the wait', async () => {
    let calls = 0;
    const warned: string[] = [];
    const result = await withRetryAfter(
      'GitHub x',
      async () => {
        calls += 1;
        if (calls === 1) throw answer(429, { 'retry-after': '0' }, 'rate limit');
        return 'ok';
      },
      1000,
      { log: { warn: (m) => warned.push(m) } },
    );
    expect([result, calls]).toEqual(['ok', 2]);
    expect(warned).toEqual([
      expect.stringMatching(
        /^GitHub x failed \(HTTP 429\).*; waiting 0 s as asked, then trying again \(call 2 of 3\)$/,
      ),
    ]);
    await expect(
      withRetryAfter(
        'GitHub x',
        async () => Promise.reject(answer(403, { 'retry-after': '90' }, 'secondary rate limit')),
        1000,
      ),
    ).rejects.toMatchObject({ retryable: true, retryAfterMs: 90_000 });
  });
});
