/**
 * {@link SqlDatabase} on a PostgreSQL server through a `pg` Pool. `pg` returns INT8 as a string
 * already; PGlite is aligned to it (see pglite.ts).
 */
import { Pool, type PoolClient, type PoolConfig } from 'pg';
import type { QueryResult, SqlDatabase, SqlExecutor, SqlSession } from './database';
import { DatabaseConfigError, SqlState, sqlStateOf } from './errors';
import { assertIdentifier, quoteIdentifier } from './identifiers';
import { DEFAULT_LOCK_TIMEOUT_MS, LockTimeoutError, type LockOptions } from './lock';

/** Pause between two tries of a held advisory lock: doubled from the first to the last, with jitter. */
const LOCK_RETRY_FIRST_MS = 10;
const LOCK_RETRY_LAST_MS = 250;

export interface PostgresOptions {
  /** `postgres://user@host:5432/db`. */
  connectionString: string;
  /** Schema for every table (created when absent); `search_path` is set to it on each connection. */
  schema?: string;
  /** Connections in the pool. @default 10 */
  maxConnections?: number;
  /** Application name shown in `pg_stat_activity`. @default agentflow */
  applicationName?: string;
}

function clientExecutor(client: PoolClient): SqlExecutor {
  return {
    async query<Row>(text: string, params?: unknown[]): Promise<QueryResult<Row>> {
      const result = await client.query(text, params);
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
    },
    async exec(script: string): Promise<void> {
      // No parameters: pg uses the simple query protocol, which accepts several statements.
      await client.query(script);
    },
  };
}

async function inTransaction<T>(client: PoolClient, fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await fn(clientExecutor(client));
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

export class PostgresDatabase implements SqlDatabase {
  readonly kind = 'postgres' as const;
  private closed = false;

  private constructor(
    private readonly pool: Pool,
    /** The schema tables live in (`public` unless one was given). */
    readonly schema: string,
    readonly poolSize: number,
  ) {}

  static async open(options: PostgresOptions): Promise<PostgresDatabase> {
    let url: URL;
    try {
      url = new URL(options.connectionString);
    } catch (cause) {
      throw new DatabaseConfigError(
        'DATABASE_URL is not a valid URL; expected postgres://user[:password]@host:port/database',
        { cause },
      );
    }
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
      throw new DatabaseConfigError(
        `DATABASE_URL has protocol ${url.protocol}; expected postgres:// or postgresql://`,
      );
    }
    const schema = options.schema ?? 'public';
    assertIdentifier(schema, 'schema');
    const config: PoolConfig = {
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
      application_name: options.applicationName ?? 'agentflow',
      // Every connection of the pool resolves unqualified table names in the chosen schema.
      options: schema === 'public' ? undefined : `-c search_path=${schema}`,
    };
    const pool = new Pool(config);
    // An idle client losing its server (a restart, a failover) must not crash the process; the
    // pool replaces it and the next query reports the problem.
    pool.on('error', () => undefined);
    const db = new PostgresDatabase(pool, schema, config.max ?? 10);
    try {
      if (schema !== 'public') await db.createSchema(schema);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return db;
  }

  private async createSchema(schema: string): Promise<void> {
    try {
      await this.pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
    } catch (error) {
      // Two processes creating the schema at once: IF NOT EXISTS is not atomic in PostgreSQL.
      const code = sqlStateOf(error);
      if (code !== SqlState.uniqueViolation && code !== SqlState.duplicateSchema) throw error;
    }
  }

  async query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResult<Row>> {
    const result = await this.pool.query(text, params);
    return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
  }

  async exec(script: string): Promise<void> {
    await this.pool.query(script);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      return await inTransaction(client, fn);
    } finally {
      client.release();
    }
  }

  async withLock<T>(
    name: string,
    fn: (session: SqlSession) => Promise<T>,
    options: LockOptions = {},
  ): Promise<T> {
    // Session-level advisory lock keyed by name and schema: replicas of one deployment wait for
    // each other, test schemas on a shared server do not.
    const key = `${this.schema}:${name}`;
    const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
    const started = Date.now();
    let pause = LOCK_RETRY_FIRST_MS;
    for (;;) {
      // Never block in pg_advisory_lock while holding a pool connection: waiters doing that took
      // every connection of the pool while the holder needed one to finish (issue 17). A try
      // either takes the lock on this connection or gives the connection straight back.
      const client = await this.pool.connect();
      let broken = false;
      try {
        const { rows } = await client.query<{ locked: boolean }>(
          'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
          [key],
        );
        if (rows[0]?.locked === true) {
          try {
            const session: SqlSession = {
              ...clientExecutor(client),
              transaction: (f) => inTransaction(client, f),
            };
            return await fn(session);
          } finally {
            await client.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(() => {
              // Could not unlock: drop the connection so the server releases the lock with the session.
              broken = true;
            });
          }
        }
      } catch (error) {
        broken = broken || sqlStateOf(error)?.startsWith('08') === true;
        throw error;
      } finally {
        client.release(broken);
      }
      const waited = Date.now() - started;
      if (waited >= timeoutMs) throw new LockTimeoutError(name, waited);
      const jittered = pause / 2 + Math.random() * (pause / 2);
      await new Promise((resolve) => setTimeout(resolve, Math.min(jittered, timeoutMs - waited)));
      pause = Math.min(LOCK_RETRY_LAST_MS, pause * 2);
    }
  }

  async ping(): Promise<boolean> {
    if (this.closed) return false;
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
