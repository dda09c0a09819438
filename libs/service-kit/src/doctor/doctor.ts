/**
 * `agentflow doctor`: every check, in the order the report lists them, run against one context
 * (the CLI's environment, or a deployed ingress's). Adding a check is adding a function here.
 */
import { readFileSync } from 'node:fs';
import type { ProvidersConfig, Topology } from '@agentflow/contracts';
import { checkGitHub } from './github';
import { checkNats, checkPostgres } from './infrastructure';
import { checkGitLab, checkSlack, checkWebhookSecrets } from './platforms';
import { line, type DoctorCheck, type DoctorContext, type DoctorReport, type Env } from './report';
import { checkVendors } from './vendors';

export const DOCTOR_CHECKS: ReadonlyArray<[name: string, check: DoctorCheck]> = [
  ['vendors', checkVendors],
  ['github', checkGitHub],
  ['gitlab', checkGitLab],
  ['slack', checkSlack],
  ['nats', checkNats],
  ['postgresql', checkPostgres],
  ['webhook secrets', checkWebhookSecrets],
];

export interface RunDoctorOptions {
  env: Env;
  topology: Topology;
  providers?: ProvidersConfig;
  from: DoctorReport['from'];
  fetch?: typeof fetch;
  readFile?: (path: string) => string | undefined;
  now?: () => number;
  /** @default 5000 */
  timeoutMs?: number;
}

export async function runDoctor(options: RunDoctorOptions): Promise<DoctorReport> {
  const ctx: DoctorContext = {
    env: options.env,
    topology: options.topology,
    providers: options.providers,
    fetch: options.fetch ?? globalThis.fetch,
    readFile:
      options.readFile ??
      ((path) => {
        try {
          return readFileSync(path, 'utf8');
        } catch {
          return undefined;
        }
      }),
    now: options.now ?? Date.now,
    timeoutMs: options.timeoutMs ?? 5000,
  };
  // Independent checks run at once: the report takes as long as the slowest, not the sum.
  const results = await Promise.all(
    DOCTOR_CHECKS.map(async ([name, check]) => {
      try {
        return await check(ctx);
      } catch (error) {
        return [
          line(
            name,
            'broken',
            `the check itself failed: ${error instanceof Error ? error.message : String(error)}`,
            'report this as a bug with the line above',
          ),
        ];
      }
    }),
  );
  const lines = results.flat();
  return {
    at: new Date(ctx.now()).toISOString(),
    from: options.from,
    lines,
    broken: lines.some((l) => l.state === 'broken'),
  };
}

/** The report as the terminal shows it: one line per check, the fix under it. */
export function renderDoctorReport(report: DoctorReport): string {
  const width = Math.max(...report.lines.map((l) => l.check.length), 6);
  const out = report.lines.map(
    (l) =>
      `${l.state.padEnd(7)}${l.check.padEnd(width + 2)}${l.detail}${l.fix ? `\n${' '.repeat(9 + width)}-> ${l.fix}` : ''}`,
  );
  const broken = report.lines.filter((l) => l.state === 'broken').length;
  out.push(
    '',
    broken
      ? `${broken} broken (checked ${report.from}, ${report.at})`
      : `nothing broken (checked ${report.from}, ${report.at})`,
  );
  return out.join('\n');
}
