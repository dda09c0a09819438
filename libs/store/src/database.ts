/**
 * The SQL port. PostgreSQL through `pg` in production, PGlite on one machine; the same
 * migrations and the same SQL run on both (PostgreSQL 15 and PGlite's 18: write SQL both accept).
 */
import type { LockOptions } from './lock';

export interface QueryResult<Row> {
  rows: Row[];
  /** Rows returned by a SELECT, rows changed by INSERT/UPDATE/DELETE (as `pg` reports it). */
  rowCount: number;
}

export interface SqlExecutor {
  /** Parameterised query (`$1`, `$2`, ...). INT8 comes back as a string on both implementations. */
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResult<Row>>;
  /** Runs a script of several statements without parameters (a migration file). */
  exec(script: string): Promise<void>;
}

/** One connection held for a while: its queries run in order on the same session. */
export interface SqlSession extends SqlExecutor {
  /** Runs `fn` in one transaction on this session; rolls back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
}

export interface SqlDatabase extends SqlExecutor {
  readonly kind: 'postgres' | 'pglite';
  /**
   * Runs `fn` in one transaction; rolls back when it throws. Inside `fn` use only `tx`: PGlite has
   * one connection, so a query on the database itself waits until the transaction ends (forever,
   * if `fn` awaits it), and on PostgreSQL it would run outside the transaction.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` on one session while holding the named lock: a session advisory lock on PostgreSQL
   * (so replicas on other machines wait), an in-process mutex on PGlite (one process owns its data
   * directory). The lock is released when `fn` settles.
   *
   * Do all of `fn`'s database work on `session`: it is the connection that holds the lock, so the
   * holder never needs a second one from the pool. A waiter holds no connection while it waits
   * (PostgreSQL polls `pg_try_advisory_lock` and gives the connection back between tries), and
   * gives up with `LockTimeoutError` (retryable) after `options.timeoutMs` (default 30 s). So
   * waiters can never take every connection away from the holder.
   */
  withLock<T>(name: string, fn: (session: SqlSession) => Promise<T>, options?: LockOptions): Promise<T>;
  /**
   * Connections this handle can have open at once (`DATABASE_POOL_SIZE` on PostgreSQL, 1 on
   * PGlite): callers that run work in parallel bound themselves by it.
   */
  readonly poolSize: number;
  /** Whether the database answers a trivial query now (for `/ready`). Never throws. */
  ping(): Promise<boolean>;
  /** Closes every connection. Always await it: PGlite flushes its data directory here. */
  close(): Promise<void>;
}
