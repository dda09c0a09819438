/**
 * Store errors and PostgreSQL error codes. Both implementations raise errors carrying the
 * SQLSTATE in `code` (pg's DatabaseError and PGlite's error alike), so callers check `e.code`,
 * never the class or the message.
 */
import { AgentflowError } from '@agentflow/contracts';

/** SQLSTATE codes the code base reacts to. */
export const SqlState = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  undefinedTable: '42P01',
  duplicateSchema: '42P06',
  duplicateObject: '42710',
  adminShutdown: '57P01',
  cannotConnectNow: '57P03',
} as const;

/** The SQLSTATE of a database error, or undefined when `error` did not come from the database. */
export function sqlStateOf(error: unknown): string | undefined {
  if (error && typeof error === 'object' && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

export function isUniqueViolation(error: unknown): boolean {
  return sqlStateOf(error) === SqlState.uniqueViolation;
}

/**
 * SQLSTATE class 22, "data exception": the values themselves are wrong (a NUL in text, 22021; a
 * number out of range for its column, 22003; an invalid date, 22008). The same statement fails the
 * same way on every retry, so it is permanent: record it, never retry it.
 */
export function isSqlDataError(error: unknown): boolean {
  return sqlStateOf(error)?.startsWith('22') ?? false;
}

/** Conflicts that a retry of the whole transaction resolves. */
export function isRetryableSqlError(error: unknown): boolean {
  const code = sqlStateOf(error);
  if (code === undefined) return false;
  return (
    code === SqlState.serializationFailure ||
    code === SqlState.deadlockDetected ||
    code === SqlState.adminShutdown ||
    code === SqlState.cannotConnectNow ||
    code.startsWith('08') // connection exceptions
  );
}

/** The migration set on disk or in the database is inconsistent; a human has to fix it. */
export class MigrationError extends AgentflowError {
  readonly code = 'migration_failed';
  readonly retryable = false;
}

/** Another live process holds the PGlite data directory; PGlite serves one process only. */
export class DataDirInUseError extends AgentflowError {
  readonly code = 'data_dir_in_use';
  readonly retryable = false;
}

/** The database options are invalid (a schema name that is not a plain identifier, a bad URL). */
export class DatabaseConfigError extends AgentflowError {
  readonly code = 'database_config_invalid';
  readonly retryable = false;
}
