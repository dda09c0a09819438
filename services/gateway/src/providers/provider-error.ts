/**
 * One error type for every vendor: what kind of failure it was, whether the same call may succeed
 * later, the HTTP status, the vendor's Retry-After and request id, and whether the prompt was too
 * long for the model. Messages are scrubbed of keys before they get here (see {@link SecretScrubber}).
 */
import { AgentflowError } from '@agentflow/contracts';

export type ProviderFailure =
  | 'rate_limited'
  | 'overloaded'
  | 'server_error'
  | 'timeout'
  | 'network'
  | 'context_length'
  | 'auth'
  | 'bad_request'
  | 'aborted'
  | 'bad_output'
  /** The vendor's answer was not what its API documents (not JSON, fields missing or of the wrong type, a stream ended early). */
  | 'bad_response';

const RETRYABLE: Record<ProviderFailure, boolean> = {
  rate_limited: true,
  overloaded: true,
  server_error: true,
  timeout: true,
  network: true,
  context_length: false,
  auth: false,
  bad_request: false,
  aborted: false,
  bad_output: true,
  bad_response: true,
};

/** Failures that say the vendor (not the request) is unwell: they count against the breaker. */
export const OUTAGE_FAILURES: ReadonlySet<ProviderFailure> = new Set([
  'overloaded',
  'server_error',
  'timeout',
  'network',
  'bad_response',
]);

export class ProviderError extends AgentflowError {
  readonly code = 'provider_error';
  readonly retryable: boolean;
  constructor(
    readonly failure: ProviderFailure,
    message: string,
    readonly details: {
      provider: string;
      model: string;
      status?: number;
      /** From the vendor's Retry-After (seconds or HTTP date) or retry-after-ms header. */
      retryAfterMs?: number;
      vendorRequestId?: string;
      /** Tokens billed for a call that still failed (output that did not parse): paid, and waste. */
      usage?: {
        inputTokens: number;
        outputTokens: number;
        cacheReadTokens: number;
        cacheWriteTokens: number;
      };
      /** `bad_output`: what the vendor wrote instead of the structured answer (the agent may still repair it). */
      text?: string;
      cause?: unknown;
    },
  ) {
    super(message, { cause: details.cause });
    this.retryable = RETRYABLE[failure];
  }
  get status(): number | undefined {
    return this.details.status;
  }
  get retryAfterMs(): number | undefined {
    return this.details.retryAfterMs;
  }
  get vendorRequestId(): string | undefined {
    return this.details.vendorRequestId;
  }
  /** The prompt did not fit the model's context window: fall back to a larger-window model. */
  get isContextLength(): boolean {
    return this.failure === 'context_length';
  }
}

/** Reads Retry-After (seconds or an HTTP date) or the vendors' `retry-after-ms`. */
export function parseRetryAfter(
  headers: { get(name: string): string | null } | undefined,
  now = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

const CONTEXT_LENGTH =
  /context[_ ]length|prompt is too long|maximum context length|too many tokens|input is too long|exceeds the context window/i;

/** Both vendors answer a too-long prompt with a 400 (OpenAI also with code `context_length_exceeded`). */
export function isContextLengthMessage(status: number | undefined, code: unknown, message: string): boolean {
  if (code === 'context_length_exceeded') return true;
  return (status === 400 || status === 413) && CONTEXT_LENGTH.test(message);
}

/** Status -> failure kind, the same for every vendor. */
export function failureForStatus(status: number | undefined): ProviderFailure {
  if (status === undefined) return 'network';
  if (status === 429) return 'rate_limited';
  if (status === 529 || status === 503) return 'overloaded';
  if (status === 408) return 'timeout';
  if (status === 401 || status === 403) return 'auth';
  if (status >= 500) return 'server_error';
  return 'bad_request';
}
