/**
 * {@link SqlDatabase} on PGlite (PostgreSQL compiled to WebAssembly, in this process), with its
 * data directory on disk so a restart keeps the data. One process owns a data directory: a lock
 * file stops a second `agentflow up` from opening it and corrupting it.
 */
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { QueryResult, SqlDatabase, SqlExecutor, SqlSession } from './database';
import { DataDirLock } from './data-dir-lock';
import { seedDataDir, templateArchive } from './pglite-template';
import { assertIdentifier, quoteIdentifier } from './identifiers';
import { DEFAULT_LOCK_TIMEOUT_MS, LockTimeoutError, type LockOptions } from './lock';

export interface PgliteOptions {
  /** Directory for the database files (created when absent). Without one the database lives in memory. */
  dataDir?: string;
  /** Schema for every table (created when absent), set as `search_path` of the one session. */
  schema?: string;
}

/** PostgreSQL type oid of INT8 (bigint). */
const INT8_OID = 20;

type Queryable = Pick<PGlite | Transaction, 'query' | 'exec'>;

function executor(target: Queryable): SqlExecutor {
  return {
    async query<Row>(text: string, params?: unknown[]): Promise<QueryResult<Row>> {
      const result = await target.query<Row>(text, params);
      // pg reports rows changed for INSERT/UPDATE/DELETE and rows returned otherwise; so do we.
      // A statement that returns columns (SELECT, ... RETURNING) counts its rows.
      const rowCount = result.fields.length > 0 ? result.rows.length : (result.affectedRows ?? 0);
      return { rows: result.rows, rowCount };
    },
    async exec(script: string): Promise<void> {
      await target.exec(script);
    },
  };
}

export class PgliteDatabase implements SqlDatabase {
  readonly kind = 'pglite' as const;
  /** One connection: PGlite runs one query at a time. */
  readonly poolSize = 1;
  /** Per lock name, the promise that settles when the last holder or waiter in line lets go. */
  private readonly locks = new Map<string, Promise<void>>();
  private closed = false;
  private readonly executor: SqlExecutor;

  private constructor(
    private readonly pg: PGlite,
    private readonly dirLock: DataDirLock | undefined,
    /** Absolute data directory, or undefined when in memory. */
    readonly dataDir: string | undefined,
  ) {
    this.executor = executor(pg);
  }

  static async open(options: PgliteOptions = {}): Promise<PgliteDatabase> {
    if (options.schema !== undefined) assertIdentifier(options.schema, 'schema');
    const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
    let dirLock: DataDirLock | undefined;
    if (dataDir !== undefined) {
      await mkdir(dataDir, { recursive: true });
      dirLock = await DataDirLock.acquire(dataDir);
    }
    try {
      // pg returns INT8 as a string (it may not fit a double); PGlite would return a number.
      const parsers = { [INT8_OID]: (value: string) => value };
      let pg: PGlite;
      if (dataDir === undefined) {
        pg = await PGlite.create({ loadDataDir: await templateArchive(), parsers });
      } else {
        await seedDataDir(dataDir);
        pg = await PGlite.create(dataDir, { parsers });
      }
      if (options.schema !== undefined) {
        await pg.exec(
          `CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(options.schema)}; SET search_path TO ${quoteIdentifier(options.schema)};`,
        );
      }
      return new PgliteDatabase(pg, dirLock, dataDir);
    } catch (error) {
      await dirLock?.release();
      throw error;
    }
  }

  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResult<Row>> {
    return this.executor.query<Row>(text, params);
  }

  exec(script: string): Promise<void> {
    return this.executor.exec(script);
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.pg.transaction((tx) => fn(executor(tx)));
  }

  /**
   * One process owns the database, so an in-process mutex per name is the whole lock: a queue of
   * holders, each waiting for the one before it, giving up after `timeoutMs` like PostgreSQL.
   */
  async withLock<T>(
    name: string,
    fn: (session: SqlSession) => Promise<T>,
    options: LockOptions = {},
  ): Promise<T> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
    const before = this.locks.get(name) ?? Promise.resolve();
    let letGo!: () => void;
    const mine = new Promise<void>((resolve) => (letGo = resolve));
    // The next in line waits for everyone before it and for this one (also when this one gives up).
    const line = before.then(() => mine);
    this.locks.set(name, line);
    // Forget the name once nobody holds or waits (not when a waiter gives up: the holder still holds).
    void line.then(() => {
      if (this.locks.get(name) === line) this.locks.delete(name);
    });
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const acquired = await Promise.race([
      before.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    try {
      if (!acquired) throw new LockTimeoutError(name, Date.now() - started);
      return await fn({ ...this.executor, transaction: (f) => this.transaction(f) });
    } finally {
      letGo();
    }
  }

  async ping(): Promise<boolean> {
    if (this.closed) return false;
    try {
      await this.pg.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.pg.close();
    } finally {
      await this.dirLock?.release();
    }
  }
}
