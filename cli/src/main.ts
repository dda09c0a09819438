#!/usr/bin/env node
import 'reflect-metadata';
import { buildProgram } from './program';

buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    // User mistakes are reported by the commands themselves with exit code 1 or 2; this is the last resort.
    process.stderr.write(`agentflow: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(process.exitCode && process.exitCode !== 0 ? process.exitCode : 1);
  });
