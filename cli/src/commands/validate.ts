import type { Command } from 'commander';
import { formatDiagnostic, hasErrors, validatePaths } from '@agentflow/workflow';

/**
 * `agentflow validate [paths...] [--config DIR]`: checks workflow, agents, providers and settings
 * files. Prints one `file:line:col: message` line per problem on stdout; exits 0 when there are
 * no errors (warnings allowed), 1 otherwise.
 */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description(
      'check workflow files (and providers.yml, agents.yml, settings.yml); one file:line:col: message per problem',
    )
    .argument('[paths...]', "files or directories; default: the project's workflows/")
    .option(
      '--config <dir>',
      "config directory to resolve agents and providers against (default: the project's workflows/)",
    )
    .action((paths: string[], options: { config?: string }) => {
      const report = validatePaths(paths, { configDir: options.config });
      for (const d of report.diagnostics) process.stdout.write(`${formatDiagnostic(d)}\n`);
      const errors = report.diagnostics.filter((d) => d.severity === 'error').length;
      const warnings = report.diagnostics.length - errors;
      const summary = `${report.workflows} workflow file${report.workflows === 1 ? '' : 's'} checked: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
      process.stderr.write(`${summary}\n`);
      process.exitCode = hasErrors(report.diagnostics) ? 1 : 0;
    });
}
