import { InvalidArgumentError, type Command } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { oneOf } from './choice-option';
import type { UsefulnessGroup } from '@agentflow/store';

const FORMATS = ['table', 'json'] as const;
/**
 * The groups of `--by`, as `usefulnessReport` takes them (`USEFULNESS_GROUPS` of @agentflow/store,
 * which the spec holds this list to). Written out so `--help` does not load the store's drivers.
 */
export const USEFULNESS_BY = ['agent', 'rule', 'category', 'model', 'repo'] as const;
type Format = (typeof FORMATS)[number];

/** `--since`: a date (`2026-11-01`, midnight UTC) or an instant (`2026-11-01T12:00:00Z`). */
export function parseSince(value: string): Date {
  const at = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : new Date(value);
  if (Number.isNaN(at.getTime()))
    throw new InvalidArgumentError(`expected a date (YYYY-MM-DD) or an ISO 8601 instant, got ${value}`);
  return at;
}

interface UsefulnessCliOptions {
  by: UsefulnessGroup;
  since?: Date;
  database?: string;
  schema?: string;
  format: Format;
}

/**
 * `agentflow usefulness [--by agent|rule|category|model|repo] [--since DATE] [--database URL]`:
 * what engineers did with agentflow's findings (acted on, dismissed, ignored at merge, threads
 * resolved, comments per PR), each rate beside the sample it divides by. Reads `--database`, else
 * DATABASE_URL, else the PGlite of the local data directory. docs/usefulness.md explains the measures.
 */
export function registerUsefulness(program: Command): void {
  program
    .command('usefulness')
    .description(
      'how often findings were acted on, dismissed or ignored, per agent, rule, category, model or repository, with the sample sizes (see docs/usefulness.md)',
    )
    .option(
      '--by <group>',
      `group by ${USEFULNESS_BY.join('|')}`,
      oneOf(USEFULNESS_BY),
      'agent' as UsefulnessGroup,
    )
    .option(
      '--since <date>',
      'only findings first posted at or after this date (YYYY-MM-DD, UTC) or instant',
      parseSince,
    )
    .option(
      '--database <url>',
      'PostgreSQL URL (default: DATABASE_URL, else the PGlite in AGENTFLOW_DATA_DIR)',
    )
    .option('--schema <name>', 'schema of the tables (default: DATABASE_SCHEMA, else public)')
    .option('--format <format>', FORMATS.join('|'), oneOf(FORMATS), 'table' as Format)
    .action(async (options: UsefulnessCliOptions) => {
      const { openDatabase, pgliteDirOf, DEFAULT_DATA_DIR, usefulnessReport, renderUsefulnessTable } =
        await import('@agentflow/store');
      const env = process.env;
      const databaseUrl = options.database || env.DATABASE_URL || undefined;
      let db;
      try {
        const dataDir = resolve(env.AGENTFLOW_DATA_DIR || DEFAULT_DATA_DIR);
        if (!databaseUrl && !existsSync(pgliteDirOf(dataDir))) {
          throw new InvalidArgumentError(
            `no database: pass --database or set DATABASE_URL, or AGENTFLOW_DATA_DIR to the data directory of agentflow up (${pgliteDirOf(dataDir)} does not exist)`,
          );
        }
        db = await openDatabase({
          databaseUrl,
          dataDir: pgliteDirOf(dataDir),
          schema: options.schema || env.DATABASE_SCHEMA || undefined,
        });
        const report = await usefulnessReport(db, { by: options.by, since: options.since });
        process.stdout.write(
          `${options.format === 'json' ? JSON.stringify(report, null, 2) : renderUsefulnessTable(report)}\n`,
        );
      } catch (error) {
        process.stderr.write(
          `agentflow usefulness: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        process.exitCode = 2;
      } finally {
        await db?.close();
      }
    });
}
