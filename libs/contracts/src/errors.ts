/**
 * Typed errors shared by every service. Each says what happened, what to do, and whether trying
 * again can help: the bus naks a `retryable` error with a backoff and dead-letters the rest.
 */
export abstract class AgentflowError extends Error {
  /** Machine-readable code, stable across releases. */
  abstract readonly code: string;
  /** Whether the same operation may succeed if tried again later. */
  abstract readonly retryable: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A message failed validation at the receiving edge. Never retried: it goes to the dead-letter stream. */
export class InvalidMessageError extends AgentflowError {
  readonly code = 'invalid_message';
  readonly retryable = false;
  constructor(
    message: string,
    /** One line per violated constraint, `path: constraint`. */
    readonly problems: string[] = [],
  ) {
    super(message);
  }
}

/** A dependency is briefly unavailable (network, a lock, a conflict). Retry with backoff. */
export class TransientError extends AgentflowError {
  readonly code: string = 'transient';
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
  /** A hint from the failing side of how long to wait, if it gave one. */
  readonly retryAfterMs?: number;
}

/** The input can never succeed as it is (bad config, an unsupported request). Fix the input. */
export class PermanentError extends AgentflowError {
  readonly code: string = 'permanent';
  readonly retryable = false;
}

/** Configuration read at start-up is missing or invalid; the message names the variable or file. */
export class ConfigError extends AgentflowError {
  readonly code = 'config_invalid';
  readonly retryable = false;
}

/** Returns whether an unknown thrown value is worth retrying (unknown errors are, a bounded number of times). */
export function isRetryable(error: unknown): boolean {
  if (error instanceof AgentflowError) return error.retryable;
  if (error && typeof error === 'object' && 'retryable' in error)
    return Boolean((error as { retryable: unknown }).retryable);
  return true;
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
