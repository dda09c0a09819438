/**
 * The bus goes down: the ingress keeps answering 202, spools to PostgreSQL and stays up. The bus
 * comes back: every spooled delivery produces its run exactly once. The same delivery id a day
 * later (clock faked) produces nothing. Runs on a nats-server of its own (it is stopped and
 * restarted) and on the shared PostgreSQL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

jest.mock(
  '@octokit/webhooks-methods',
  () => jest.requireActual(`${process.cwd()}/node_modules/@octokit/webhooks-methods/dist-node/index.js`),
  { virtual: true },
);

import { topology, type RunRequested } from '@agentflow/contracts';
import { createMessenger, deleteTopology, JetStreamBus } from '@agentflow/bus';
import { PostgresDatabase, runMigrations, type SqlDatabase } from '@agentflow/store';
import { startFakeGitHub, type FakeGitHub } from '@agentflow/fake-platforms';
import { createIngress, type Ingress } from '../ingress';
import { githubExample, githubHeaders, testConfig } from '../testing/fixtures';

const DB_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PATCH = '@@ -1,1 +1,2 @@\n import UIKit\n+let x = 1';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

function opened(number: number, head: string): string {
  const e = JSON.parse(githubExample('pull_request', 'opened').body) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  e.repository.full_name = 'acme/ios-app';
  delete e.installation;
  e.number = number;
  Object.assign(e.pull_request, { number, state: 'open', draft: false, labels: [] });
  e.pull_request.head.sha = head;
  e.pull_request.base.sha = 'c'.repeat(40);
  e.pull_request.user.login = 'dev';
  e.pull_request.user.type = 'User';
  return JSON.stringify(e);
}

describe('ingress through a bus outage', () => {
  const id = `t_out_${randomUUID().slice(0, 8)}`;
  const topo = topology(id);
  let port: number;
  let storeDir: string;
  let nats: ChildProcess | undefined;
  let bus: JetStreamBus;
  let db: SqlDatabase;
  let gh: FakeGitHub;
  let ingress: Ingress;
  let now = new Date('2026-11-25T09:00:00Z');

  const startNats = async () => {
    nats = spawn('nats-server', ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], {
      stdio: 'ignore',
    });
    await until('nats-server to listen', () => accepting(port));
  };
  const stopNats = async () => {
    const proc = nats!;
    nats = undefined;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  };
  const requested = async () =>
    (await bus.readSubject(topo.streams.runs.name, topo.subjects.runsRequested)).map(
      (m) => (JSON.parse(Buffer.from(m.data).toString()) as { body: RunRequested }).body,
    );
  const deliver = (deliveryId: string, body: string) =>
    ingress.intake.github({
      headers: githubHeaders('pull_request', deliveryId, body),
      rawBody: Buffer.from(body),
    });

  beforeAll(async () => {
    port = await freePort();
    storeDir = mkdtempSync(join(tmpdir(), 'af-nats-'));
    await startNats();
    gh = await startFakeGitHub();
    for (const n of [21, 22, 23]) {
      gh.seedPullRequest({
        owner: 'acme',
        repo: 'ios-app',
        number: n,
        headSha: `${n}`.repeat(20),
        baseSha: 'c'.repeat(40),
        files: [
          { filename: `Sources/F${n}.swift`, status: 'modified', additions: 1, deletions: 0, patch: PATCH },
        ],
      });
    }
    db = await PostgresDatabase.open({ connectionString: DB_URL, schema: id });
    await runMigrations(db);
    bus = await JetStreamBus.connect({
      servers: [`nats://127.0.0.1:${port}`],
      name: id,
      deadLetterSubject: topo.subjects.dlq,
    });
    ingress = createIngress(
      { bus, messenger: createMessenger(bus, topo), topology: topo, db },
      testConfig({ GITHUB_TOKEN: 'ghs_outage', GITHUB_API_URL: gh.apiUrl, INGRESS_SPOOL_DRAIN_MS: '200' }),
      { clock: () => now },
    );
    await ingress.start();
  }, 60_000);

  afterAll(async () => {
    await ingress?.stop();
    if (nats) await deleteTopology(bus, topo).catch(() => undefined);
    await bus?.drain().catch(() => undefined);
    if (nats) await stopNats();
    await db?.close();
    const client = new Client({ connectionString: DB_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${id}" CASCADE`);
    await client.end();
    await gh?.close();
    rmSync(storeDir, { recursive: true, force: true });
  }, 60_000);

  it('answers 202 while the bus is down, and every spooled delivery produces its run once when it returns', async () => {
    await stopNats();
    await until('the bus to notice', () => !bus.isHealthy());
    const replies = [];
    for (const n of [21, 22, 23]) replies.push(await deliver(`outage-${n}`, opened(n, `${n}`.repeat(20))));
    expect(replies.map((r) => [r.status, r.body.result])).toEqual([
      [202, 'spooled'],
      [202, 'spooled'],
      [202, 'spooled'],
    ]);
    // A retry by GitHub during the outage is recognised, and the service is still answering.
    expect((await deliver('outage-21', opened(21, '21'.repeat(20)))).body.result).toBe('duplicate');
    expect(await ingress.spool.size()).toBe(3);

    await startNats();
    await until('the bus to reconnect', () => bus.isHealthy());
    const runs = await until(
      'three run requests',
      async () => ((await requested()).length >= 3 ? await requested() : undefined),
      30_000,
    );
    await until('the spool to empty', async () => (await ingress.spool.size()) === 0);
    // Let a second forwarder pass and any redelivery happen: still one run per delivery.
    await new Promise((r) => setTimeout(r, 1500));
    const after = await requested();
    expect(after).toHaveLength(3);
    expect(new Set(after.map((r) => r.runId)).size).toBe(3);
    expect(runs.map((r) => r.change.pr).sort()).toEqual([21, 22, 23]);
    for (const n of [21, 22, 23])
      expect((await ingress.deliveries.get('github', `outage-${n}`))?.outcome).toBe('matched');
  }, 60_000);

  it('produces nothing for the same delivery id a day later', async () => {
    now = new Date(now.getTime() + 26 * 3600_000);
    const reply = await deliver('outage-22', opened(22, '22'.repeat(20)));
    expect(reply).toEqual({ status: 202, body: { result: 'duplicate', deliveryId: 'outage-22' } });
    await new Promise((r) => setTimeout(r, 1000));
    expect(await requested()).toHaveLength(3);
  });
});
