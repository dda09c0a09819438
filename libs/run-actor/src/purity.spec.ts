/**
 * The run actor's purity is guarded by lint (eslint.config.mjs, issue 30): `npm run lint` fails on
 * an impure import, a timer, the clock or randomness in libs/run-actor/src, and not in its specs.
 */
import { join } from 'node:path';
import { ESLint } from 'eslint';

const root = join(__dirname, '..', '..', '..');
const eslint = new ESLint({ cwd: root });

async function problems(code: string, file = 'libs/run-actor/src/synthetic.ts'): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('run actor purity lint', () => {
  jest.setTimeout(60_000);

  it.each([
    ["import { createHash } from 'node:crypto';\nexport const h = createHash;\n", 'no-restricted-imports'],
    ["import { readFileSync } from 'fs';\nexport const r = readFileSync;\n", 'no-restricted-imports'],
    ["import { readFile } from 'fs/promises';\nexport const r = readFile;\n", 'no-restricted-imports'],
    [
      "export type Hash = import('node:crypto').Hash;\nexport const later = () => import('node:fs');\n",
      'no-restricted-syntax',
    ],
    ['export const t = setTimeout(() => undefined, 10);\n', 'no-restricted-globals'],
    ['export const i = setInterval(() => undefined, 10);\n', 'no-restricted-globals'],
    ['export const now = Date.now();\n', 'no-restricted-syntax'],
    ['export const clock = Date.now;\n', 'no-restricted-syntax'],
    ['export const now = new Date();\n', 'no-restricted-syntax'],
    ['export const coin = Math.random();\n', 'no-restricted-syntax'],
    ['export const env = process.env.HOME;\n', 'no-restricted-globals'],
    ['export const t = globalThis.setTimeout;\n', 'no-restricted-syntax'],
  ])('rejects %j', async (code, rule) => {
    expect(
      (await problems(code)).some((p) => p.startsWith(`${rule}:`) && p.includes('the run actor is pure')),
    ).toBe(true);
  });

  it('accepts time that comes in on the event, and the same code in a spec', async () => {
    expect(
      await problems('export const at = (event: { at: number }) => new Date(event.at).toISOString();\n'),
    ).toEqual([]);
    expect(
      await problems(
        "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
        'libs/run-actor/src/synthetic.spec.ts',
      ),
    ).toEqual([]);
  });

  it('does not restrict the other packages', async () => {
    expect(
      await problems(
        "import { createHash } from 'node:crypto';\nexport const h = createHash;\n",
        'libs/findings/src/synthetic.ts',
      ),
    ).toEqual([]);
  });
});
