/**
 * The CI API at the door: who calls is settled before what they sent is looked at, a token scoped to
 * one repository learns nothing of another, and input PostgreSQL cannot store is refused by field.
 */
import { randomUUID } from 'node:crypto';

jest.mock(
  '@octokit/webhooks-methods',
  () => jest.requireActual(`${process.cwd()}/node_modules/@octokit/webhooks-methods/dist-node/index.js`),
  { virtual: true },
);

import { topology, type Topology } from '@agentflow/contracts';
import { createMessenger, EmbeddedBus } from '@agentflow/bus';
import { PgliteDatabase, runMigrations, type SqlDatabase } from '@agentflow/store';
import { createIngress, type Ingress } from '../ingress';
import { WorkflowProjectMatcher } from '../trigger/trigger-matcher';
import { FIXTURE_WORKFLOWS, testConfig } from '../testing/fixtures';

const ADMIN = `admin-${randomUUID()}`;
const HEAD = 'a'.repeat(40);

describe('CI API: authentication, scope and input', () => {
  let db: SqlDatabase;
  let bus: EmbeddedBus;
  let topo: Topology;
  let ingress: Ingress;
  let ciA: string;
  let readerA: string;
  const runA = 'r' + '1'.repeat(31);
  const runB = 'r' + '2'.repeat(31);
  const bearer = (token: string) => `Bearer ${token}`;

  beforeAll(async () => {
    db = await PgliteDatabase.open();
    await runMigrations(db);
    topo = topology(`t_api_${randomUUID().slice(0, 8)}`);
    bus = new EmbeddedBus({ deadLetterSubject: topo.subjects.dlq });
    for (const s of [topo.streams.webhooks, topo.streams.runs, topo.streams.ci]) await bus.ensureStream(s);
    ingress = createIngress(
      { bus, messenger: createMessenger(bus, topo), topology: topo, db },
      testConfig({ AGENTFLOW_API_TOKEN: ADMIN }),
      {
        matcher: WorkflowProjectMatcher.fromDirectory(FIXTURE_WORKFLOWS),
        platforms: {},
      },
    );
    const make = async (role: string, repos: string[]) => {
      const r = await ingress.api.createToken(bearer(ADMIN), {
        name: `${role}-${repos.join(',')}`,
        role,
        repos,
      });
      expect(r.status).toBe(201);
      return (r.body as { token: string }).token;
    };
    ciA = await make('ci', ['acme/app-a']);
    readerA = await make('reader', ['acme/app-a']);
    for (const [id, repo, delivery] of [
      [runA, 'acme/app-a', 'github:del-a'],
      [runB, 'acme/app-b', 'github:del-b'],
    ]) {
      await db.query(
        `INSERT INTO runs (id, workflow, platform, repo, pr, head_sha, trigger, delivery_id) VALUES ($1, 'swift-review', 'github', $2, 3, $3, 'pull_request.opened', $4)`,
        [id, repo, HEAD, delivery],
      );
    }
    const received = new Date('2026-12-07T01:00:00Z');
    await ingress.deliveries.record({
      platform: 'github',
      deliveryId: 'del-a',
      event: 'pull_request',
      action: 'opened',
      repo: 'acme/app-a',
      receivedAt: received,
    });
    await ingress.deliveries.settle(
      { platform: 'github', deliveryId: 'del-a', event: 'pull_request', receivedAt: received },
      'matched',
      [runA],
      `swift-review -> ${runA}`,
    );
    await ingress.deliveries.record({
      platform: 'github',
      deliveryId: 'del-b',
      event: 'pull_request',
      action: 'opened',
      repo: 'acme/app-b',
      receivedAt: received,
    });
    await ingress.deliveries.settle(
      { platform: 'github', deliveryId: 'del-b', event: 'pull_request', receivedAt: received },
      'matched',
      [runB],
      `swift-review -> ${runB}; secret plans of app-b`,
    );
    await db.query(
      `INSERT INTO ingress_trigger_outcomes (source, source_id, workflow, outcome, reason, platform, repo, pr, head_sha, trigger)
       VALUES ('webhook', 'github:del-b', 'docs-on-push', 'skipped', 'app-b only runs on push', 'github', 'acme/app-b', 3, $1, 'pull_request.opened')`,
      [HEAD],
    );
  });

  afterAll(async () => {
    await bus.drain();
    await db.close();
  });

  it('answers 401 to an unauthenticated start or upload before looking at the body', async () => {
    const badStart = await ingress.api.startRun(undefined, { workflow: 3, repo: 'not a repo' });
    expect(badStart).toEqual({ status: 401, body: { error: expect.stringMatching(/bearer token/) } });
    const wrongToken = await ingress.api.startRun('Bearer aft_nope', { nothing: true });
    expect(wrongToken.status).toBe(401);
    const badUpload = await ingress.api.uploadArtifact(undefined, runA, { name: '..', kind: 'bogus' });
    expect(badUpload).toEqual({ status: 401, body: { error: expect.stringMatching(/bearer token/) } });
    expect(JSON.stringify([badStart.body, badUpload.body])).not.toMatch(/problems|name|kind/);
    // Authenticated, the same bodies get the list of bad fields.
    const validated = await ingress.api.startRun(bearer(ciA), { workflow: 3, repo: 'not a repo' });
    expect(validated.status).toBe(400);
    expect((validated.body as { problems: string[] }).problems.length).toBeGreaterThan(0);
  });

  it('refuses a token for one repository to start, read or upload for another', async () => {
    const start = await ingress.api.startRun(bearer(ciA), {
      workflow: 'swift-review',
      repo: 'acme/app-b',
      headSha: HEAD,
    });
    expect(start.status).toBe(403);
    expect((await ingress.api.getRun(bearer(ciA), runB)).status).toBe(403);
    expect((await ingress.api.getRun(bearer(readerA), runB)).status).toBe(403);
    expect((await ingress.api.getRun(bearer(readerA), runA)).status).toBe(200);
    const upload = await ingress.api.uploadArtifact(bearer(ciA), runB, {
      name: 'coverage.xml',
      kind: 'coverage',
      content: '<coverage/>',
    });
    expect(upload.status).toBe(403);
    expect((await ingress.api.listRuns(bearer(readerA), { repo: 'acme/app-b' })).status).toBe(403);
    expect(
      (
        await ingress.api.uploadArtifact(bearer(readerA), runA, {
          name: 'coverage.xml',
          kind: 'coverage',
          content: '<coverage/>',
        })
      ).status,
    ).toBe(403);
  });

  it("answers ?delivery= only within the token's repositories, every field filtered", async () => {
    const other = await ingress.api.listRuns(bearer(readerA), { delivery: 'del-b' });
    expect(other).toEqual({ status: 404, body: { error: 'no delivery del-b on github' } });
    const missing = await ingress.api.listRuns(bearer(readerA), { delivery: 'del-none' });
    expect(missing.body).toEqual({ error: 'no delivery del-none on github' });
    const own = await ingress.api.listRuns(bearer(readerA), { delivery: 'del-a' });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({
      delivery: { id: 'del-a', repo: 'acme/app-a', runIds: [runA] },
      runs: [expect.objectContaining({ runId: runA })],
      skipped: [],
    });
    // The admin sees app-b's delivery whole.
    const admin = await ingress.api.listRuns(bearer(ADMIN), { delivery: 'del-b' });
    expect(admin.body).toMatchObject({
      delivery: { runIds: [runB], detail: expect.stringContaining('app-b') },
      skipped: [{ workflow: 'docs-on-push', reason: 'app-b only runs on push' }],
    });
  });

  it('refuses bad query parameters with 400 and odd run ids with 404, after authentication', async () => {
    expect((await ingress.api.listRuns(undefined, { delivery: 'x'.repeat(15_000) })).status).toBe(401);
    const long = await ingress.api.listRuns(bearer(readerA), { delivery: 'x'.repeat(15_000) });
    expect(long.status).toBe(400);
    expect(JSON.stringify(long.body).length).toBeLessThan(500);
    expect((await ingress.api.listRuns(bearer(readerA), { delivery: 'a\u00ff\u00feb' })).status).toBe(400);
    expect((await ingress.api.listRuns(bearer(readerA), { delivery: ['a', 'b'] })).status).toBe(400);
    expect(
      (await ingress.api.listRuns(bearer(readerA), { delivery: 'del-a', platform: 'bitbucket' })).status,
    ).toBe(400);
    expect(
      (await ingress.api.listRuns(bearer(readerA), { repo: 'acme/app-a', pr: '9007199254740992' })).status,
    ).toBe(400);
    expect((await ingress.api.listRuns(bearer(readerA), { repo: 'acme/app-a', pr: '3' })).status).toBe(200);
    expect((await ingress.api.getRun(bearer(readerA), 'r\u0000x')).status).toBe(404);
    expect((await ingress.api.getRun(bearer(readerA), 'x'.repeat(5000))).status).toBe(404);
  });

  it('refuses artifact names . and .., invalid base64, NUL characters and numbers out of range with 400', async () => {
    const upload = (body: Record<string, unknown>) =>
      ingress.api.uploadArtifact(bearer(ciA), runA, { kind: 'other', content: 'x', ...body });
    for (const name of ['.', '..']) {
      const r = await upload({ name });
      expect(r.status).toBe(400);
      expect((r.body as { problems: string[] }).problems).toEqual([
        expect.stringContaining('not "." or ".."'),
      ]);
    }
    const base64 = await upload({ name: 'cov.bin', encoding: 'base64', content: 'not base64!!' });
    expect(base64.status).toBe(400);
    expect(JSON.stringify(base64.body)).toMatch(/not valid base64/);
    expect((await upload({ name: 'cov.bin', encoding: 'base64', content: 'abc' })).status).toBe(400);
    const good = await upload({
      name: 'cov.bin',
      encoding: 'base64',
      content: Buffer.from('hello coverage').toString('base64'),
    });
    expect(good).toMatchObject({ status: 201, body: { name: 'cov.bin', size: 14 } });
    const nul = await ingress.api.startRun(bearer(ciA), {
      workflow: 'swift-review',
      repo: 'acme/app-a',
      headSha: HEAD,
      headRef: 'feature\u0000x',
    });
    expect(nul).toEqual({
      status: 400,
      body: {
        error: 'invalid request body',
        problems: ['headRef contains a NUL character or an unpaired UTF-16 surrogate'],
      },
    });
    const surrogate = await ingress.api.startRun(bearer(ciA), {
      workflow: 'swift-review\ud800',
      repo: 'acme/app-a',
      headSha: HEAD,
    });
    expect(surrogate.status).toBe(400);
    const hugePr = await ingress.api.startRun(bearer(ciA), {
      workflow: 'swift-review',
      repo: 'acme/app-a',
      headSha: HEAD,
      pr: 9007199254740992,
    });
    expect(hugePr.status).toBe(400);
    expect(JSON.stringify(hugePr.body)).toMatch(/pr/);
    const dotInStart = await ingress.api.startRun(bearer(ciA), {
      workflow: 'swift-review',
      repo: 'acme/app-a',
      headSha: HEAD,
      artifacts: [{ name: '..', kind: 'other', content: 'x' }],
    });
    expect(dotInStart.status).toBe(400);
    const base64InStart = await ingress.api.startRun(bearer(ciA), {
      workflow: 'swift-review',
      repo: 'acme/app-a',
      headSha: HEAD,
      artifacts: [{ name: 'a.bin', kind: 'other', content: '***', encoding: 'base64' }],
    });
    expect(base64InStart).toMatchObject({
      status: 400,
      body: { problems: [expect.stringMatching(/^artifacts\[0\]\.content is not valid base64/)] },
    });
  });
});
