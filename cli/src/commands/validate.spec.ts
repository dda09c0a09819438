import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerValidate } from './validate';

const shipped = join(__dirname, '..', '..', '..', 'workflows');

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk) => ((out += String(chunk)), true));
  const stderr = jest
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk) => ((err += String(chunk)), true));
  const saved = process.exitCode;
  try {
    const program = new Command('agentflow').exitOverride();
    registerValidate(program);
    await program.parseAsync(['node', 'agentflow', 'validate', ...args]);
    return { code: Number(process.exitCode ?? 0), out, err };
  } finally {
    process.exitCode = saved;
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

describe('agentflow validate', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'af-cli-validate-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 on the shipped workflows and prints the warnings', async () => {
    const result = await run([shipped]);
    expect(result.code).toBe(0);
    expect(result.out.trim().split('\n')).toHaveLength(3);
    expect(result.out).toContain('code-review.yml:14:14: warning: model `claude-3-opus` is retired');
    expect(result.err).toContain('6 workflow files checked: 0 errors, 3 warnings');
  });

  it('exits 1 with one file:line:col: message line per problem', async () => {
    const file = join(dir, 'bad.yml');
    writeFileSync(file, 'name: Bad\ntrigger:\n  event: pull_request\nagnets: [code-review-agent]\n');
    const result = await run([file, '--config', shipped]);
    expect(result.code).toBe(1);
    expect(result.out.trim().split('\n')).toEqual([
      `${file}:1:1: the workflow needs \`agents:\` (a list of agents) or \`phases:\``,
      `${file}:4:1: unknown key \`agnets\` in the workflow; did you mean \`agents\`?`,
    ]);
    expect(result.out).not.toMatch(/\s+at\s.+\(.+:\d+:\d+\)/);
  });
});
