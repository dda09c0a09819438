import type { Command } from 'commander';
import { registerAnalyze } from './analyze';
import { registerValidate } from './validate';
import { registerUp } from './up';
import { registerDemo } from './demo';

/** Adds one subcommand to the program. Each lives in its own file in this folder. */
export type RegisterCommand = (program: Command) => void;

/** Every subcommand, in the order `--help` lists them. */
export const COMMANDS: RegisterCommand[] = [registerDemo, registerUp, registerValidate, registerAnalyze];
