/**
 * One ordered set of plain `.sql` migrations (`libs/store/migrations/NNNN_name.sql`), numbers
 * reserved per owner. Each is applied in its own transaction and recorded in `schema_migrations`,
 * all under one lock so replicas starting together never race (see {@link SqlDatabase.withLock}).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SqlDatabase } from './database';
import { MigrationError } from './errors';

/**
 * The migrations folder at the package root. This file sits directly in `src/` (tests, ts-register)
 * or in `dist/` (the build), so one level up is the package root either way.
 */
export const MIGRATIONS_DIR = join(__dirname, '..', 'migrations');

const FILE_NAME = /^(\d{4})_([a-z0-9][a-z0-9_-]*)\.sql$/;
const LOCK_NAME = 'agentflow:migrations';

export interface Migration {
  /** The number in the file name; the order of application. */
  version: number;
  /** The rest of the file name, without `.sql`. */
  name: string;
  sql: string;
  /** sha256 of the file (line endings normalised): an applied migration must never change. */
  checksum: string;
}

export interface MigrationReport {
  /** `NNNN_name` of each migration applied by this call, in order. */
  applied: string[];
  /** Migrations already recorded before this call. */
  alreadyApplied: number;
  /** Versions recorded in the database that this code does not know (a newer release ran). */
  unknown: number[];
}

function checksumOf(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

function label(m: Pick<Migration, 'version' | 'name'>): string {
  return `${String(m.version).padStart(4, '0')}_${m.name}`;
}

/** Reads and orders the migration files; fails on a misnamed file or a duplicated number. */
export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const entries = await readdir(dir);
  const migrations: Migration[] = [];
  const byVersion = new Map<number, string>();
  for (const file of entries.filter((f) => f.endsWith('.sql')).sort()) {
    const match = FILE_NAME.exec(file);
    if (!match) {
      throw new MigrationError(
        `migration file ${join(dir, file)} is misnamed; name it NNNN_lower_case_name.sql with a number from your reserved range`,
      );
    }
    const version = Number(match[1]);
    const other = byVersion.get(version);
    if (other) {
      throw new MigrationError(
        `migrations ${other} and ${file} share number ${match[1]}; give one of them a free number from its owner's range`,
      );
    }
    byVersion.set(version, file);
    const sql = await readFile(join(dir, file), 'utf8');
    migrations.push({ version, name: match[2], sql, checksum: checksumOf(sql) });
  }
  return migrations.sort((a, b) => a.version - b.version);
}

const CREATE_TABLE = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  checksum   text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/**
 * Applies every migration not yet recorded, in order, each in its own transaction. Safe to call
 * from every replica at start-up: the others wait on the lock and then find nothing to do.
 * A migration missing in the middle (another owner's range landing later) is applied too.
 */
/** How long a replica waits for another one's migrations before it gives up starting. */
const MIGRATION_LOCK_TIMEOUT_MS = 15 * 60_000;

export async function runMigrations(db: SqlDatabase, migrations?: Migration[]): Promise<MigrationReport> {
  const wanted = migrations ?? (await loadMigrations());
  // A replica starting while another migrates waits as long as a large migration may take.
  return db.withLock(
    LOCK_NAME,
    async (session) => {
      await session.exec(CREATE_TABLE);
      const { rows } = await session.query<{ version: number; name: string; checksum: string }>(
        'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
      );
      const recorded = new Map(rows.map((r) => [Number(r.version), r]));
      for (const m of wanted) {
        const done = recorded.get(m.version);
        if (done && done.checksum !== m.checksum) {
          throw new MigrationError(
            `migration ${label(m)} was changed after it was applied (as ${label({ version: m.version, name: done.name })}); ` +
              'restore the applied file and put the change in a new migration',
          );
        }
      }
      const applied: string[] = [];
      for (const m of wanted) {
        if (recorded.has(m.version)) continue;
        try {
          await session.transaction(async (tx) => {
            await tx.exec(m.sql);
            await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
              m.version,
              m.name,
              m.checksum,
            ]);
          });
        } catch (cause) {
          const reason = cause instanceof Error ? cause.message : String(cause);
          throw new MigrationError(`migration ${label(m)} failed and was rolled back: ${reason}`, { cause });
        }
        applied.push(label(m));
      }
      const known = new Set(wanted.map((m) => m.version));
      return {
        applied,
        alreadyApplied: rows.length,
        unknown: [...recorded.keys()].filter((v) => !known.has(v)),
      };
    },
    { timeoutMs: MIGRATION_LOCK_TIMEOUT_MS },
  );
}
