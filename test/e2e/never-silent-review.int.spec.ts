/**
 * `agentflow review` never passes silently (issue 16), driven through the command itself in this
 * process (no build needed): a temporary git repository, the coordinator, gateway and agents on the
 * embedded bus, and either no vendor key (offline), the offline fake vendor (`--simulate`), or a
 * scripted fake vendor behind PROVIDERS_FILE. Each case checks the exit code a CI reads and the
 * lines a person reads.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { FakeVendorServer } from '@agentflow/fake-vendor';
import { registerReview } from '../../cli/src/commands/review';
import { writeOfflineProviders } from '../../cli/src/demo/stack';

const ROOT = join(__dirname, '..', '..');
// Built from parts so no secret scanner mistakes this test for a leak.
const GITHUB_TOKEN = ['ghp', '_', 'R7mK2pQ9xW4vN8bT3cL6hJ1fD5sA0gY2eU7i'].join('');

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', args, {
    cwd,
    stdio: 'ignore',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  });
}

function write(root: string, path: string, text: string): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
}

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `agentflow review ARGS` in `cwd` with `env` over process.env, capturing what it prints and its exit code. */
async function review(
  cwd: string,
  args: string[],
  env: Record<string, string | undefined>,
): Promise<Outcome> {
  const saved = { ...process.env };
  const savedCwd = process.cwd();
  let stdout = '';
  let stderr = '';
  const out = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = jest
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    for (const [k, v] of Object.entries({
      ANTHROPIC_API_KEY: '',
      OPENAI_API_KEY: '',
      PROVIDERS_FILE: undefined,
      ...env,
    })) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    process.chdir(cwd);
    process.exitCode = undefined;
    const program = new Command().exitOverride();
    registerReview(program);
    await program.parseAsync(['node', 'agentflow', 'review', '--base', 'main', ...args]);
    return { code: Number(process.exitCode ?? 0), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.chdir(savedCwd);
    process.exitCode = undefined;
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

const BASE_SESSION = 'import Foundation\n\nfinal class Session {\n}\n';

describe('agentflow review never passes silently', () => {
  let work: string;
  let config: string;
  const vendor = new FakeVendorServer();
  let vendorEnv: Record<string, string>;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'af-never-silent-'));
    config = join(work, 'workflows');
    mkdirSync(config);
    for (const f of ['agents.yml', 'settings.yml', 'gateway.yml'])
      if (existsSync(join(ROOT, 'workflows', f))) copyFileSync(join(ROOT, 'workflows', f), join(config, f));
    copyFileSync(join(ROOT, 'workflows', 'providers.yml'), join(config, 'providers.yml'));
    // Two model steps side by side; the gate fails on a major or worse.
    write(
      config,
      'local-gate.yml',
      'name: Local gate\ntrigger:\n  event: pull_request\nagents:\n  - code-review-agent\n  - security-agent\nexecution: parallel\ngate: { fail_on: major }\noutput:\n  github_comment: true\n',
    );
    const scripted = join(work, 'scripted-providers.yml');
    writeOfflineProviders(join(ROOT, 'workflows', 'providers.yml'), scripted, await vendor.start());
    vendorEnv = {
      AGENTFLOW_WORKFLOWS_DIR: config,
      PROVIDERS_FILE: scripted,
      AGENTFLOW_DEMO_VENDOR_KEY: 'sk-ant-api03-never-silent-key-0000000000',
    };
  }, 60_000);

  afterAll(async () => {
    await vendor.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  function repo(name: string, change: Record<string, string>): string {
    const root = join(work, name);
    mkdirSync(root);
    git(root, 'init', '-q', '-b', 'main');
    write(root, 'App/Session.swift', BASE_SESSION);
    write(root, 'App/Vendor/V.swift', 'public struct V {}\n');
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', 'base');
    git(root, 'checkout', '-q', '-b', 'feature');
    for (const [path, text] of Object.entries(change)) write(root, path, text);
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', 'change');
    return root;
  }

  const tokenAndVendor = {
    'App/A.swift': `import Foundation\n\nstruct A {\n    let token = "${GITHUB_TOKEN}"\n}\n`,
    'App/Vendor/V.swift': 'public struct V {\n    public init() {}\n}\n',
  };

  it("offline, a token next to a vendored change: the analysers' blocker fails the gate (exit 1), the vendored file is named", async () => {
    const root = repo('offline-token', tokenAndVendor);
    const { code, stdout, stderr } = await review(root, ['--workflow', 'local-gate'], {
      AGENTFLOW_WORKFLOWS_DIR: config,
    });
    expect({ code, stderr: code === 1 ? '' : stderr }).toEqual({ code: 1, stderr: '' });
    expect(stdout).toMatch(/^App\/A\.swift:4 blocker .*GitHub/m);
    expect(stdout).toContain('not sent to any vendor by policy: App/Vendor/V.swift');
    expect(stdout).toMatch(/^offline: the deterministic analysers only/m);
    expect(stdout).not.toContain('[simulated]');
  }, 120_000);

  it('with a vendor, never-sent files leave the prompts and the other files get model findings', async () => {
    vendor.reset();
    const finding = {
      file: 'App/A.swift',
      startLine: 4,
      endLine: 4,
      severity: 'minor',
      category: 'style',
      message: 'Name the token after what it unlocks.',
      confidence: 0.9,
    };
    const answer = { summary: 'scripted', confidence: 0.9, files: [], findings: [finding] };
    vendor
      .setScript('anthropic', () => ({ kind: 'reply', json: answer }))
      .setScript('openai', () => ({ kind: 'reply', json: answer }));
    const root = repo('vendor-filter', tokenAndVendor);
    const { code, stdout } = await review(root, ['--workflow', 'local-gate'], vendorEnv);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^App\/A\.swift:4 minor Name the token after what it unlocks\./m);
    expect(stdout).toContain('not sent to any vendor by policy: App/Vendor/V.swift');
    expect(vendor.received('App/A.swift')).toBe(true);
    expect(vendor.received('App/Vendor/V.swift')).toBe(false);
    expect(stdout).not.toMatch(/^step /m);
  }, 120_000);

  it("one model step failing: the other's findings are printed, the failure named, and the review is incomplete (exit 3)", async () => {
    vendor.reset();
    const clean = { summary: 'scripted', confidence: 0.9, files: [], findings: [] };
    // The security agent's prompt is refused by every provider; the code review answers.
    const script = (r: { rawBody?: string }) =>
      r.rawBody?.includes('application security engineer')
        ? { kind: 'error' as const, status: 400, message: 'scripted refusal' }
        : { kind: 'reply' as const, json: clean };
    vendor.setScript('anthropic', script).setScript('openai', script);
    const root = repo('one-fails', {
      'App/Session.swift': 'import Foundation\n\nfinal class Session {\n    var isSignedIn = false\n}\n',
    });
    const { code, stdout } = await review(root, ['--workflow', 'local-gate'], vendorEnv);
    expect(code).toBe(3);
    expect(stdout).toMatch(/^step security-agent failed: /m);
    expect(stdout).toMatch(/incomplete: security-agent failed/);
  }, 120_000);

  it('one model step failing and a deterministic blocker: the failed gate wins (exit 1 over 3)', async () => {
    vendor.reset();
    const clean = { summary: 'scripted', confidence: 0.9, files: [], findings: [] };
    const script = (r: { rawBody?: string }) =>
      r.rawBody?.includes('application security engineer')
        ? { kind: 'error' as const, status: 400, message: 'scripted refusal' }
        : { kind: 'reply' as const, json: clean };
    vendor.setScript('anthropic', script).setScript('openai', script);
    const root = repo('fails-and-blocks', { 'App/A.swift': tokenAndVendor['App/A.swift'] });
    const { code, stdout } = await review(root, ['--workflow', 'local-gate'], vendorEnv);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^App\/A\.swift:4 blocker /m);
    expect(stdout).toMatch(/^step security-agent failed: /m);
  }, 120_000);

  it("offline --simulate: the fake vendor's findings are shown labelled and never gated (exit 0)", async () => {
    write(
      config,
      'strict.yml',
      'name: Strict\ntrigger:\n  event: pull_request\nagents:\n  - code-review-agent\ngate: { fail_on: info }\noutput:\n  github_comment: true\n',
    );
    const lines = Array.from({ length: 30 }, (_, i) => `    func step${i}() -> Int { ${i} }`).join('\n');
    const root = repo('simulated', {
      'App/Session.swift': `import Foundation\n\nfinal class Session {\n${lines}\n}\n`,
    });
    const { code, stdout, stderr } = await review(root, ['--workflow', 'strict', '--simulate'], {
      AGENTFLOW_WORKFLOWS_DIR: config,
    });
    expect(stdout).toMatch(/\[simulated\]/);
    expect(stdout).toMatch(/simulated findings are not gated/);
    const deterministic = stdout
      .split('\n')
      .filter((l) => /^App\/\S+:\d+ /.test(l) && !l.includes('[simulated]'));
    // Without a deterministic finding nothing can fail a fail_on: info gate but the simulated ones.
    expect({ code, deterministic, stderr: code === 0 ? '' : stderr }).toEqual({
      code: 0,
      deterministic: [],
      stderr: '',
    });
  }, 120_000);

  it.each([['0'], ['-3']])('--timeout %s is refused before anything starts (exit 2)', async (timeout) => {
    const root = join(work, 'offline-token');
    const { code, stderr } = await review(root, ['--workflow', 'local-gate', '--timeout', timeout], {
      AGENTFLOW_WORKFLOWS_DIR: config,
    });
    expect(code).toBe(2);
    expect(stderr).toContain(
      `--timeout ${timeout}: give the number of seconds the review may take, greater than 0`,
    );
  });
});
