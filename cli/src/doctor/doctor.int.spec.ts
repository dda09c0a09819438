/**
 * `agentflow doctor` against the fakes (vendor, GitHub, GitLab, Slack) and the real NATS and
 * PostgreSQL on loopback: everything ok; a wrong vendor key; a GitHub App without the checks
 * permission; a NATS server without JetStream (a throwaway nats-server started here without -js).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { stringify } from 'yaml';
import { topology } from '@agentflow/contracts';
import { createBus, deleteTopology, expectedStreams, provisionTopology } from '@agentflow/bus';
import { FakeVendorServer } from '@agentflow/fake-vendor';
import {
  startFakeGitHub,
  startFakeGitLab,
  startFakeSlack,
  type FakeGitHub,
  type RunningFake,
} from '@agentflow/fake-platforms';
import { runDoctor, type DoctorLine, type DoctorReport } from '@agentflow/service-kit';
import { openDatabase, runMigrations } from '@agentflow/store';
import { DoctorApi } from '@agentflow/ingress/src/api/doctor-api';
import { ApiTokenStore } from '@agentflow/ingress/src/api/api-tokens';
import { deployedReport, localReport } from './sources';

const root = join(__dirname, '..', '..', '..');
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ANTHROPIC_KEY = 'sk-ant-doctor-good-0123456789';
const OPENAI_KEY = 'sk-proj-doctor-good-0123456789';

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function byCheck(report: DoctorReport): Record<string, DoctorLine> {
  return Object.fromEntries(report.lines.map((l) => [l.check, l]));
}

describe('agentflow doctor against the fakes', () => {
  const prefix = `doc${randomBytes(3).toString('hex')}`;
  const schema = `doctor_${randomBytes(3).toString('hex')}`;
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  let vendor: FakeVendorServer;
  let github: FakeGitHub;
  let gitlab: RunningFake;
  let slack: RunningFake;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    vendor = new FakeVendorServer({ apiKeys: [ANTHROPIC_KEY, OPENAI_KEY] });
    await vendor.start();
    [github, gitlab, slack] = await Promise.all([
      startFakeGitHub(),
      startFakeGitLab({ token: 'glpat-doctor' }),
      startFakeSlack({ token: 'xoxb-doctor' }),
    ]);
    dir = mkdtempSync(join(tmpdir(), 'af-doctor-'));
    const price = [{ effectiveFrom: '2026-07-09', inputPerMTok: 1, outputPerMTok: 2 }];
    writeFileSync(
      join(dir, 'providers.yml'),
      stringify({
        providers: {
          anthropic: {
            kind: 'anthropic',
            baseUrl: vendor.anthropicBaseUrl,
            apiKey: { env: 'ANTHROPIC_API_KEY' },
            dataClasses: ['internal'],
            models: {
              'claude-sonnet-5-5': { contextWindow: 1_000_000, tier: 'medium', prices: price },
              // Retired: left out of the account comparison, as the gateway routes around it.
              'claude-sonnet-4-5': {
                contextWindow: 200_000,
                retiresOn: '2026-11-30',
                replacement: 'claude-sonnet-5-5',
                prices: price,
              },
            },
          },
          openai: {
            kind: 'openai',
            baseUrl: vendor.openaiBaseUrl,
            apiKey: { env: 'OPENAI_API_KEY' },
            dataClasses: ['internal'],
            models: { 'gpt-5.6-terra': { contextWindow: 1_050_000, tier: 'medium', prices: price } },
          },
        },
      }),
    );
    // NATS provisioned and PostgreSQL migrated, as a started agentflow leaves them.
    const bus = await createBus({ natsUrl: NATS_URL, name: 'doctor-spec', topology: topology(prefix) });
    await provisionTopology(bus, topology(prefix));
    await bus.drain();
    const db = await openDatabase({ databaseUrl: DATABASE_URL, schema });
    await runMigrations(db);
    await db.close();
    env = {
      PROVIDERS_FILE: join(dir, 'providers.yml'),
      ANTHROPIC_API_KEY: ANTHROPIC_KEY,
      OPENAI_API_KEY: OPENAI_KEY,
      GITHUB_API_URL: github.apiUrl,
      GITHUB_APP_ID: '1',
      GITHUB_APP_PRIVATE_KEY: privateKey,
      GITHUB_WEBHOOK_SECRET: 'whsec',
      GITLAB_URL: gitlab.url,
      GITLAB_TOKEN: 'glpat-doctor',
      GITLAB_WEBHOOK_TOKEN: 'gl-whsec',
      SLACK_BOT_TOKEN: 'xoxb-doctor',
      SLACK_API_URL: `${slack.url}/api/`,
      NATS_URL,
      AGENTFLOW_BUS_PREFIX: prefix,
      DATABASE_URL,
      DATABASE_SCHEMA: schema,
    };
  }, 60_000);

  afterAll(async () => {
    const bus = await createBus({
      natsUrl: NATS_URL,
      name: 'doctor-spec-cleanup',
      topology: topology(prefix),
    });
    await deleteTopology(bus, topology(prefix)).catch(() => undefined);
    await bus.drain();
    const pg = new Client({ connectionString: DATABASE_URL });
    await pg.connect();
    await pg.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pg.end();
    await Promise.all([vendor.close(), github.close(), gitlab.close(), slack.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('everything configured and working: every line ok, nothing broken', async () => {
    const report = await localReport(env, root);
    expect(report.lines.filter((l) => l.state !== 'ok')).toEqual([]);
    const lines = byCheck(report);
    expect(lines['vendor anthropic'].detail).toBe(
      'key accepted; the account has all 1 configured models (claude-sonnet-5-5)',
    );
    expect(lines['vendor openai'].detail).toBe(
      'key accepted; the account has all 1 configured models (gpt-5.6-terra)',
    );
    expect(lines.github.detail).toBe(
      'App agentflow, 1 installation (acme) with checks, pull requests, contents and issues: write',
    );
    expect(lines.gitlab.detail).toMatch(/^token agentflow with scope api/);
    expect(lines.slack.detail).toBe(
      'bot agentflow in workspace fake with chat:write, channels:read, groups:read, channels:history, groups:history',
    );
    expect(lines.nats.detail).toMatch(
      new RegExp(
        `^nats-server \\d+\\.\\d+\\.\\d+, JetStream on, all ${expectedStreams(topology(prefix)).length} streams and buckets present$`,
      ),
    );
    expect(lines.postgresql.detail).toMatch(/^reachable, all \d+ migrations applied$/);
    expect(report.broken).toBe(false);
  });

  it('a wrong vendor key is broken, says what to do, and never prints the key', async () => {
    const report = await localReport({ ...env, OPENAI_API_KEY: 'sk-proj-wrong-key-999' }, root);
    expect(byCheck(report)['vendor openai']).toEqual({
      check: 'vendor openai',
      state: 'broken',
      detail:
        'the vendor refused the key (401: Incorrect API key provided: [the key]. You can find your API key at https://platform.openai.com/account/api-keys.)',
      fix: 'put a valid key in OPENAI_API_KEY',
    });
    expect(JSON.stringify(report)).not.toContain('sk-proj-wrong-key-999');
    expect(report.broken).toBe(true);
  });

  it('an account without a configured model is broken and names the model', async () => {
    vendor.setAccountModels('anthropic', ['claude-haiku-5-5']);
    try {
      const line = byCheck(await localReport(env, root))['vendor anthropic'];
      expect(line).toMatchObject({
        state: 'broken',
        detail: 'key accepted; the account lacks 1 of 1 configured models: claude-sonnet-5-5',
        fix: 'ask the vendor for access, or remove them from providers.yml',
      });
    } finally {
      vendor.setAccountModels('anthropic', undefined);
    }
  });

  it('a GitHub App without the checks permission is broken, naming the permission and where to grant it', async () => {
    github.setAppPermissions({
      pull_requests: 'write',
      contents: 'write',
      issues: 'write',
      metadata: 'read',
    });
    try {
      const line = byCheck(await localReport(env, root)).github;
      expect(line).toEqual({
        check: 'github',
        state: 'broken',
        detail: 'App agentflow: acme lacks checks: write (none; needed for check runs with the gate)',
        fix: "grant it in the App's settings (Permissions & events), then approve the new permissions on each installation",
      });
    } finally {
      github.setAppPermissions({
        checks: 'write',
        pull_requests: 'write',
        contents: 'write',
        issues: 'write',
        metadata: 'read',
      });
    }
  });

  it('a Slack bot without the history scopes is broken: after a crash it could post twice', async () => {
    const narrow = await startFakeSlack({
      token: 'xoxb-doctor',
      scopes: ['chat:write', 'channels:read', 'groups:read'],
    });
    try {
      const line = byCheck(await localReport({ ...env, SLACK_API_URL: `${narrow.url}/api/` }, root)).slack;
      expect(line).toEqual({
        check: 'slack',
        state: 'broken',
        detail:
          'bot agentflow in workspace fake lacks channels:history (find its own earlier post in a public channel after a crash), groups:history (find its own earlier post in a private channel after a crash)',
        fix: "add the scopes under OAuth & Permissions in the Slack app's settings, reinstall the app to the workspace, and set the new Bot User OAuth Token as SLACK_BOT_TOKEN",
      });
    } finally {
      await narrow.close();
    }
  });

  it('a classic token is judged by its scopes', async () => {
    const tokenEnv = { ...env, GITHUB_APP_ID: '', GITHUB_APP_PRIVATE_KEY: '', GITHUB_TOKEN: 'ghp_doctor' };
    github.setTokenScopes(['read:org']);
    expect(byCheck(await localReport(tokenEnv, root)).github).toMatchObject({
      state: 'broken',
      detail: 'token of agentflow-bot has scopes read:org, not repo',
    });
    github.setTokenScopes(['repo', 'read:org']);
    expect(byCheck(await localReport(tokenEnv, root)).github).toMatchObject({
      state: 'ok',
      detail: 'token of agentflow-bot with scopes repo, read:org',
    });
  });

  it('NATS without JetStream is broken and says to start nats-server with -js', async () => {
    const port = await freePort();
    const server: ChildProcess = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port)], {
      stdio: 'ignore',
    });
    try {
      const url = `nats://127.0.0.1:${port}`;
      let report: DoctorReport | undefined;
      for (let i = 0; i < 50; i++) {
        report = await runDoctor({
          env: { NATS_URL: url },
          topology: topology(prefix),
          from: 'local',
          timeoutMs: 1000,
        });
        if (!byCheck(report).nats.detail.startsWith('cannot connect')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const line = byCheck(report!).nats;
      expect(line.state).toBe('broken');
      expect(line.detail).toMatch(
        new RegExp(`^JetStream is off on ${url} \\(nats-server \\d+\\.\\d+\\.\\d+: .+\\)$`),
      );
      expect(line.fix).toBe('start nats-server with -js (or a jetstream {} block in its config)');
    } finally {
      server.kill('SIGTERM');
    }
  });

  it('nothing configured: every line off or broken for a reason, never a crash', async () => {
    const report = await runDoctor({ env: {}, topology: topology('af'), from: 'local' });
    expect(Object.fromEntries(report.lines.map((l) => [l.check, l.state]))).toEqual({
      vendors: 'broken',
      github: 'off',
      gitlab: 'off',
      slack: 'off',
      nats: 'off',
      postgresql: 'off',
      'github webhooks': 'off',
      'gitlab webhooks': 'off',
    });
  });

  it('the deployed side answers the same report through the CI API, for a token that may read', async () => {
    const tokens = new ApiTokenStore({ query: async () => ({ rows: [] }) } as never, 'admin-token-doctor');
    const api = new DoctorApi({ tokens, env, topology: topology(prefix), providersFile: env.PROVIDERS_FILE });
    const server: Server = createServer((req, res) => {
      void api.report(req.headers.authorization).then((r) => {
        res.writeHead(r.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(r.body));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const report = await deployedReport({ AGENTFLOW_URL: url, AGENTFLOW_API_TOKEN: 'admin-token-doctor' });
      expect(report.from).toBe('deployed');
      expect(report.lines.filter((l) => l.state !== 'ok')).toEqual([]);
      await expect(deployedReport({ AGENTFLOW_URL: url, AGENTFLOW_API_TOKEN: 'wrong' })).rejects.toThrow(
        'HTTP 401 a valid bearer token is required',
      );
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('the CLI prints the lines and exits 1 when something is broken, 0 when nothing is', async () => {
    // Asynchronous: the fakes live in this process and must keep answering while the CLI runs.
    const run = (extra: Record<string, string>) =>
      new Promise<{ status: number | null; stdout: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          [
            '-r',
            join(root, 'scripts', 'ts-register.js'),
            join(root, 'cli', 'src', 'main.ts'),
            'doctor',
            '--local',
          ],
          {
            cwd: root,
            env: { PATH: process.env.PATH ?? '', ...env, ...extra },
            stdio: ['ignore', 'pipe', 'inherit'],
          },
        );
        let stdout = '';
        child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
        child.on('close', (status) => resolve({ status, stdout }));
      });
    const [ok, broken] = await Promise.all([run({}), run({ ANTHROPIC_API_KEY: 'sk-ant-wrong' })]);
    expect(ok.stdout).toMatch(/^ok {5}vendor anthropic/m);
    expect(ok.stdout).toContain('nothing broken (checked local');
    expect(ok.status).toBe(0);
    expect(broken.stdout).toMatch(
      /^broken vendor anthropic +the vendor refused the key \(401: invalid x-api-key: \[the key\]\)\n +-> put a valid key in ANTHROPIC_API_KEY$/m,
    );
    expect(broken.status).toBe(1);
  }, 120_000);
});
