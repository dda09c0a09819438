// `npm run bench -- <name> [args]`: runs bench/<name>/main.ts (TypeScript, through scripts/ts-register.js).
// Each bench prints its figures; the last line is one JSON object.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const [name, ...args] = process.argv.slice(2);
const available = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(here, d.name, 'main.ts')))
  .map((d) => d.name);
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <${available.join('|') || 'name'}> [args]\n`);
  process.exit(2);
}
const result = spawnSync(
  process.execPath,
  ['--expose-gc', '-r', join(here, '..', 'scripts', 'ts-register.js'), join(here, name, 'main.ts'), ...args],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
