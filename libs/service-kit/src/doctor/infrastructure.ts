/** NATS (JetStream on, streams and buckets there, server version) and PostgreSQL (reachable, migrated). */
import { inspectNats } from '@agentflow/bus';
import { loadMigrations, openDatabase } from '@agentflow/store';
import { line, unreachable, type DoctorContext, type DoctorLine } from './report';

export async function checkNats(ctx: DoctorContext): Promise<DoctorLine[]> {
  const url = ctx.env.NATS_URL;
  if (!url)
    return [
      line(
        'nats',
        'off',
        'NATS_URL unset: the embedded bus (one process on one machine)',
        'set NATS_URL to run services apart or several replicas',
      ),
    ];
  let found;
  try {
    found = await inspectNats(url, ctx.topology, ctx.timeoutMs);
  } catch (error) {
    return [
      line(
        'nats',
        'broken',
        `cannot connect to ${url}: ${unreachable(error)}`,
        'start nats-server with -js, or fix NATS_URL',
      ),
    ];
  }
  if (!found.jetstream) {
    return [
      line(
        'nats',
        'broken',
        `JetStream is off on ${url} (nats-server ${found.version}: ${found.jetstreamError})`,
        'start nats-server with -js (or a jetstream {} block in its config)',
      ),
    ];
  }
  if (found.missing.length > 0) {
    return [
      line(
        'nats',
        'broken',
        `nats-server ${found.version}, JetStream on; ${found.missing.length} of ${found.missing.length + found.present} streams and buckets missing: ${found.missing.join(', ')}`,
        'start agentflow once (each service provisions them at start-up); check AGENTFLOW_BUS_PREFIX',
      ),
    ];
  }
  return [
    line(
      'nats',
      'ok',
      `nats-server ${found.version}, JetStream on, all ${found.present} streams and buckets present`,
    ),
  ];
}

export async function checkPostgres(ctx: DoctorContext): Promise<DoctorLine[]> {
  const url = ctx.env.DATABASE_URL;
  if (!url)
    return [
      line(
        'postgresql',
        'off',
        'DATABASE_URL unset: PGlite in AGENTFLOW_DATA_DIR (one machine)',
        'set DATABASE_URL for a shared PostgreSQL',
      ),
    ];
  let db;
  try {
    db = await openDatabase({
      databaseUrl: url,
      schema: ctx.env.DATABASE_SCHEMA || undefined,
      maxConnections: 1,
    });
    if (!(await db.ping()))
      return [
        line(
          'postgresql',
          'broken',
          'the database does not answer',
          'check DATABASE_URL and that PostgreSQL runs',
        ),
      ];
    const known = await loadMigrations();
    let applied: number[] = [];
    try {
      applied = (await db.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) =>
        Number(r.version),
      );
    } catch {
      applied = [];
    }
    const missing = known.filter((m) => !applied.includes(m.version));
    if (missing.length > 0) {
      const names = missing.map((m) => `${String(m.version).padStart(4, '0')}_${m.name}`);
      return [
        line(
          'postgresql',
          'broken',
          `reachable; ${missing.length} of ${known.length} migrations not applied (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''})`,
          'start agentflow once: every service applies the migrations at start-up',
        ),
      ];
    }
    const newer = applied.filter((v) => !known.some((m) => m.version === v));
    return [
      line(
        'postgresql',
        'ok',
        `reachable, all ${known.length} migrations applied${newer.length ? `, and ${newer.length} newer ones from a later release` : ''}`,
      ),
    ];
  } catch (error) {
    return [
      line(
        'postgresql',
        'broken',
        `cannot use ${url.replace(/\/\/[^@]*@/, '//***@')}: ${unreachable(error)}`,
        'check DATABASE_URL (host, credentials, database) and that PostgreSQL runs',
      ),
    ];
  } finally {
    await db?.close();
  }
}
