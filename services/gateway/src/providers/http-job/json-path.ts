/**
 * The small JSONPath subset vendor result mappings need: `$`, `.name`, `['name']`, `[index]`.
 * Anything else is a config error found at start-up, not a silent miss at the end of a job.
 */
import { ConfigError } from '@agentflow/contracts';

export type PathStep = string | number;

const STEP = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/y;

export function compileJsonPath(path: string): PathStep[] {
  if (!path.startsWith('$')) throw new ConfigError(`JSON path ${path} must start with $`);
  const steps: PathStep[] = [];
  let at = 1;
  while (at < path.length) {
    STEP.lastIndex = at;
    const m = STEP.exec(path);
    if (!m)
      throw new ConfigError(
        `JSON path ${path}: cannot read from position ${at} (supported: .name, [0], ['name'])`,
      );
    steps.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (m[3] ?? m[4])));
    at = STEP.lastIndex;
  }
  return steps;
}

export function readJsonPath(value: unknown, steps: PathStep[]): unknown {
  let current = value;
  for (const step of steps) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}
