/**
 * The store contract: what every {@link SqlDatabase} implementation must do the same way, run
 * against PostgreSQL (`postgres.int.spec.ts`) and PGlite (`pglite.spec.ts`). Not exported from the
 * package index: it uses Jest's globals.
 */
import type { SqlDatabase } from '../database';
import { isUniqueViolation, MigrationError, SqlState, sqlStateOf } from '../errors';
import { LockTimeoutError } from '../lock';
import { loadMigrations, type Migration, runMigrations } from '../migrations';

export interface StoreHarness {
  /** Opens the store on the harness's storage (one schema, one data directory); every call sees the same data. */
  open(): Promise<SqlDatabase>;
  /**
   * Whether two handles may be open on the storage at once: true for PostgreSQL (two pools, as two
   * replicas would have), false for PGlite (one process owns a data directory).
   */
  multipleHandles: boolean;
  /** Drops the schema or removes the directory. */
  cleanup(): Promise<void>;
}

const CORE_TABLES = [
  'runs',
  'steps',
  'findings',
  'run_findings',
  'webhook_deliveries',
  'cost_ledger',
  'schema_migrations',
];

async function tableCounts(db: SqlDatabase): Promise<Map<string, number>> {
  const { rows } = await db.query<{ table_name: string; n: string }>(
    `SELECT table_name, count(*) AS n FROM information_schema.tables
      WHERE table_schema = current_schema() GROUP BY table_name`,
  );
  return new Map(rows.map((r) => [r.table_name, Number(r.n)]));
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

export function describeStoreContract(name: string, makeHarness: () => Promise<StoreHarness>): void {
  describe(`store contract: ${name}`, () => {
    let harness: StoreHarness;
    let db: SqlDatabase;
    let migrations: Migration[];

    beforeAll(async () => {
      harness = await makeHarness();
      db = await harness.open();
      migrations = await loadMigrations();
      // The first PGlite on a machine builds the cluster template: slow under load, once.
    }, 120_000);

    afterAll(async () => {
      await db?.close();
      await harness?.cleanup();
    });

    it('runs the migrations twice concurrently and ends with one schema', async () => {
      const other = harness.multipleHandles ? await harness.open() : db;
      try {
        const [a, b] = await Promise.all([runMigrations(db), runMigrations(other)]);
        // One of them applied everything; the other waited on the lock and found nothing to do.
        const applied = [...a.applied, ...b.applied].sort();
        expect(applied).toEqual(migrations.map((m) => `${String(m.version).padStart(4, '0')}_${m.name}`));
        expect(Math.min(a.applied.length, b.applied.length)).toBe(0);
      } finally {
        if (other !== db) await other.close();
      }
      const counts = await tableCounts(db);
      for (const table of CORE_TABLES) expect(counts.get(table)).toBe(1);
      const { rows } = await db.query<{ version: number; n: string }>(
        'SELECT version, count(*) AS n FROM schema_migrations GROUP BY version',
      );
      expect(rows).toHaveLength(migrations.length);
      for (const row of rows) expect(Number(row.n)).toBe(1);
    });

    it('finds nothing to do on a second run', async () => {
      const report = await runMigrations(db);
      expect(report.applied).toEqual([]);
      expect(report.alreadyApplied).toBe(migrations.length);
    });

    it('refuses a migration that changed after it was applied', async () => {
      const changed = migrations.map((m, i) =>
        i === 0 ? { ...m, sql: `${m.sql}\n-- edited`, checksum: 'different' } : m,
      );
      await expect(runMigrations(db, changed)).rejects.toBeInstanceOf(MigrationError);
    });

    it('rolls back a failing migration and does not record it', async () => {
      const failing: Migration = {
        version: 9999,
        name: 'failing',
        sql: 'CREATE TABLE contract_half_done (id int); SELECT 1 / 0;',
        checksum: 'x',
      };
      await expect(runMigrations(db, [...migrations, failing])).rejects.toThrow(
        /9999_failing failed and was rolled back/,
      );
      const counts = await tableCounts(db);
      expect(counts.has('contract_half_done')).toBe(false);
      const { rows } = await db.query('SELECT 1 FROM schema_migrations WHERE version = 9999');
      expect(rows).toHaveLength(0);
    });

    it('rolls a transaction back when it throws and commits when it returns', async () => {
      await expect(
        db.transaction(async (tx) => {
          await tx.query(
            `INSERT INTO webhook_deliveries (platform, delivery_id, event) VALUES ('github', 'rolled-back', 'push')`,
          );
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      const committed = await db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO webhook_deliveries (platform, delivery_id, event) VALUES ('github', 'committed', 'push')`,
        );
        return 'done';
      });
      expect(committed).toBe('done');
      const { rows } = await db.query<{ delivery_id: string }>(
        `SELECT delivery_id FROM webhook_deliveries WHERE delivery_id IN ('rolled-back', 'committed')`,
      );
      expect(rows.map((r) => r.delivery_id)).toEqual(['committed']);
    });

    it('returns INT8 as a string, beyond the range of a double', async () => {
      const { rows } = await db.query<{ big: unknown; small: unknown }>(
        'SELECT 9007199254740993::int8 AS big, 42::int8 AS small',
      );
      expect(rows[0]).toEqual({ big: '9007199254740993', small: '42' });
      const inserted = await db.query<{ id: unknown; input_tokens: unknown }>(
        `INSERT INTO cost_ledger (request_id, provider, model, input_tokens) VALUES ($1, 'anthropic', 'claude', $2) RETURNING id, input_tokens`,
        ['int8-check', '9007199254740993'],
      );
      expect(typeof inserted.rows[0].id).toBe('string');
      expect(inserted.rows[0].input_tokens).toBe('9007199254740993');
    });

    it('maps the other common types the same way', async () => {
      const { rows } = await db.query<{
        n: unknown;
        i: unknown;
        j: unknown;
        t: unknown;
        b: unknown;
        a: unknown;
      }>(
        `SELECT 1.250::numeric(14, 6) AS n, 7::int4 AS i, $1::jsonb AS j, $2::timestamptz AS t, true AS b, ARRAY['x', 'y']::text[] AS a`,
        [JSON.stringify({ nested: [1, 'two'] }), new Date('2026-01-02T03:04:05.000Z')],
      );
      expect(rows[0]).toEqual({
        n: '1.250000',
        i: 7,
        j: { nested: [1, 'two'] },
        t: new Date('2026-01-02T03:04:05.000Z'),
        b: true,
        a: ['x', 'y'],
      });
    });

    it('reports rows changed by a write and rows returned by a read', async () => {
      await db.query(
        `INSERT INTO webhook_deliveries (platform, delivery_id, event) VALUES ('gitlab', 'c1', 'push'), ('gitlab', 'c2', 'push')`,
      );
      const updated = await db.query(
        `UPDATE webhook_deliveries SET outcome = 'ignored' WHERE platform = 'gitlab'`,
      );
      expect(updated.rowCount).toBe(2);
      const read = await db.query(`SELECT * FROM webhook_deliveries WHERE platform = 'gitlab'`);
      expect(read.rowCount).toBe(2);
    });

    it('raises a unique violation with SQLSTATE 23505', async () => {
      const insert = () =>
        db.query(
          `INSERT INTO webhook_deliveries (platform, delivery_id, event) VALUES ('github', 'dup-1', 'pull_request')`,
        );
      await insert();
      const error = await insert().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(sqlStateOf(error)).toBe(SqlState.uniqueViolation);
      expect(isUniqueViolation(error)).toBe(true);
    });

    it('keeps findings of one change unique by fingerprint, also without a pull request number', async () => {
      const insert = (pr: number | null) =>
        db.query(
          `INSERT INTO findings (platform, repo, pr, workflow, fingerprint, file, start_line, end_line, severity, category, message,
             confidence, agent, model, source, first_seen_run, first_seen_sha, last_seen_run, last_seen_sha)
           VALUES ('github', 'acme/app', $1, 'review', 'fp-1', 'a.swift', 1, 1, 'major', 'bug', 'm', 0.9, 'code-review', 'm', 'model', 'r1', 's1', 'r1', 's1')`,
          [pr],
        );
      await insert(null);
      await expect(insert(null)).rejects.toMatchObject({ code: SqlState.uniqueViolation });
      await insert(7);
      await expect(insert(7)).rejects.toMatchObject({ code: SqlState.uniqueViolation });
    });

    it('serialises work under one lock name', async () => {
      const other = harness.multipleHandles ? await harness.open() : db;
      try {
        const events: string[] = [];
        const firstHolds = deferred();
        const first = db.withLock('contract-lock', async (session) => {
          events.push('first:start');
          firstHolds.resolve();
          await session.query('SELECT 1');
          await new Promise((r) => setTimeout(r, 200));
          events.push('first:end');
        });
        await firstHolds.promise;
        const second = other.withLock('contract-lock', async () => {
          events.push('second:start');
        });
        await Promise.all([first, second]);
        expect(events).toEqual(['first:start', 'first:end', 'second:start']);
      } finally {
        if (other !== db) await other.close();
      }
    });

    it('lets a lock holder use the database while more waiters than connections wait for its lock', async () => {
      // Issue 17: waiters blocked in pg_advisory_lock held every pool connection, and the holder
      // could never get one to finish. A waiter must hold no connection while it waits.
      const waiters = db.poolSize + 4;
      const holding = deferred();
      const finish = deferred();
      const order: string[] = [];
      const holder = db.withLock('contract-starve', async (session) => {
        await session.query('SELECT 1');
        holding.resolve();
        await finish.promise;
        order.push('holder');
      });
      await holding.promise;
      const waiting = Array.from({ length: waiters }, (_, i) =>
        db.withLock(
          'contract-starve',
          async (session) => {
            await session.query('SELECT 1');
            order.push(`waiter-${i}`);
          },
          { timeoutMs: 60_000 },
        ),
      );
      // Let the waiters reach the server and queue on the lock before the holder needs the pool.
      await new Promise((r) => setTimeout(r, 300));
      let guard: NodeJS.Timeout | undefined;
      const answered = await Promise.race([
        db.query('SELECT 1').then(() => 'answered'),
        new Promise<string>(
          (resolve) => (guard = setTimeout(() => resolve('starved: no connection for the holder'), 15_000)),
        ),
      ]);
      clearTimeout(guard);
      finish.resolve();
      await Promise.all([holder, ...waiting]);
      expect(answered).toBe('answered');
      expect(order[0]).toBe('holder');
      expect(order).toHaveLength(waiters + 1);
    });

    it('gives up waiting for a held lock after its timeout with a retryable LockTimeoutError, and the lock is free after', async () => {
      const other = harness.multipleHandles ? await harness.open() : db;
      try {
        const holding = deferred();
        const finish = deferred();
        const holder = db.withLock('contract-timeout', async () => {
          holding.resolve();
          await finish.promise;
        });
        await holding.promise;
        const error = await other
          .withLock('contract-timeout', async () => 'ran', { timeoutMs: 200 })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(error).toBeInstanceOf(LockTimeoutError);
        expect(error).toMatchObject({ code: 'lock_timeout', retryable: true, lockName: 'contract-timeout' });
        finish.resolve();
        await holder;
        await expect(
          other.withLock('contract-timeout', async () => 'ran', { timeoutMs: 5_000 }),
        ).resolves.toBe('ran');
      } finally {
        if (other !== db) await other.close();
      }
    });

    it('answers ping while open', async () => {
      expect(await db.ping()).toBe(true);
    });

    it('keeps the data after close and reopen', async () => {
      await db.query(
        `INSERT INTO runs (id, workflow, platform, repo, pr, head_sha, trigger) VALUES ('run-durable', 'review', 'github', 'acme/app', 1, 'abc', 'manual')`,
      );
      await db.close();
      expect(await db.ping()).toBe(false);
      db = await harness.open();
      const { rows } = await db.query<{ id: string }>(`SELECT id FROM runs WHERE id = 'run-durable'`);
      expect(rows).toEqual([{ id: 'run-durable' }]);
      const report = await runMigrations(db);
      expect(report.applied).toEqual([]);
    });
  });
}
