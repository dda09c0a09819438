import { join } from 'node:path';
import type { SqlDatabase } from './database';
import { type MigrationReport, runMigrations } from './migrations';
import { PgliteDatabase } from './pglite';
import { PostgresDatabase } from './postgres';

/** Where `agentflow up` keeps its data when `AGENTFLOW_DATA_DIR` is not set, relative to the working directory. */
export const DEFAULT_DATA_DIR = '.agentflow/data';

/** The PGlite directory inside an agentflow data directory (other embedded state sits beside it). */
export function pgliteDirOf(dataDir: string): string {
  return join(dataDir, 'pglite');
}

export interface OpenDatabaseOptions {
  /** PostgreSQL server URL (`DATABASE_URL`). When set, PostgreSQL is used and `dataDir` is ignored. */
  databaseUrl?: string;
  /**
   * PGlite data directory, used when there is no `databaseUrl`. Without either, PGlite runs in
   * memory (tests): nothing survives `close()`.
   */
  dataDir?: string;
  /** Schema for every table, created when absent. @default public */
  schema?: string;
  /** Apply the migrations before returning. @default false */
  migrate?: boolean;
  /** Pool size on PostgreSQL. @default 10 */
  maxConnections?: number;
}

export interface OpenedDatabase {
  db: SqlDatabase;
  /** Present when `migrate` was set. */
  migrations?: MigrationReport;
}

/** PostgreSQL when a URL is given, else PGlite; migrated when asked. Always `await db.close()`. */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<SqlDatabase> {
  return (await openDatabaseWithReport(options)).db;
}

/** {@link openDatabase}, also returning what the migrations did (for start-up logs). */
export async function openDatabaseWithReport(options: OpenDatabaseOptions = {}): Promise<OpenedDatabase> {
  const db: SqlDatabase = options.databaseUrl
    ? await PostgresDatabase.open({
        connectionString: options.databaseUrl,
        schema: options.schema,
        maxConnections: options.maxConnections,
      })
    : await PgliteDatabase.open({ dataDir: options.dataDir, schema: options.schema });
  if (!options.migrate) return { db };
  try {
    return { db, migrations: await runMigrations(db) };
  } catch (error) {
    await db.close();
    throw error;
  }
}
