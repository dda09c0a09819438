/**
 * The real payloads of @octokit/webhooks-examples and GitLab's documented hook bodies through the
 * intake, with good and bad signatures; what reaches the bus is read back from the stream.
 */
import { randomUUID } from 'node:crypto';

// @octokit/webhooks-methods exports only an `import` condition, which Jest's CommonJS resolver does
// not match; load its real Node build by path (the code under test is unchanged).
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
import {
  FIXTURE_WORKFLOWS,
  githubExample,
  githubExamples,
  githubHeaders,
  gitlabSamples,
  TEST_GITLAB_TOKEN,
  testConfig,
} from '../testing/fixtures';
import { GITHUB_EVENTS } from './intake';

describe('webhook intake with real payloads', () => {
  let db: SqlDatabase;
  let bus: EmbeddedBus;
  let topo: Topology;
  let ingress: Ingress;
  let now = new Date('2026-11-25T10:00:00Z');

  const onBus = async (platform: string) => {
    const msgs = await bus.readSubject(topo.streams.webhooks.name, topo.subjects.webhooks(platform));
    return msgs.map((m) => ({
      msgId: m.headers['Nats-Msg-Id'],
      envelope: JSON.parse(Buffer.from(m.data).toString('utf8')) as {
        type: string;
        body: { deliveryId: string; event: string; payload: string };
      },
    }));
  };

  beforeAll(async () => {
    db = await PgliteDatabase.open();
    await runMigrations(db);
    topo = topology(`t_wh_${randomUUID().slice(0, 8)}`);
    bus = new EmbeddedBus({ deadLetterSubject: topo.subjects.dlq });
    await bus.ensureStream(topo.streams.webhooks);
    ingress = createIngress(
      { bus, messenger: createMessenger(bus, topo), topology: topo, db },
      testConfig({ INGRESS_MAX_BODY_BYTES: String(2 * 1024 * 1024) }),
      {
        matcher: WorkflowProjectMatcher.fromDirectory(FIXTURE_WORKFLOWS),
        platforms: {},
        clock: () => now,
      },
    );
  });

  afterAll(async () => {
    await bus.drain();
    await db.close();
  });

  it('publishes every handled example with a valid signature, byte for byte, keyed by its delivery id', async () => {
    const examples = githubExamples().filter((e) => GITHUB_EVENTS.has(e.event));
    expect(examples.length).toBeGreaterThan(40);
    const expected: string[] = [];
    for (const [i, e] of examples.entries()) {
      const id = `gh-${i}-${e.event}`;
      const reply = await ingress.intake.github({
        headers: githubHeaders(e.event, id, e.body),
        rawBody: Buffer.from(e.body),
      });
      if (e.event === 'ping') {
        expect(reply).toEqual({ status: 200, body: { result: 'pong', deliveryId: id } });
        continue;
      }
      expect(reply).toEqual({ status: 202, body: { result: 'queued', deliveryId: id } });
      expected.push(id);
    }
    const published = await onBus('github');
    expect(published.map((p) => p.envelope.body.deliveryId)).toEqual(expected);
    for (const p of published) {
      expect(p.envelope.type).toBe('webhook.received');
      expect(p.msgId).toBe(`webhook:github:${p.envelope.body.deliveryId}`);
      const original = examples[Number(p.envelope.body.deliveryId.split('-')[1])];
      expect(p.envelope.body.payload).toBe(original.body);
    }
  });

  it('answers 202 and ignores events agentflow does not handle, publishing nothing', async () => {
    const before = (await onBus('github')).length;
    const others = githubExamples().filter((e) => !GITHUB_EVENTS.has(e.event));
    for (const [i, e] of others.entries()) {
      const reply = await ingress.intake.github({
        headers: githubHeaders(e.event, `other-${i}`, e.body),
        rawBody: Buffer.from(e.body),
      });
      expect(reply.status).toBe(202);
      expect(reply.body.result).toBe('ignored');
    }
    expect((await onBus('github')).length).toBe(before);
    const recorded = await ingress.deliveries.get('github', 'other-0');
    expect(recorded?.outcome).toBe('ignored');
  });

  it('refuses a missing, wrong or tampered signature with 401 and publishes nothing', async () => {
    const before = (await onBus('github')).length;
    const e = githubExample('pull_request', 'opened');
    const wrongSecret = await ingress.intake.github({
      headers: githubHeaders(e.event, 'bad-1', e.body, 'not-the-secret'),
      rawBody: Buffer.from(e.body),
    });
    const missing = await ingress.intake.github({
      headers: { 'x-github-event': e.event, 'x-github-delivery': 'bad-2' },
      rawBody: Buffer.from(e.body),
    });
    const tampered = await ingress.intake.github({
      headers: githubHeaders(e.event, 'bad-3', e.body),
      rawBody: Buffer.from(e.body.replace('"opened"', '"closed"')),
    });
    const sha1Only = await ingress.intake.github({
      headers: { 'x-github-event': e.event, 'x-github-delivery': 'bad-4', 'x-hub-signature': 'sha1=0000' },
      rawBody: Buffer.from(e.body),
    });
    for (const reply of [wrongSecret, missing, tampered, sha1Only]) expect(reply.status).toBe(401);
    expect((await onBus('github')).length).toBe(before);
  });

  it('answers 400 to a malformed body, 413 to one too large, and never throws on odd input', async () => {
    const malformed = '{"action": "opened", ';
    expect(
      (
        await ingress.intake.github({
          headers: githubHeaders('pull_request', 'm-1', malformed),
          rawBody: Buffer.from(malformed),
        })
      ).status,
    ).toBe(400);
    const array = '[1,2,3]';
    expect(
      (
        await ingress.intake.github({
          headers: githubHeaders('pull_request', 'm-2', array),
          rawBody: Buffer.from(array),
        })
      ).status,
    ).toBe(400);
    const noId = '{}';
    expect(
      (
        await ingress.intake.github({
          headers: { ...githubHeaders('pull_request', 'x', noId), 'x-github-delivery': '' },
          rawBody: Buffer.from(noId),
        })
      ).status,
    ).toBe(400);
    const huge = Buffer.alloc(2 * 1024 * 1024 + 1, 0x20);
    expect(
      (await ingress.intake.github({ headers: githubHeaders('push', 'm-3', huge), rawBody: huge })).status,
    ).toBe(413);
    expect((await ingress.intake.github({ headers: {}, rawBody: undefined })).status).toBe(400);
    const notUtf8 = Buffer.from([0xff, 0xfe, 0x7b, 0x7d]);
    expect(
      (await ingress.intake.github({ headers: githubHeaders('push', 'm-4', notUtf8), rawBody: notUtf8 }))
        .status,
    ).toBe(401);
  });

  it('recognises a replayed delivery at once and a day later, publishing it once', async () => {
    const e = githubExample('pull_request', 'synchronize');
    const first = await ingress.intake.github({
      headers: githubHeaders(e.event, 'replay-1', e.body),
      rawBody: Buffer.from(e.body),
    });
    const again = await ingress.intake.github({
      headers: githubHeaders(e.event, 'replay-1', e.body),
      rawBody: Buffer.from(e.body),
    });
    now = new Date(now.getTime() + 25 * 3600_000);
    const dayLater = await ingress.intake.github({
      headers: githubHeaders(e.event, 'replay-1', e.body),
      rawBody: Buffer.from(e.body),
    });
    expect([first.body.result, again.body.result, dayLater.body.result]).toEqual([
      'queued',
      'duplicate',
      'duplicate',
    ]);
    expect((await onBus('github')).filter((p) => p.envelope.body.deliveryId === 'replay-1')).toHaveLength(1);
  });

  const samples = gitlabSamples();
  (samples ? it : it.skip)(
    `publishes GitLab's documented hook bodies with the right token and refuses a wrong one${samples ? '' : ' (skipped: /work/shared/samples is absent)'}`,
    async () => {
      for (const [i, s] of samples!.entries()) {
        const good = await ingress.intake.gitlab({
          headers: {
            'x-gitlab-event': s.event,
            'x-gitlab-token': TEST_GITLAB_TOKEN,
            'x-gitlab-event-uuid': `gl-${i}`,
          },
          rawBody: Buffer.from(s.body),
        });
        expect(good).toEqual({ status: 202, body: { result: 'queued', deliveryId: `gl-${i}` } });
        const bad = await ingress.intake.gitlab({
          headers: {
            'x-gitlab-event': s.event,
            'x-gitlab-token': 'wrong',
            'x-gitlab-event-uuid': `gl-bad-${i}`,
          },
          rawBody: Buffer.from(s.body),
        });
        expect(bad.status).toBe(401);
        const none = await ingress.intake.gitlab({
          headers: { 'x-gitlab-event': s.event, 'x-gitlab-event-uuid': `gl-none-${i}` },
          rawBody: Buffer.from(s.body),
        });
        expect(none.status).toBe(401);
      }
      const unknown = await ingress.intake.gitlab({
        headers: {
          'x-gitlab-event': 'Wiki Page Hook',
          'x-gitlab-token': TEST_GITLAB_TOKEN,
          'x-gitlab-event-uuid': 'gl-wiki',
        },
        rawBody: Buffer.from('{}'),
      });
      expect(unknown.body.result).toBe('ignored');
      const published = await onBus('gitlab');
      expect(published.map((p) => p.envelope.body.event)).toEqual(samples!.map((s) => s.event));
      expect(published.map((p) => p.envelope.body.payload)).toEqual(samples!.map((s) => s.body));
    },
  );
});
