/**
 * GitHub's rate-limit answers, as GitHub sends them, for the fake to give when a test asks
 * (`fake.rateLimitNext(...)`). GitHub's documentation ("Rate limits for the REST API") says a
 * client must wait `retry-after` seconds when that header is present, else until
 * `x-ratelimit-reset` (epoch seconds) when `x-ratelimit-remaining` is 0, else at least a minute.
 */
import type { FakeRequest, FakeResponse } from '../http';

export interface RateLimitRule {
  method?: string;
  /** Substring or regular expression the request path must match. */
  path?: string | RegExp;
  /**
   * `secondary`: too many requests at once or content created too fast (403 or 429);
   * `primary`: the hourly quota is spent (403 or 429 with `x-ratelimit-remaining: 0`).
   * @default 'secondary'
   */
  kind?: 'secondary' | 'primary';
  /** @default 403 (what GitHub answers most often; 429 happens too) */
  status?: 403 | 429;
  /** Seconds, sent as `retry-after`. */
  retryAfter?: number;
  /**
   * Seconds from now, sent as `x-ratelimit-reset` (epoch seconds) with `x-ratelimit-remaining: 0`.
   * A primary limit always has it (default 60).
   */
  resetAfter?: number;
  /** How many calls are answered so. @default 1 */
  times?: number;
}

const DOCS_SECONDARY =
  'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits';
const DOCS_PRIMARY = 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api';

/** The answer GitHub gives when `rule` applies. */
export function rateLimitResponse(rule: RateLimitRule, now: number = Date.now()): FakeResponse {
  const status = rule.status ?? 403;
  const kind = rule.kind ?? 'secondary';
  const headers: Record<string, string> = {};
  if (rule.retryAfter !== undefined) headers['retry-after'] = String(rule.retryAfter);
  const resetAfter = rule.resetAfter ?? (kind === 'primary' ? 60 : undefined);
  if (resetAfter !== undefined) {
    headers['x-ratelimit-remaining'] = '0';
    headers['x-ratelimit-reset'] = String(Math.floor(now / 1000) + resetAfter);
  }
  const body =
    kind === 'secondary'
      ? {
          message:
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.',
          documentation_url: DOCS_SECONDARY,
          status: String(status),
        }
      : {
          message:
            'API rate limit exceeded for installation. If you reach out to GitHub Support for help, please include the request ID.',
          documentation_url: DOCS_PRIMARY,
          status: String(status),
        };
  return { status, headers, body };
}

/** The rules queued on one fake, taken in order like the fake's other forced failures. */
export class RateLimitQueue {
  private readonly rules: RateLimitRule[] = [];
  /** How many answers were rate limits (tests assert the client met them). */
  answered = 0;

  add(rule: RateLimitRule): void {
    this.rules.push({ ...rule });
  }

  /** The rate-limit answer for this request, or null when no rule applies. */
  take(req: FakeRequest): FakeResponse | null {
    for (const rule of this.rules) {
      if (rule.method && rule.method !== req.method) continue;
      if (
        rule.path &&
        !(typeof rule.path === 'string' ? req.path.includes(rule.path) : rule.path.test(req.path))
      )
        continue;
      const left = (rule.times ?? 1) - 1;
      if (left <= 0) this.rules.splice(this.rules.indexOf(rule), 1);
      else rule.times = left;
      this.answered += 1;
      return rateLimitResponse(rule);
    }
    return null;
  }
}
