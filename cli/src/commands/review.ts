import type { Command } from 'commander';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import type { Finding, RunReport } from '@agentflow/contracts';
import { OFFLINE_KEY, OFFLINE_KEY_ENV, realVendors, REPO_ROOT, writeOfflineProviders } from '../demo/stack';
import { ProgressDisplay, wantsColour } from '../progress/progress';
import { loadPlan, resolveLocalChange, resolveWorkflowsDir, runLocalReview } from '../review/local-review';

const SEVERITY_ORDER: Record<string, number> = { blocker: 0, major: 1, minor: 2, info: 3 };

/** `file:line severity message`, then the suggestion indented below it. Sorted by file and line. */
export function formatFindings(findings: readonly Finding[]): string[] {
  const sorted = [...findings].sort((a, b) => a.file.localeCompare(b.file) || a.startLine - b.startLine || (SEVERITY_ORDER[a.severity] ?? 9) - (SEVERITY_ORDER[b.severity] ?? 9));
  const lines: string[] = [];
  for (const f of sorted) {
    lines.push(`${f.file}:${f.startLine} ${f.severity} ${f.message.replace(/\s+/g, ' ').trim()}`);
    if (f.suggestion) {
      if (f.suggestion.description) lines.push(`    suggestion: ${f.suggestion.description}`);
      lines.push(...f.suggestion.replacement.split('\n').map((l) => `    | ${l}`));
    }
  }
  return lines;
}

/** 1 when the workflow's gate failed, 0 otherwise (success or neutral). */
export function exitCodeOf(report: Pick<RunReport, 'gateConclusion'>): number {
  return report.gateConclusion === 'failure' ? 1 : 0;
}

/**
 * `agentflow review [--base origin/main] [--workflow NAME] [--json]`: a workflow on this repository's
 * diff against its base, in this process; exit code 1 when the workflow's gate fails, 2 when the
 * review could not run.
 */
export function registerReview(program: Command): void {
  program
    .command('review')
    .description('review the local git diff (HEAD against the merge base) with a workflow, in this process; exit 1 when its gate fails (pre-push hook, CI step)')
    .option('--base <ref>', 'compare against the merge base with this ref (default: origin/main, else main, else master)')
    .option('--workflow <name>', 'workflow id or name from the config directory', 'pr-review')
    .option('--coverage <file>', 'coverage report for the test-coverage checks (LCOV, JaCoCo, Cobertura, xccov JSON)')
    .option('--sarif <file>', 'SARIF report of a linter (SwiftLint, detekt, Android Lint) to merge into the findings')
    .option('--json', 'print one JSON document: the change, the findings and the gate')
    .option('--timeout <seconds>', 'give up after this long', (v) => Number(v), 600)
    .addHelpText(
      'after',
      '\nVendors: ANTHROPIC_API_KEY / OPENAI_API_KEY (or PROVIDERS_FILE); with neither, the offline fake vendor answers and its findings are marked [simulated].\nConfig: AGENTFLOW_WORKFLOWS_DIR, else the nearest workflows/ with a providers.yml, else the bundled workflows.\nExit codes: 0 gate passed or neutral, 1 gate failed, 2 the review could not run.',
    )
    .action(async (options: { base?: string; workflow: string; coverage?: string; sarif?: string; json?: boolean; timeout: number }) => {
      const progress = new ProgressDisplay(process.stderr, { colour: wantsColour(process.stderr, process.env), quiet: Boolean(options.json) });
      const cleanup: Array<() => Promise<unknown>> = [];
      try {
        const change = resolveLocalChange(process.cwd(), options.base);
        const dir = await resolveWorkflowsDir(change.root, process.env, join(REPO_ROOT, 'workflows'));
        const plan = await loadPlan(dir, options.workflow);
        const env: Record<string, string | undefined> = { ...process.env, PROVIDERS_FILE: process.env.PROVIDERS_FILE || join(dir, 'providers.yml') };
        if (!env.GATEWAY_CONFIG_FILE && existsSync(join(dir, 'gateway.yml'))) env.GATEWAY_CONFIG_FILE = join(dir, 'gateway.yml');
        const offline = !process.env.PROVIDERS_FILE && realVendors(process.env).length === 0;
        if (offline) {
          const { FakeVendorServer } = await import('@agentflow/fake-vendor');
          const fake = new FakeVendorServer({ log: 'count' });
          const url = await fake.start();
          cleanup.push(() => fake.close());
          const tmp = mkdtempSync(join(tmpdir(), 'agentflow-review-providers-'));
          cleanup.push(async () => rmSync(tmp, { recursive: true, force: true }));
          writeOfflineProviders(env.PROVIDERS_FILE!, join(tmp, 'providers.yml'), url);
          env.PROVIDERS_FILE = join(tmp, 'providers.yml');
          env[OFFLINE_KEY_ENV] = OFFLINE_KEY;
          progress.print('agentflow review: OFFLINE (no ANTHROPIC_API_KEY or OPENAI_API_KEY): model findings are simulated and marked [simulated]; the analysers are real.');
        }
        progress.step(`${plan.id} on ${change.baseRef}..HEAD`, 'running', `${change.baseSha.slice(0, 10)}..${change.headSha.slice(0, 10)}`);
        const artifacts = [options.coverage, options.sarif].filter((a): a is string => Boolean(a)).map((a) => resolvePath(a));
        const missing = artifacts.find((a) => !existsSync(a));
        if (missing) throw new Error(`${missing} does not exist`);
        const { report, failed } = await runLocalReview({ change, plan, env, artifacts, timeoutMs: options.timeout * 1000, onStep: (step, state, detail) => progress.step(step, state as never, detail) });
        const code = exitCodeOf(report);
        if (options.json) {
          process.stdout.write(`${JSON.stringify({ workflow: plan.id, base: change.baseSha, head: change.headSha, gate: report.gateConclusion, gateSummary: report.gateSummary, failed, offline, findings: report.findings, notReviewed: report.notReviewed, costUsd: report.usage.costUsd, exitCode: code }, null, 2)}\n`);
        } else {
          const lines = formatFindings(report.findings);
          process.stdout.write(lines.length ? `${lines.join('\n')}\n` : 'no findings\n');
          if (failed) process.stdout.write(`run failed: ${failed.code}: ${failed.reason}\n`);
          process.stdout.write(`gate ${report.gateConclusion}: ${report.gateSummary} (${report.findings.length} findings, $${report.usage.costUsd.toFixed(4)})\n`);
        }
        process.exitCode = code;
      } catch (error) {
        process.stderr.write(`agentflow review: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 2;
      } finally {
        for (const c of cleanup.reverse()) await c().catch(() => undefined);
      }
    });
}
