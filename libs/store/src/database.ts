/**
 * The SQL port. PostgreSQL through `pg` in production, PGlite on one machine; the same
 * migrations and the same SQL run on both (PostgreSQL 15 and PGlite's 18: write SQL both accept).
 */
export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

export interface SqlExecutor {
  /** Parameterised query (`$1`, `$2`, ...). INT8 comes back as a string on both implementations. */
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResult<Row>>;
}

export interface SqlDatabase extends SqlExecutor {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction; rolls back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
