import type { Command } from 'commander';
import { CiClient, CiUsageError, type ApiRun } from '../api/ci-client';
import { platformFromEnv, repoFromEnv } from '../api/ci-env';
import { renderTable } from '../cost/ledger';
import { parsePositiveInt } from './trigger';

export function renderRuns(runs: readonly ApiRun[]): string {
  if (runs.length === 0) return 'no runs';
  return renderTable(
    ['run', 'workflow', 'pr', 'head', 'status', 'gate', 'cost', 'requested'],
    runs.map((r) => [
      r.runId,
      r.workflow,
      r.pr === null ? '-' : String(r.pr),
      r.headSha.slice(0, 10),
      r.status,
      r.gateConclusion ?? '-',
      `$${r.costUsd.toFixed(4)}`,
      r.requestedAt,
    ]),
  );
}

/** `agentflow runs [--repo R] [--pr N] [--json]`: the runs of a repository or pull request, from the CI API. */
export function registerRuns(program: Command): void {
  program
    .command('runs')
    .description(
      'list the runs of a repository or pull request on a deployed agentflow (AGENTFLOW_URL, AGENTFLOW_API_TOKEN)',
    )
    .option('--repo <owner/name>', 'repository (default: GITHUB_REPOSITORY or CI_PROJECT_PATH)')
    .option('--pr <n>', 'only this pull or merge request', parsePositiveInt)
    .option('--json', 'print the runs as JSON')
    .option('--url <url>', 'ingress URL (default: AGENTFLOW_URL)')
    .option('--token <token>', 'API token (default: AGENTFLOW_API_TOKEN)')
    .action(async (options: { repo?: string; pr?: number; json?: boolean; url?: string; token?: string }) => {
      try {
        const client = CiClient.fromEnv(process.env, options);
        const repo = options.repo ?? repoFromEnv(process.env);
        if (!repo) throw new CiUsageError('name the repository with --repo owner/name');
        const runs = await client.runs({ repo, pr: options.pr, platform: platformFromEnv(process.env) });
        process.stdout.write(options.json ? `${JSON.stringify(runs, null, 2)}\n` : `${renderRuns(runs)}\n`);
      } catch (error) {
        process.stderr.write(`agentflow runs: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 2;
      }
    });
}
