import type { Command } from 'commander';
import { registerAnalyze } from './analyze';
import { registerValidate } from './validate';
import { registerUp } from './up';
import { registerDemo } from './demo';
import { registerReview } from './review';
import { registerTrigger } from './trigger';
import { registerRuns } from './runs';
import { registerRun } from './run';
import { registerCost } from './cost';
import { registerUsefulness } from './usefulness';
import { registerDoctor } from './doctor';
import { registerProvision } from './provision';

/** Adds one subcommand to the program. Each lives in its own file in this folder. */
export type RegisterCommand = (program: Command) => void;

/** Every subcommand, in the order `--help` lists them. */
export const COMMANDS: RegisterCommand[] = [
  registerDemo,
  registerReview,
  registerTrigger,
  registerRuns,
  registerRun,
  registerCost,
  registerUsefulness,
  registerUp,
  registerProvision,
  registerDoctor,
  registerValidate,
  registerAnalyze,
];
