import { InvalidArgumentError, type Command } from 'commander';
import { CiClient, CiUsageError, type ApiRun } from '../api/ci-client';
import { headShaFromEnv, platformFromEnv, repoFromEnv } from '../api/ci-env';
import { ProgressDisplay, wantsColour } from '../progress/progress';

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('expected a whole number of 1 or more');
  return n;
}

/** Exit code of a finished run: 1 when its gate failed or the run did not complete, else 0. */
export function exitCodeOfRun(run: Pick<ApiRun, 'status' | 'gateConclusion'>): number {
  if (run.status !== 'completed') return 1;
  return run.gateConclusion === 'failure' ? 1 : 0;
}

interface TriggerOptions {
  workflow: string;
  pr?: number;
  repo?: string;
  sha?: string;
  platform?: 'github' | 'gitlab';
  coverage?: string;
  sarif?: string;
  wait?: boolean;
  timeout: number;
  json?: boolean;
  url?: string;
  token?: string;
}

/**
 * `agentflow trigger --workflow NAME --pr N [--repo R] [--coverage FILE] [--sarif FILE] [--wait]`:
 * asks a deployed agentflow (AGENTFLOW_URL, AGENTFLOW_API_TOKEN) to run a workflow, uploading CI
 * artifacts with the request; with `--wait`, exits with the run's gate.
 */
export function registerTrigger(program: Command): void {
  program
    .command('trigger')
    .description(
      'start a workflow on a deployed agentflow (AGENTFLOW_URL, AGENTFLOW_API_TOKEN); with --wait, exit 1 when its gate fails',
    )
    .requiredOption('--workflow <name>', 'workflow id')
    .option('--pr <n>', 'pull or merge request number', parsePositiveInt)
    .option(
      '--repo <owner/name>',
      'repository (default: GITHUB_REPOSITORY, CI_PROJECT_PATH, Bitrise variables)',
    )
    .option('--sha <sha>', 'head commit (default: the PR head from the CI event, CI variables, or git HEAD)')
    .option('--platform <github|gitlab>', 'code host (default: gitlab on GitLab CI, else github)', (v) => {
      if (v !== 'github' && v !== 'gitlab') throw new InvalidArgumentError('github or gitlab');
      return v;
    })
    .option(
      '--coverage <file>',
      'coverage report to upload with the run (LCOV, JaCoCo, Cobertura, xccov JSON)',
    )
    .option('--sarif <file>', 'SARIF report to upload with the run (SwiftLint, detekt, Android Lint)')
    .option('--wait', 'wait for the run to end and exit with its gate')
    .option('--timeout <seconds>', 'with --wait: give up after this long', (v) => Number(v), 1800)
    .option('--json', 'print the run as JSON')
    .option('--url <url>', 'ingress URL (default: AGENTFLOW_URL)')
    .option('--token <token>', 'API token (default: AGENTFLOW_API_TOKEN)')
    .addHelpText(
      'after',
      '\nExit codes: 0 started (or, with --wait, gate passed or neutral), 1 gate failed or the run did not complete, 2 the run could not be started.',
    )
    .action(async (options: TriggerOptions) => {
      const progress = new ProgressDisplay(process.stderr, {
        colour: wantsColour(process.stderr, process.env),
        quiet: Boolean(options.json),
      });
      try {
        const client = CiClient.fromEnv(process.env, { url: options.url, token: options.token });
        const repo = options.repo ?? repoFromEnv(process.env);
        if (!repo)
          throw new CiUsageError(
            'name the repository with --repo owner/name (no GITHUB_REPOSITORY or CI_PROJECT_PATH in the environment)',
          );
        const headSha = options.sha ?? headShaFromEnv(process.env, process.cwd());
        if (!headSha)
          throw new CiUsageError(
            'give the head commit with --sha (not in a git checkout and no CI commit variable set)',
          );
        const started = await client.startRun({
          workflow: options.workflow,
          platform: options.platform ?? platformFromEnv(process.env),
          repo,
          pr: options.pr,
          headSha,
          coverageFile: options.coverage,
          sarifFile: options.sarif,
        });
        progress.step(
          `${started.workflow} on ${repo}${options.pr ? `#${options.pr}` : ''}`,
          'running',
          `run ${started.runId}`,
        );
        if (!options.wait) {
          process.stdout.write(options.json ? `${JSON.stringify(started)}\n` : `${started.runId}\n`);
          return;
        }
        const run = await client.waitFor(started.runId, {
          timeoutMs: options.timeout * 1000,
          onStatus: (r) =>
            progress.step(
              `${started.workflow} on ${repo}${options.pr ? `#${options.pr}` : ''}`,
              r.status === 'completed' ? 'done' : r.status === 'failed' ? 'failed' : 'running',
              r.status,
            ),
        });
        process.stdout.write(
          options.json
            ? `${JSON.stringify(run)}\n`
            : `run ${run.runId}: ${run.status}, gate ${run.gateConclusion ?? '-'}, $${run.costUsd.toFixed(4)}\n`,
        );
        process.exitCode = exitCodeOfRun(run);
      } catch (error) {
        process.stderr.write(
          `agentflow trigger: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        process.exitCode = 2;
      }
    });
}
