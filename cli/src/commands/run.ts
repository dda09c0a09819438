import type { Command } from 'commander';
import { CiClient, TERMINAL_STATUSES } from '../api/ci-client';
import { exitCodeOfRun } from './trigger';

/** `agentflow run ID [--json]`: one run from the CI API; exit code from its gate once it ended. */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description(
      'show one run of a deployed agentflow (AGENTFLOW_URL, AGENTFLOW_API_TOKEN); exit 1 when it ended with a failed gate',
    )
    .argument('<id>', 'run id (printed by agentflow trigger and listed by agentflow runs)')
    .option('--json', 'print the run as JSON')
    .option('--url <url>', 'ingress URL (default: AGENTFLOW_URL)')
    .option('--token <token>', 'API token (default: AGENTFLOW_API_TOKEN)')
    .action(async (id: string, options: { json?: boolean; url?: string; token?: string }) => {
      try {
        const run = await CiClient.fromEnv(process.env, options).run(id);
        if (options.json) process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
        else {
          const rows: Array<[string, string]> = [
            ['run', run.runId],
            ['workflow', run.workflow],
            ['repository', `${run.platform}:${run.repo}${run.pr ? `#${run.pr}` : ''}`],
            ['head', run.headSha],
            ['trigger', run.trigger],
            ['status', run.status],
            ['gate', run.gateConclusion ?? '-'],
            ['cost', `$${run.costUsd.toFixed(4)}`],
            ['requested', run.requestedAt],
            ['finished', run.finishedAt ?? '-'],
          ];
          process.stdout.write(`${rows.map(([k, v]) => `${k.padEnd(11)}${v}`).join('\n')}\n`);
        }
        process.exitCode = TERMINAL_STATUSES.has(run.status) ? exitCodeOfRun(run) : 0;
      } catch (error) {
        process.stderr.write(`agentflow run: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 2;
      }
    });
}
