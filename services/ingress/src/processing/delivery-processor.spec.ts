/** The delivery consumer and the reconciler against the fake GitHub, on PGlite and the embedded bus. */
import { randomUUID } from 'node:crypto';

jest.mock(
  '@octokit/webhooks-methods',
  () => jest.requireActual(`${process.cwd()}/node_modules/@octokit/webhooks-methods/dist-node/index.js`),
  { virtual: true },
);

import {
  topology,
  type CiEvent,
  type RunRequested,
  type Topology,
  type WebhookReceived,
} from '@agentflow/contracts';
import { createMessenger, EmbeddedBus } from '@agentflow/bus';
import { PgliteDatabase, runMigrations, type SqlDatabase } from '@agentflow/store';
import { startFakeGitHub, type FakeGitHub } from '@agentflow/fake-platforms';
import { Octokit } from '@octokit/rest';
import { createIngress, type Ingress } from '../ingress';
import { githubExample, testConfig } from '../testing/fixtures';

const HEAD = 'e'.repeat(40);
const PATCH = '@@ -1,1 +1,2 @@\n import UIKit\n+let x = 1';

describe('delivery processing and reconciling', () => {
  let db: SqlDatabase;
  let bus: EmbeddedBus;
  let topo: Topology;
  let gh: FakeGitHub;
  let ingress: Ingress;

  const read = async <T>(subject: string, stream: string) =>
    (await bus.readSubject(stream, subject)).map(
      (m) => (JSON.parse(Buffer.from(m.data).toString()) as { body: T }).body,
    );
  const requested = () => read<RunRequested>(topo.subjects.runsRequested, topo.streams.runs.name);
  const delivery = (event: string, payload: unknown, id: string = randomUUID()): WebhookReceived => ({
    platform: 'github',
    deliveryId: id,
    event,
    payload: JSON.stringify(payload),
    receivedAt: new Date().toISOString(),
  });
  const comment = (body: string, login: string, id: number) => {
    const e = JSON.parse(githubExample('issue_comment', 'created').body);
    e.repository.full_name = 'acme/ios-app';
    delete e.installation;
    e.issue.number = 5;
    e.issue.pull_request = { url: 'x' };
    Object.assign(e.comment, { id, body });
    e.comment.user.login = login;
    e.comment.user.type = 'User';
    return e;
  };

  beforeAll(async () => {
    db = await PgliteDatabase.open();
    await runMigrations(db);
    topo = topology(`t_proc_${randomUUID().slice(0, 8)}`);
    bus = new EmbeddedBus({ deadLetterSubject: topo.subjects.dlq });
    for (const s of [topo.streams.runs, topo.streams.ci, topo.streams.webhooks]) await bus.ensureStream(s);
    gh = await startFakeGitHub();
    gh.seedPullRequest({
      owner: 'acme',
      repo: 'ios-app',
      number: 5,
      headSha: HEAD,
      baseSha: 'c'.repeat(40),
      author: 'dev',
      files: [{ filename: 'App/Login.swift', status: 'modified', additions: 1, deletions: 0, patch: PATCH }],
    });
    gh.setPermission('acme/ios-app', 'maintainer', 'maintain');
    gh.setPermission('acme/ios-app', 'reader', 'read');
    const appOctokit = new Octokit({
      auth: 'app-jwt',
      baseUrl: gh.apiUrl,
      log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    ingress = createIngress(
      { bus, messenger: createMessenger(bus, topo), topology: topo, db },
      testConfig({
        GITHUB_TOKEN: 'ghs_proc',
        GITHUB_API_URL: gh.apiUrl,
        INGRESS_RECONCILE_REPOS: 'acme/ios-app',
      }),
      {
        githubApp: {
          request: async (route, params) => {
            const r = await appOctokit.request(route, params);
            return { data: r.data, headers: r.headers as Record<string, unknown> };
          },
          async *repositories() {},
        },
      },
    );
  });
  afterAll(async () => {
    await gh.close();
    await bus.drain();
    await db.close();
  });

  it('ignores commands from people without write access, and says why', async () => {
    const outcome = await ingress.processor.process(
      delivery('issue_comment', comment('/agentflow review', 'reader', 11)),
    );
    expect(outcome).toMatchObject({ outcome: 'ignored', detail: expect.stringMatching(/write access/) });
    expect(await requested()).toHaveLength(0);
  });

  it('starts a review at the PR head for a maintainer, once per comment', async () => {
    const d = delivery('issue_comment', comment('/agentflow review', 'maintainer', 12));
    const outcome = await ingress.processor.process(d);
    await ingress.processor.process(d);
    expect(outcome.outcome).toBe('matched');
    const runs = await requested();
    expect(new Set(runs.map((r) => r.runId)).size).toBe(1);
    expect(runs[0]).toMatchObject({
      trigger: 'issue_comment:/agentflow review',
      change: { repo: 'acme/ios-app', pr: 5, headSha: HEAD },
    });
  });

  it('answers help and records a dismissal', async () => {
    await ingress.processor.process(delivery('issue_comment', comment('/agentflow help', 'maintainer', 13)));
    expect(gh.state.commentsOn('acme/ios-app', 5).some((c) => c.body.includes('/agentflow dismiss'))).toBe(
      true,
    );
    await ingress.processor.process(
      delivery('issue_comment', comment('/agentflow dismiss 0123456789ab', 'maintainer', 14)),
    );
    const { rows } = await db.query<{ fingerprint_prefix: string; dismissed_by: string }>(
      'SELECT fingerprint_prefix, dismissed_by FROM finding_dismissals',
    );
    expect(rows).toEqual([{ fingerprint_prefix: '0123456789ab', dismissed_by: 'maintainer' }]);
  });

  it('forwards a completed check run to af.ci.github', async () => {
    const payload = JSON.parse(githubExample('check_run', 'completed').body);
    await ingress.processor.process(delivery('check_run', payload, 'ci-1'));
    const ci = await read<CiEvent>(topo.subjects.ci('github'), topo.streams.ci.name);
    expect(ci).toEqual([
      expect.objectContaining({
        platform: 'github',
        headSha: payload.check_run.head_sha,
        name: payload.check_run.name,
      }),
    ]);
  });

  it('records a platform failure as the reason on the last attempt instead of losing the event', async () => {
    gh.failNext({ path: '/pulls/5/files', status: 500, times: 5 });
    const payload = JSON.parse(githubExample('pull_request', 'opened').body);
    payload.repository.full_name = 'acme/ios-app';
    payload.pull_request.number = 5;
    payload.pull_request.head.sha = HEAD;
    const d = delivery('pull_request', payload, 'flaky-1');
    await expect(ingress.processor.process(d)).rejects.toMatchObject({ retryable: true });
    const last = await ingress.processor.process(d, true);
    expect(last).toMatchObject({
      outcome: 'ignored',
      detail: expect.stringMatching(/could not be processed.*HTTP 500/),
    });
    expect((await ingress.deliveries.get('github', 'flaky-1'))?.outcome).toBe('ignored');
  });

  it('reconciles: redelivers failed deliveries once and requests the run a PR head never got', async () => {
    gh.addHookDelivery({ guid: 'lost-1', event: 'pull_request', statusCode: 502 });
    gh.addHookDelivery({ guid: 'lost-1', event: 'pull_request', statusCode: 502 });
    gh.addHookDelivery({ guid: 'fine-1', event: 'pull_request', statusCode: 202 });
    gh.seedPullRequest({
      owner: 'acme',
      repo: 'ios-app',
      number: 6,
      headSha: 'f'.repeat(40),
      baseSha: 'c'.repeat(40),
      author: 'dev',
      files: [{ filename: 'App/Session.swift', status: 'added', additions: 1, deletions: 0, patch: PATCH }],
    });
    const before = (await requested()).length;
    const report = await ingress.reconciler.reconcile();
    expect(report.errors).toEqual([]);
    expect(report.redelivered).toBe(1);
    expect(gh.state.redeliveryRequests).toHaveLength(1);
    const runs = await requested();
    // PR 5 already has outcomes for its head; PR 6 had none.
    expect(runs.slice(before).map((r) => [r.change.pr, r.trigger])).toEqual([[6, 'reconciler']]);
    const again = await ingress.reconciler.reconcile();
    expect(again.runsRequested).toBe(0);
  });
});
