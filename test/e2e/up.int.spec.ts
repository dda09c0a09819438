/**
 * `agentflow up` as a user runs it: a child process on the embedded bus and PGlite, stopped with
 * SIGTERM, restarted on the same data directory. Data written before the stop is found after the
 * restart, and the whole process tree is gone within 10 s of the signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { PgliteDatabase, pgliteDirOf } from '@agentflow/store';

const ROOT = join(__dirname, '..', '..');
/** PGlite and the services load slowly on a loaded 2-core machine; a start gets this long. */
const START_TIMEOUT_MS = 150_000;
/** The requirement: idle, the whole process tree is gone within 10 s of SIGTERM. */
const STOP_LIMIT_MS = 10_000;

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
}

async function startUp(dataDir: string, extraEnv: Record<string, string> = {}): Promise<Started> {
  const child = spawn(
    process.execPath,
    ['-r', join(ROOT, 'scripts', 'ts-register.js'), join(ROOT, 'cli', 'src', 'main.ts'), 'up', '--port', '0'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        AGENTFLOW_DATA_DIR: dataDir,
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        NATS_URL: '',
        DATABASE_URL: '',
        // Lifecycle test only: no vendor is called. Keys are set because the gateway refuses to start
        // without any (see the report); every platform credential stays unset.
        ANTHROPIC_API_KEY: 'sk-ant-e2e-unused',
        OPENAI_API_KEY: 'sk-e2e-unused',
        GITHUB_TOKEN: '',
        GITHUB_APP_ID: '',
        GITHUB_WEBHOOK_SECRET: '',
        SLACK_BOT_TOKEN: '',
        SLACK_WEBHOOK_URL: '',
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (c) => (out += String(c)));
  child.stderr!.on('data', (c) => (out += String(c)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`agentflow up did not report listening in time:\n${out}`)),
      START_TIMEOUT_MS,
    );
    const check = () => {
      const match = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`agentflow up exited with ${code} before listening:\n${out}`));
    });
  });
  return { child, url, output: () => out };
}

/** Pids of every process below `pid`, read from /proc. */
async function descendants(pid: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // Field 4 is the parent pid; the command name (field 2) may hold spaces, so split after ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid) parents.set(Number(entry), ppid);
  }
  const found: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parents) {
      if (parent !== p) continue;
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, then the exit code, or a failure if it takes longer than the limit. */
async function stop(started: Started): Promise<{ code: number | null; tree: number[] }> {
  const pid = started.child.pid!;
  const tree = [pid, ...(await descendants(pid))];
  const exited = new Promise<number | null>((resolve) => started.child.once('exit', (code) => resolve(code)));
  started.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(`agentflow up still running ${STOP_LIMIT_MS} ms after SIGTERM:\n${started.output()}`),
        ),
      STOP_LIMIT_MS,
    );
  });
  try {
    return { code: await Promise.race([exited, limit]), tree };
  } finally {
    clearTimeout(timer);
  }
}

describe('agentflow up', () => {
  let dataDir: string;
  let running: Started | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'agentflow-up-e2e-'));
  });

  afterAll(async () => {
    if (running && running.child.exitCode === null) running.child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it(
    'starts every service on the embedded bus and PGlite, and says what is off',
    async () => {
      running = await startUp(dataDir);
      const ready = await fetch(`${running.url}/ready`);
      expect(ready.status).toBe(200);
      // Notes are informational (a retired catalogue entry served by its replacement); nothing is off.
      const body = (await ready.json()) as { status: string; reasons: string[]; notes?: string[] };
      expect(body).toMatchObject({ status: 'ready', reasons: [] });
      for (const note of body.notes ?? []) expect(note).toMatch(/off \(retired\), served by /);
      const out = running.output();
      expect(out).toContain('agentflow up: ingress, coordinator, gateway, agents, notifier listening on');
      expect(out).toContain(`bus       embedded, in this process; state in ${dataDir}/bus`);
      expect(out).toContain(`database  PGlite in ${dataDir}/pglite`);
      expect(out).toContain('off       GitHub webhooks at /webhooks/github: set GITHUB_WEBHOOK_SECRET');
      expect(out).toContain('off       Slack messages: set SLACK_BOT_TOKEN or SLACK_WEBHOOK_URL');
      expect(out).not.toContain('off       Anthropic models');
    },
    START_TIMEOUT_MS + 10_000,
  );

  it('stops on SIGTERM with exit code 0 and leaves no process behind', async () => {
    const { code, tree } = await stop(running!);
    expect(code).toBe(0);
    expect(tree.filter(alive)).toEqual([]);
  });

  it(
    'restarts on the same data directory and finds what the first run wrote',
    async () => {
      running = await startUp(dataDir);
      // The first run recorded its start and, on SIGTERM, its clean stop; the restart reads both back.
      expect(running.output()).toMatch(/last run {2}started \S+, stopped cleanly \S+ \(SIGTERM\)/);
      expect(running.output()).toContain('0 migrations applied now');
      const { code } = await stop(running);
      expect(code).toBe(0);

      const db = await PgliteDatabase.open({ dataDir: pgliteDirOf(dataDir) });
      try {
        const { rows } = await db.query<{ name: string; services: string[]; stop_reason: string | null }>(
          'SELECT name, services, stop_reason FROM service_instances ORDER BY started_at',
        );
        const all = ['ingress', 'coordinator', 'gateway', 'agents', 'notifier'];
        expect(rows).toEqual([
          { name: 'agentflow', services: all, stop_reason: 'SIGTERM' },
          { name: 'agentflow', services: all, stop_reason: 'SIGTERM' },
        ]);
      } finally {
        await db.close();
      }
    },
    START_TIMEOUT_MS + 60_000,
  );
});

describe('agentflow up on NATS and PostgreSQL (the small-team production topology)', () => {
  const id = randomBytes(4).toString('hex');
  const prefix = `tup${id}`;
  const schema = `t_up_${id}`;
  const databaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  let dataDir: string;
  let running: Started | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'agentflow-up-prod-'));
  });

  afterAll(async () => {
    if (running && running.child.exitCode === null) running.child.kill('SIGKILL');
    const pg = new Client({ connectionString: databaseUrl });
    await pg.connect();
    await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pg.end();
    // Streams, KV and object buckets of this prefix, including the ones services add beyond the topology.
    const nc = await connect({ servers: '127.0.0.1:4222' });
    const jsm = await jetstreamManager(nc);
    const names: string[] = [];
    for await (const info of jsm.streams.list()) names.push(info.config.name);
    for (const name of names.filter((n) => n.toLowerCase().includes(prefix))) await jsm.streams.delete(name);
    await nc.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it(
    'runs durable on one nats-server and one PostgreSQL, and records its clean stop there',
    async () => {
      running = await startUp(dataDir, {
        NATS_URL: 'nats://127.0.0.1:4222',
        DATABASE_URL: databaseUrl,
        DATABASE_SCHEMA: schema,
        AGENTFLOW_BUS_PREFIX: prefix,
      });
      expect((await fetch(`${running.url}/ready`)).status).toBe(200);
      expect(running.output()).toContain('bus       NATS JetStream at nats://127.0.0.1:4222');
      expect(running.output()).toContain(`(schema ${schema})`);
      const { code } = await stop(running);
      expect(code).toBe(0);

      const pg = new Client({ connectionString: databaseUrl });
      await pg.connect();
      try {
        const { rows } = await pg.query(`SELECT name, bus, stop_reason FROM "${schema}".service_instances`);
        expect(rows).toEqual([{ name: 'agentflow', bus: 'jetstream', stop_reason: 'SIGTERM' }]);
      } finally {
        await pg.end();
      }
      // Nothing was written to the data directory: PGlite and the embedded bus were not used.
      expect(await readdir(dataDir)).toEqual([]);
    },
    START_TIMEOUT_MS + 30_000,
  );
});
