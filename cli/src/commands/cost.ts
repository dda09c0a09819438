import { InvalidArgumentError, type Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { oneOf } from './choice-option';
import { parse } from 'yaml';
import {
  COST_GROUPS,
  costReport,
  renderCostCsv,
  renderCostTable,
  type CostCentreMap,
  type CostGroup,
} from '../cost/ledger';

const FORMATS = ['table', 'csv', 'json'] as const;
type Format = (typeof FORMATS)[number];

/** Reads a repository -> cost-centre map: YAML or JSON, `{ "acme/ios-app": "mobile-ios", "acme/android-*": "mobile-android" }`. */
export function readCostCentres(path: string): CostCentreMap {
  let data: unknown;
  try {
    data = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InvalidArgumentError(`cannot read the cost-centre map ${path}: ${(error as Error).message}`);
  }
  const map = (data as { costCentres?: unknown })?.costCentres ?? data;
  if (
    !map ||
    typeof map !== 'object' ||
    Array.isArray(map) ||
    Object.values(map).some((v) => typeof v !== 'string')
  ) {
    throw new InvalidArgumentError(
      `${path}: expected a map of repository (owner/name, or a prefix ending in *) to cost centre name`,
    );
  }
  return map as CostCentreMap;
}

/**
 * `agentflow cost [--by team|repo|project|model|service|day] [--month YYYY-MM] [--format table|csv|json]`:
 * the cost ledger of DATABASE_URL (or the local data directory), used spend apart from waste, and
 * the cost per merged PR (merges the ingress recorded in the period) beside the cost per reviewed PR.
 */
export function registerCost(program: Command): void {
  program
    .command('cost')
    .description(
      'cost report from the ledger (DATABASE_URL, or PGlite in AGENTFLOW_DATA_DIR): used spend, waste (superseded runs, retries, fallbacks) apart, cost per merged PR and per reviewed PR',
    )
    .option('--by <group>', `group by ${COST_GROUPS.join('|')}`, oneOf(COST_GROUPS), 'model' as CostGroup)
    .option('--month <YYYY-MM>', 'only this calendar month (UTC)')
    .option('--format <format>', FORMATS.join('|'), oneOf(FORMATS), 'table' as Format)
    .option(
      '--centres <file>',
      'repository -> cost centre map, YAML or JSON (default: AGENTFLOW_COST_CENTRES)',
    )
    .action(async (options: { by: CostGroup; month?: string; format: Format; centres?: string }) => {
      const { openDatabase, pgliteDirOf, DEFAULT_DATA_DIR } = await import('@agentflow/store');
      const env = process.env;
      const centresFile = options.centres ?? env.AGENTFLOW_COST_CENTRES;
      let db;
      try {
        const costCentres = centresFile ? readCostCentres(centresFile) : undefined;
        const dataDir = resolve(env.AGENTFLOW_DATA_DIR || DEFAULT_DATA_DIR);
        if (!env.DATABASE_URL && !existsSync(pgliteDirOf(dataDir))) {
          throw new InvalidArgumentError(
            `no database: set DATABASE_URL, or AGENTFLOW_DATA_DIR to the data directory of agentflow up (${pgliteDirOf(dataDir)} does not exist)`,
          );
        }
        db = await openDatabase({
          databaseUrl: env.DATABASE_URL || undefined,
          dataDir: pgliteDirOf(dataDir),
          schema: env.DATABASE_SCHEMA || undefined,
        });
        const report = await costReport(db, { by: options.by, month: options.month, costCentres });
        const text =
          options.format === 'json'
            ? JSON.stringify(report, null, 2)
            : options.format === 'csv'
              ? renderCostCsv(report)
              : renderCostTable(report);
        process.stdout.write(`${text}\n`);
      } catch (error) {
        process.stderr.write(`agentflow cost: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 2;
      } finally {
        await db?.close();
      }
    });
}
