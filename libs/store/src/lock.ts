/** Named locks held across replicas ({@link SqlDatabase.withLock}), and what happens when one cannot be had. */
import { AgentflowError } from '@agentflow/contracts';

export interface LockOptions {
  /**
   * How long to wait for the lock before giving up with {@link LockTimeoutError}. A waiter holds no
   * connection while it waits, so waiting never takes the pool from the holder. @default 30000
   */
  timeoutMs?: number;
}

/** The default wait for a named lock. */
export const DEFAULT_LOCK_TIMEOUT_MS = 30_000;

/**
 * Another session held the named lock for longer than the waiter would wait. Retryable: the holder
 * is working (it holds one connection and needs no other), so the same work later finds it free.
 */
export class LockTimeoutError extends AgentflowError {
  readonly code = 'lock_timeout';
  readonly retryable = true;

  constructor(
    readonly lockName: string,
    readonly waitedMs: number,
  ) {
    super(
      `lock "${lockName}" was still held by another session after ${waitedMs} ms; the work is retried later ` +
        '(if it never frees, look for a long query of that session in pg_stat_activity)',
    );
  }
}
