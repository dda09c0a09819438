import type { Command } from 'commander';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { OFFLINE_KEY, OFFLINE_KEY_ENV, realVendors, REPO_ROOT, writeOfflineProviders } from '../demo/stack';
import { ProgressDisplay, wantsColour } from '../progress/progress';
import { EXIT_CODES_HELP, EXIT_USAGE, exitCodeOf } from '../review/exit-code';
import {
  loadPlan,
  resolveLocalChange,
  resolveWorkflowsDir,
  ReviewSetupError,
  runLocalReview,
} from '../review/local-review';
import { renderReviewText } from '../review/report-text';
import { modeBanner, planForMode, reviewMode } from '../review/review-modes';

export { exitCodeOf } from '../review/exit-code';
export { formatFindings } from '../review/report-text';

/** `--timeout` in seconds: a positive number, or the review is refused before anything starts. */
export function parseTimeoutSeconds(value: string): number {
  const seconds = Number(value);
  if (!value.trim() || !Number.isFinite(seconds) || seconds <= 0) {
    throw new ReviewSetupError(
      `--timeout ${value}: give the number of seconds the review may take, greater than 0 (for example --timeout 600)`,
    );
  }
  return seconds;
}

/**
 * `agentflow review [--base origin/main] [--workflow NAME] [--json] [--simulate]`: a workflow on this
 * repository's diff against its base, in this process; exit codes in {@link EXIT_CODES_HELP}.
 */
export function registerReview(program: Command): void {
  program
    .command('review')
    .description(
      'review the local git diff (HEAD against the merge base) with a workflow, in this process; exit 1 when its gate fails (pre-push hook, CI step)',
    )
    .option(
      '--base <ref>',
      'compare against the merge base with this ref (default: origin/main, else main, else master)',
    )
    .option('--workflow <name>', 'workflow id or name from the config directory', 'pr-review')
    .option(
      '--coverage <file>',
      'coverage report for the test-coverage checks (LCOV, JaCoCo, Cobertura, xccov JSON)',
    )
    .option(
      '--sarif <file>',
      'SARIF report of a linter (SwiftLint, detekt, Android Lint) to merge into the findings',
    )
    .option('--json', 'print one JSON document: the change, the findings and the gate')
    .option('--timeout <seconds>', 'give up after this many seconds (greater than 0)', '600')
    .option(
      '--simulate',
      'without a vendor key, answer the model steps with the offline fake vendor: its findings are shown marked [simulated] and never gated',
    )
    .addHelpText(
      'after',
      `\nVendors: ANTHROPIC_API_KEY / OPENAI_API_KEY (or PROVIDERS_FILE). With neither the review is offline: the deterministic analysers only (--simulate adds the fake vendor's [simulated] findings, never gated).\nConfig: AGENTFLOW_WORKFLOWS_DIR, else the nearest workflows/ with a providers.yml, else the bundled workflows.\n${EXIT_CODES_HELP}`,
    )
    .action(
      async (options: {
        base?: string;
        workflow: string;
        coverage?: string;
        sarif?: string;
        json?: boolean;
        timeout: string;
        simulate?: boolean;
      }) => {
        const progress = new ProgressDisplay(process.stderr, {
          colour: wantsColour(process.stderr, process.env),
          quiet: Boolean(options.json),
        });
        const cleanup: Array<() => Promise<unknown>> = [];
        try {
          const timeoutSeconds = parseTimeoutSeconds(options.timeout);
          const change = resolveLocalChange(process.cwd(), options.base);
          const dir = await resolveWorkflowsDir(change.root, process.env, join(REPO_ROOT, 'workflows'));
          const loaded = await loadPlan(dir, options.workflow);
          const env: Record<string, string | undefined> = {
            ...process.env,
            PROVIDERS_FILE: process.env.PROVIDERS_FILE || join(dir, 'providers.yml'),
          };
          if (!env.GATEWAY_CONFIG_FILE && existsSync(join(dir, 'gateway.yml')))
            env.GATEWAY_CONFIG_FILE = join(dir, 'gateway.yml');
          const offline = !process.env.PROVIDERS_FILE && realVendors(process.env).length === 0;
          const mode = reviewMode(offline, Boolean(options.simulate));
          const plan = planForMode(loaded, mode);
          if (offline) {
            // The gateway still starts against the fake vendor; in rules-only mode no step asks it anything.
            const { FakeVendorServer } = await import('@agentflow/fake-vendor');
            const fake = new FakeVendorServer({ log: 'count' });
            const url = await fake.start();
            cleanup.push(() => fake.close());
            const tmp = mkdtempSync(join(tmpdir(), 'agentflow-review-providers-'));
            cleanup.push(async () => rmSync(tmp, { recursive: true, force: true }));
            writeOfflineProviders(env.PROVIDERS_FILE!, join(tmp, 'providers.yml'), url);
            env.PROVIDERS_FILE = join(tmp, 'providers.yml');
            env[OFFLINE_KEY_ENV] = OFFLINE_KEY;
            progress.print(modeBanner(mode)!);
          } else if (options.simulate) {
            progress.print(
              'agentflow review: --simulate applies only without a vendor key; the real vendors review this change.',
            );
          }
          progress.step(
            `${plan.id} on ${change.baseRef}..HEAD`,
            'running',
            `${change.baseSha.slice(0, 10)}..${change.headSha.slice(0, 10)}`,
          );
          const artifacts = [options.coverage, options.sarif]
            .filter((a): a is string => Boolean(a))
            .map((a) => resolvePath(a));
          const missing = artifacts.find((a) => !existsSync(a));
          if (missing) throw new Error(`${missing} does not exist`);
          const { report, failed } = await runLocalReview({
            change,
            plan,
            env,
            artifacts,
            timeoutMs: timeoutSeconds * 1000,
            onStep: (step, state, detail) => progress.step(step, state as never, detail),
          });
          const code = exitCodeOf(report, Boolean(failed));
          if (options.json) {
            const incomplete = (report.incompleteSteps ?? []).map((id) => ({
              step: id,
              ...report.steps[id],
            }));
            process.stdout.write(
              `${JSON.stringify({ workflow: plan.id, base: change.baseSha, head: change.headSha, gate: report.gateConclusion, gateSummary: report.gateSummary, failed, offline, mode, findings: report.findings, notReviewed: report.notReviewed, incomplete, costUsd: report.usage.costUsd, exitCode: code }, null, 2)}\n`,
            );
          } else {
            process.stdout.write(`${renderReviewText({ report, failed, mode }).join('\n')}\n`);
          }
          process.exitCode = code;
        } catch (error) {
          process.stderr.write(
            `agentflow review: ${error instanceof Error ? error.message : String(error)}\n`,
          );
          process.exitCode = EXIT_USAGE;
        } finally {
          for (const c of cleanup.reverse()) await c().catch(() => undefined);
        }
      },
    );
}
