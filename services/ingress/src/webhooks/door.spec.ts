/**
 * Signed webhooks whose content PostgreSQL cannot take as is (a NUL, an unpaired surrogate, a number
 * out of range for its column), odd delivery ids and headers, and webhook-secret rotation: each ends
 * answered and recorded, never retried into a dead letter or forgotten.
 */
import { randomUUID } from 'node:crypto';

jest.mock(
  '@octokit/webhooks-methods',
  () => jest.requireActual(`${process.cwd()}/node_modules/@octokit/webhooks-methods/dist-node/index.js`),
  { virtual: true },
);

import { ConfigError, topology, type Topology, type WebhookReceived } from '@agentflow/contracts';
import { createMessenger, EmbeddedBus } from '@agentflow/bus';
import { PgliteDatabase, runMigrations, type SqlDatabase } from '@agentflow/store';
import { readIngressConfig } from '../config';
import { createIngress, type Ingress } from '../ingress';
import { WorkflowProjectMatcher, type TriggerMatcher } from '../trigger/trigger-matcher';
import {
  FIXTURE_WORKFLOWS,
  githubExample,
  githubHeaders,
  sign,
  TEST_GITLAB_TOKEN,
  testConfig,
} from '../testing/fixtures';

const MR_HOOK = (action: string, iid = 7) =>
  JSON.stringify({
    object_kind: 'merge_request',
    event_type: 'merge_request',
    user: { username: 'dev', id: 5 },
    project: { id: 15, path_with_namespace: 'acme/android-app' },
    object_attributes: {
      iid,
      action,
      state: 'opened',
      source_branch: 'feature',
      target_branch: 'main',
      title: 'Login',
      last_commit: { id: 'b'.repeat(40) },
    },
    labels: [],
  });

describe('webhooks at the door', () => {
  let db: SqlDatabase;
  let bus: EmbeddedBus;
  let topo: Topology;
  let ingress: Ingress;
  let failWith: unknown;
  const fixtureMatcher = WorkflowProjectMatcher.fromDirectory(FIXTURE_WORKFLOWS);
  // The fixture matcher, unless a test makes it fail the way a database statement would.
  const matcher: TriggerMatcher = {
    match: async (e, at) => {
      if (failWith) throw failWith;
      return fixtureMatcher.match(e, at);
    },
    workflow: (id) => fixtureMatcher.workflow(id),
  };

  const published = async (platform: string, deliveryId: string): Promise<WebhookReceived> => {
    const msgs = await bus.readSubject(topo.streams.webhooks.name, topo.subjects.webhooks(platform));
    const bodies = msgs.map(
      (m) => (JSON.parse(Buffer.from(m.data).toString('utf8')) as { body: WebhookReceived }).body,
    );
    const found = bodies.find((b) => b.deliveryId === deliveryId);
    if (!found) throw new Error(`delivery ${deliveryId} was not published`);
    return found;
  };
  const gitlab = (body: string, id: string, extra: Record<string, string | string[]> = {}) =>
    ingress.intake.gitlab({
      headers: {
        'x-gitlab-event': 'Merge Request Hook',
        'x-gitlab-token': TEST_GITLAB_TOKEN,
        'x-gitlab-event-uuid': id,
        ...extra,
      },
      rawBody: Buffer.from(body),
    });

  beforeAll(async () => {
    db = await PgliteDatabase.open();
    await runMigrations(db);
    topo = topology(`t_door_${randomUUID().slice(0, 8)}`);
    bus = new EmbeddedBus({ deadLetterSubject: topo.subjects.dlq });
    for (const s of [topo.streams.webhooks, topo.streams.runs, topo.streams.ci]) await bus.ensureStream(s);
    const files = async () => [
      { path: 'App/Login.kt', status: 'modified' as const, additions: 1, deletions: 0 },
    ];
    const client = {
      pullRequest: async () => ({
        pr: 7,
        headSha: 'b'.repeat(40),
        baseSha: 'c'.repeat(40),
        headRef: 'feature',
        baseRef: 'main',
        author: 'dev',
        title: 'Login',
        draft: false,
        state: 'open' as const,
        labels: [],
      }),
      changedFiles: files,
      compareFiles: files,
      canWrite: async () => true,
      comment: async () => undefined,
      openPullRequests: async () => [],
    };
    ingress = createIngress(
      { bus, messenger: createMessenger(bus, topo), topology: topo, db },
      testConfig(),
      {
        matcher,
        platforms: { github: { platform: 'github', ...client }, gitlab: { platform: 'gitlab', ...client } },
      },
    );
  });

  afterAll(async () => {
    await bus.drain();
    await db.close();
  });

  it('records a signed GitLab hook with a NUL in its action, and knows its redelivery', async () => {
    const body = MR_HOOK('open\u0000');
    expect(body).toContain('\\u0000');
    const first = await gitlab(body, 'gl-nul-1');
    expect(first).toEqual({ status: 202, body: { result: 'queued', deliveryId: 'gl-nul-1' } });
    // A first delivery (not the last attempt) must not throw: a throw is a redelivery, and four of them a dead letter.
    const outcome = await ingress.processor.process(await published('gitlab', 'gl-nul-1'), false);
    expect(outcome).toEqual({
      outcome: 'ignored',
      runIds: [],
      detail: 'merge request open\uFFFD starts no review',
    });
    expect(await ingress.deliveries.get('gitlab', 'gl-nul-1')).toMatchObject({
      outcome: 'ignored',
      detail: 'merge request open\uFFFD starts no review',
    });
    expect((await gitlab(body, 'gl-nul-1')).body.result).toBe('duplicate');
  });

  it('records a signed GitHub pull_request with a NUL in action or repository name, and an unpaired surrogate', async () => {
    const base = JSON.parse(githubExample('pull_request', 'opened').body) as {
      action: string;
      repository: { full_name: string };
      pull_request: { title: string };
    };
    const cases: Array<[string, (p: typeof base) => void]> = [
      [
        'gh-nul-action',
        (p) => {
          p.action = 'opened\u0000';
        },
      ],
      [
        'gh-nul-repo',
        (p) => {
          p.repository.full_name = 'acme/ios\u0000app';
        },
      ],
      [
        'gh-surrogate',
        (p) => {
          p.pull_request.title = 'half \ud83d of an emoji';
          p.repository.full_name = 'acme/\udc00';
        },
      ],
    ];
    for (const [id, mutate] of cases) {
      const payload = structuredClone(base);
      mutate(payload);
      const body = JSON.stringify(payload);
      const reply = await ingress.intake.github({
        headers: githubHeaders('pull_request', id, body),
        rawBody: Buffer.from(body),
      });
      expect(reply).toEqual({ status: 202, body: { result: 'queued', deliveryId: id } });
      const outcome = await ingress.processor.process(await published('github', id), false);
      expect(['ignored', 'matched', 'rejected']).toContain(outcome.outcome);
      const recorded = await ingress.deliveries.get('github', id);
      expect(recorded?.outcome).toBe(outcome.outcome);
      expect(recorded?.detail).toBeTruthy();
      expect(
        (
          await ingress.intake.github({
            headers: githubHeaders('pull_request', id, body),
            rawBody: Buffer.from(body),
          })
        ).body.result,
      ).toBe('duplicate');
    }
    expect((await ingress.deliveries.get('github', 'gh-nul-repo'))?.repo).toBe('acme/ios\uFFFDapp');
  });

  it('does not retry an iid out of range for its column, nor any SQL data error (SQLSTATE class 22)', async () => {
    const body = MR_HOOK('close', 9007199254740992);
    expect((await gitlab(body, 'gl-huge-iid')).status).toBe(202);
    const outcome = await ingress.processor.process(await published('gitlab', 'gl-huge-iid'), false);
    expect(outcome).toEqual({
      outcome: 'ignored',
      runIds: [],
      detail: 'merge request close without project or iid',
    });
    expect((await ingress.deliveries.get('gitlab', 'gl-huge-iid'))?.outcome).toBe('ignored');

    // Whatever statement raises a data exception, the delivery is rejected on its first attempt.
    failWith = Object.assign(new Error('value "9007199254740992" is out of range for type integer'), {
      code: '22003',
    });
    try {
      expect((await gitlab(MR_HOOK('open', 8), 'gl-data-error')).status).toBe(202);
      const rejected = await ingress.processor.process(await published('gitlab', 'gl-data-error'), false);
      expect(rejected.outcome).toBe('rejected');
      expect(rejected.detail).toMatch(/database refused a value.*out of range/);
      expect((await ingress.deliveries.get('gitlab', 'gl-data-error'))?.outcome).toBe('rejected');
      // A connection failure is still retried (thrown for the bus to redeliver).
      failWith = Object.assign(new Error('connection terminated'), { code: '08006' });
      expect((await gitlab(MR_HOOK('open', 9), 'gl-conn-error')).status).toBe(202);
      await expect(
        ingress.processor.process(await published('gitlab', 'gl-conn-error'), false),
      ).rejects.toThrow('connection terminated');
    } finally {
      failWith = undefined;
    }
  });

  it('rejects a payload that is not a JSON object as a recorded rejection', async () => {
    const delivery: WebhookReceived = {
      platform: 'github',
      deliveryId: 'gh-not-json',
      event: 'push',
      payload: '{"ref":',
      receivedAt: new Date().toISOString(),
    };
    expect(await ingress.processor.process(delivery, false)).toEqual({
      outcome: 'rejected',
      runIds: [],
      detail: 'rejected: the payload is not JSON',
    });
    expect((await ingress.deliveries.get('github', 'gh-not-json'))?.outcome).toBe('rejected');
  });

  it('refuses delivery ids that are too long or not of the id alphabet, and repeated routing headers', async () => {
    const e = githubExample('pull_request', 'opened');
    const post = (headers: Record<string, string | string[]>) =>
      ingress.intake.github({
        headers: { ...githubHeaders(e.event, 'ok-id', e.body), ...headers },
        rawBody: Buffer.from(e.body),
      });
    const long = await post({ 'x-github-delivery': 'x'.repeat(15_000) });
    expect(long.status).toBe(400);
    expect(JSON.stringify(long.body).length).toBeLessThan(400);
    expect(JSON.stringify(long.body)).not.toContain('xxxxxxxxxx');
    // Node reads header bytes 0xFF 0xFE as latin1 characters.
    expect((await post({ 'x-github-delivery': 'id-\u00ff\u00fe' })).status).toBe(400);
    expect((await post({ 'x-github-delivery': ['a-1', 'a-2'] })).status).toBe(400);
    expect((await post({ 'x-github-delivery': 'a-1, a-2' })).status).toBe(400);
    expect((await post({ 'x-github-event': ['pull_request', 'push'] })).status).toBe(400);
    expect((await post({ 'x-github-event': 'pull_request\u0000' })).status).toBe(400);
    const good = sign(e.body);
    expect((await post({ 'x-hub-signature-256': [good, good] })).status).toBe(401);
    expect((await post({ 'x-hub-signature-256': `${good}, ${good}` })).status).toBe(401);
    expect((await gitlab(MR_HOOK('open'), 'gl-long', { 'idempotency-key': 'k'.repeat(200) })).status).toBe(
      400,
    );
    expect(
      (await gitlab(MR_HOOK('open'), 'gl-dup', { 'x-gitlab-token': [TEST_GITLAB_TOKEN, TEST_GITLAB_TOKEN] }))
        .status,
    ).toBe(401);
    expect(await ingress.deliveries.get('github', 'x'.repeat(15_000))).toBeNull();
  });
});

describe('webhook secret rotation', () => {
  const OLD = 'old-github-secret',
    NEW = 'new-github-secret';
  const OLD_TOKEN = 'old-gitlab-token',
    NEW_TOKEN = 'new-gitlab-token';
  const END = '2026-12-08T12:00:00Z';
  let db: SqlDatabase;
  let bus: EmbeddedBus;
  let now = new Date('2026-12-08T11:00:00Z');

  beforeAll(async () => {
    db = await PgliteDatabase.open();
    await runMigrations(db);
    bus = new EmbeddedBus();
  });
  afterAll(async () => {
    await bus.drain();
    await db.close();
  });

  const open = (env: Record<string, string>, secret?: (v: string) => string | undefined): Ingress => {
    const topo = topology(`t_rot_${randomUUID().slice(0, 8)}`);
    return createIngress(
      { bus, messenger: createMessenger(bus, topo), topology: topo, db },
      testConfig(env),
      {
        matcher: WorkflowProjectMatcher.fromDirectory(FIXTURE_WORKFLOWS),
        platforms: {},
        clock: () => now,
        publisher: { ready: () => true, publish: async () => undefined },
        secret,
      },
    );
  };
  const github = (ingress: Ingress, secret: string) => {
    const e = githubExample('pull_request', 'opened');
    return ingress.intake.github({
      headers: githubHeaders(e.event, randomUUID(), e.body, secret),
      rawBody: Buffer.from(e.body),
    });
  };
  const gitlab = (ingress: Ingress, token: string) =>
    ingress.intake.gitlab({
      headers: {
        'x-gitlab-event': 'Merge Request Hook',
        'x-gitlab-token': token,
        'x-gitlab-event-uuid': randomUUID(),
      },
      rawBody: Buffer.from(MR_HOOK('open')),
    });

  it('accepts the old and the new secret during the overlap, and only the new one after it (GitHub and GitLab)', async () => {
    const ingress = open({
      GITHUB_WEBHOOK_SECRET: NEW,
      GITHUB_WEBHOOK_PREVIOUS_SECRET: OLD,
      GITHUB_WEBHOOK_PREVIOUS_SECRET_UNTIL: END,
      GITLAB_WEBHOOK_TOKEN: NEW_TOKEN,
      GITLAB_WEBHOOK_PREVIOUS_TOKEN: OLD_TOKEN,
      GITLAB_WEBHOOK_PREVIOUS_TOKEN_UNTIL: END,
    });
    now = new Date('2026-12-08T11:59:59Z');
    expect((await github(ingress, OLD)).status).toBe(202);
    expect((await github(ingress, NEW)).status).toBe(202);
    expect((await gitlab(ingress, OLD_TOKEN)).status).toBe(202);
    expect((await gitlab(ingress, NEW_TOKEN)).status).toBe(202);
    expect((await github(ingress, 'neither')).status).toBe(401);
    expect((await gitlab(ingress, 'neither')).status).toBe(401);
    now = new Date(END);
    expect((await github(ingress, OLD)).status).toBe(401);
    expect((await gitlab(ingress, OLD_TOKEN)).status).toBe(401);
    expect((await github(ingress, NEW)).status).toBe(202);
    expect((await gitlab(ingress, NEW_TOKEN)).status).toBe(202);
  });

  it('takes a secret rotated in its mounted file without a restart', async () => {
    const files: Record<string, string> = { GITHUB_WEBHOOK_SECRET: OLD };
    const ingress = open({ GITHUB_WEBHOOK_SECRET: OLD }, (v) => files[v]);
    expect((await github(ingress, OLD)).status).toBe(202);
    files.GITHUB_WEBHOOK_SECRET = NEW;
    expect((await github(ingress, NEW)).status).toBe(202);
    expect((await github(ingress, OLD)).status).toBe(401);
  });

  it('refuses to start with a previous secret and no end of the overlap', () => {
    expect(() =>
      readIngressConfig({ GITHUB_WEBHOOK_SECRET: NEW, GITHUB_WEBHOOK_PREVIOUS_SECRET: OLD }),
    ).toThrow(ConfigError);
    expect(() =>
      readIngressConfig({ GITHUB_WEBHOOK_SECRET: NEW, GITHUB_WEBHOOK_PREVIOUS_SECRET: OLD }),
    ).toThrow(/GITHUB_WEBHOOK_PREVIOUS_SECRET_UNTIL must say when the rotation ends/);
    expect(() =>
      readIngressConfig({
        GITLAB_WEBHOOK_PREVIOUS_TOKEN: OLD_TOKEN,
        GITLAB_WEBHOOK_PREVIOUS_TOKEN_UNTIL: 'next tuesday',
      }),
    ).toThrow(/ISO-8601/);
    expect(() => readIngressConfig({ GITLAB_WEBHOOK_PREVIOUS_TOKEN_UNTIL: END })).toThrow(
      /GITLAB_WEBHOOK_PREVIOUS_TOKEN is not/,
    );
    const config = readIngressConfig({
      GITHUB_WEBHOOK_SECRET: NEW,
      GITHUB_WEBHOOK_PREVIOUS_SECRET: OLD,
      GITHUB_WEBHOOK_PREVIOUS_SECRET_UNTIL: END,
    });
    expect(config.githubPreviousWebhookSecret).toEqual({ value: OLD, until: new Date(END) });
  });
});
