import type { Command } from 'commander';
import { renderDoctorReport } from '@agentflow/service-kit';
import { deployedReport, localReport } from '../doctor/sources';

/**
 * `agentflow doctor [--local]`: what works and what does not, one line per vendor key, platform,
 * NATS, PostgreSQL and webhook secret, each ok / off / broken with what to do. Exit 1 when
 * anything is broken, 2 when the doctor itself could not run.
 */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      'check vendor keys and models, GitHub/GitLab/Slack access, NATS, PostgreSQL and webhook secrets: ok / off / broken with what to do; exit 1 when something is broken',
    )
    .option(
      '--local',
      'check from this machine with its environment, instead of asking the deployed agentflow (AGENTFLOW_URL)',
    )
    .option(
      '--config <dir>',
      "directory with providers.yml (default: PROVIDERS_FILE, or the project's workflows/)",
    )
    .option('--url <url>', 'ingress URL (default: AGENTFLOW_URL)')
    .option('--token <token>', 'API token (default: AGENTFLOW_API_TOKEN)')
    .option('--json', 'print the report as JSON')
    .action(
      async (options: { local?: boolean; config?: string; url?: string; token?: string; json?: boolean }) => {
        try {
          const report = options.local
            ? await localReport(process.env, process.cwd(), { configDir: options.config })
            : await deployedReport(process.env, { url: options.url, token: options.token });
          process.stdout.write(
            `${options.json ? JSON.stringify(report, null, 2) : renderDoctorReport(report)}\n`,
          );
          process.exitCode = report.broken ? 1 : 0;
        } catch (error) {
          // A usage problem or an unreadable providers.yml: the doctor could not judge anything.
          process.stderr.write(
            `agentflow doctor: ${error instanceof Error ? error.message : String(error)}\n`,
          );
          process.exitCode = 2;
        }
      },
    );
}
