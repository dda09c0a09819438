import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { SEVERITIES, SEVERITY_RANK, type Severity } from '@agentflow/contracts';
import {
  analyze,
  directoryReader,
  discoverCoverage,
  gitDiffAgainst,
  gitFileReader,
  parseCoverage,
  parseUnifiedDiff,
  renderText,
  toJsonDocument,
  writeSarif,
  type CoverageReport,
} from '@agentflow/mobile';

const FORMATS = ['text', 'json', 'sarif'] as const;
type Format = (typeof FORMATS)[number];

interface AnalyzeOptions {
  diff?: string;
  base?: string;
  format: string;
  failOn?: string;
  coverage: string[];
}

/** A mistake in how the command was called; the message says what to change. */
class UsageError extends Error {}

function useColour(): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(process.stdout.isTTY);
}

function readDiffText(file: string): string {
  if (file === '-') return readFileSync(0, 'utf8');
  if (!existsSync(file)) throw new UsageError(`--diff ${file}: no such file`);
  return readFileSync(file, 'utf8');
}

function run(path: string, options: AnalyzeOptions): number {
  const root = resolve(path);
  if (!existsSync(root) || !statSync(root).isDirectory())
    throw new UsageError(`PATH ${path} is not a directory`);
  if (options.diff && options.base) throw new UsageError('give either --diff FILE or --base REF, not both');
  if (!FORMATS.includes(options.format as Format))
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}; got ${options.format}`);
  const failOn = options.failOn as Severity | undefined;
  if (failOn !== undefined && !SEVERITIES.includes(failOn))
    throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(', ')}; got ${options.failOn}`);

  const repo = directoryReader(root);
  let diffText: string | undefined;
  let readOld: ((p: string) => string | undefined) | undefined;
  if (options.diff) diffText = readDiffText(options.diff);
  if (options.base) {
    diffText = gitDiffAgainst(root, options.base);
    readOld = gitFileReader(root, options.base);
  }
  const diff = diffText === undefined ? undefined : parseUnifiedDiff(diffText);
  // An empty diff is no change; text that yields no file is not a diff at all, and analysing nothing would pass.
  if (options.diff && diff?.length === 0 && diffText!.trim() !== '') {
    throw new UsageError(
      `--diff ${options.diff} is not a unified diff: none of its ${Buffer.byteLength(diffText!)} bytes start a file (\`diff --git\`, \`---\`/\`+++\`); produce it with \`git diff\` or \`diff -u\` and pass it unchanged`,
    );
  }

  const coverage: CoverageReport[] = [];
  for (const file of options.coverage) {
    if (!existsSync(file)) throw new UsageError(`--coverage ${file}: no such file`);
    coverage.push(parseCoverage(readFileSync(file, 'utf8')));
  }
  const discovered = discoverCoverage(repo);
  coverage.push(...discovered.reports);
  if (discovered.found.length)
    process.stderr.write(`agentflow analyze: using coverage from ${discovered.found.join(', ')}\n`);
  for (const p of discovered.problems)
    process.stderr.write(`agentflow analyze: skipped coverage ${p.file}: ${p.problem}\n`);

  const report = analyze({ repo, diff, readOld, coverage });
  const format = options.format as Format;
  if (format === 'json') process.stdout.write(`${JSON.stringify(toJsonDocument(report), null, 2)}\n`);
  else if (format === 'sarif')
    process.stdout.write(
      `${JSON.stringify(writeSarif(report.findings, { root, toolVersion: '0.1.0' }), null, 2)}\n`,
    );
  else
    process.stdout.write(
      renderText(report, {
        color: useColour(),
        title: `agentflow analyze ${path}${options.diff ? ` --diff ${options.diff}` : ''}${options.base ? ` --base ${options.base}` : ''}`,
      }),
    );

  if (format !== 'text')
    process.stderr.write(
      `agentflow analyze: ${report.findings.length} finding(s) in ${report.filesAnalysed} file(s)\n`,
    );
  if (failOn === undefined) return 0;
  const worst = report.findings.filter((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[failOn]);
  if (worst.length)
    process.stderr.write(`agentflow analyze: failing: ${worst.length} finding(s) at or above ${failOn}\n`);
  return worst.length ? 1 : 0;
}

/**
 * `agentflow analyze PATH [--diff FILE | --base REF] [--format text|json|sarif] [--fail-on SEVERITY]`:
 * the deterministic mobile analysers, no model, no network. Without --diff or --base every file
 * under PATH is analysed (PATH need not be a git repository). With json or sarif, stdout holds only
 * the document and logs go to stderr. Exit 0, or 1 when --fail-on is given and met, 2 when the analysis cannot run (bad usage, unreadable diff, git error).
 */
export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description(
      'run the mobile security, release-risk, localisation, dependency and test rules (no model, no network)',
    )
    .argument('<path>', 'directory to analyse (a checkout; need not be a git repository)')
    .option(
      '--diff <file>',
      'analyse only the changes in this unified diff (`-` reads stdin); PATH holds its new side',
    )
    .option('--base <ref>', 'analyse the changes of the working tree against this git ref')
    .option('--format <format>', `output format: ${FORMATS.join(', ')}`, 'text')
    .option(
      '--fail-on <severity>',
      `exit 1 when a finding is at least this severe (${SEVERITIES.join(', ')})`,
    )
    .option(
      '--coverage <file>',
      'coverage report (lcov, JaCoCo, Cobertura, xccov JSON); repeatable',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .action((path: string, options: AnalyzeOptions) => {
      try {
        process.exitCode = run(path, options);
      } catch (error) {
        process.stderr.write(
          `agentflow analyze: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        // 1 means "--fail-on met"; anything that stops the analysis itself is 2.
        process.exitCode = 2;
      }
    });
}
