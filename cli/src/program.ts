import { Command } from 'commander';
import { COMMANDS } from './commands';

const VERSION = '0.1.0';

/** The `agentflow` CLI: one file per subcommand under `commands/`, listed in `commands/index.ts`. */
export function buildProgram(): Command {
  const program = new Command('agentflow')
    .description(
      'AI agent orchestration for mobile pull requests: reviews, tests and docs from several AI vendors.',
    )
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)');
  for (const register of COMMANDS) register(program);
  return program;
}
