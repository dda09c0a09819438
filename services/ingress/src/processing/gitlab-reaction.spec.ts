/**
 * A 👎 on agentflow's GitLab discussion (`Emoji Hook`) dismisses the finding: recorded for the
 * notifier and published as `finding.dismissed` for the coordinator, only from Developer and up.
 * PGlite, the embedded bus and the fake GitLab.
 */
import { randomUUID } from 'node:crypto';

jest.mock(
  '@octokit/webhooks-methods',
  () => jest.requireActual(`${process.cwd()}/node_modules/@octokit/webhooks-methods/dist-node/index.js`),
  { virtual: true },
);

import { topology, type FindingDismissed, type Topology, type WebhookReceived } from '@agentflow/contracts';
import { createMessenger, EmbeddedBus } from '@agentflow/bus';
import { startFakeGitLab, type FakeGitLab } from '@agentflow/fake-platforms';
import { PgliteDatabase, runMigrations, type SqlDatabase } from '@agentflow/store';
import { createIngress, type Ingress } from '../ingress';
import { testConfig } from '../testing/fixtures';

const PROJECT = 42;
const REPO = 'acme/android-app';
const FINGERPRINT = '3f9c2a7d41be88e05c11';

describe('GitLab thumbs-down on an agentflow discussion', () => {
  let db: SqlDatabase;
  let bus: EmbeddedBus;
  let topo: Topology;
  let gl: FakeGitLab;
  let ingress: Ingress;

  const emoji = (
    name: string,
    userId: number,
    username: string,
    noteId = 777,
    eventType = 'award',
  ): WebhookReceived => ({
    platform: 'gitlab',
    deliveryId: randomUUID(),
    event: 'Emoji Hook',
    receivedAt: new Date().toISOString(),
    payload: JSON.stringify({
      object_kind: 'emoji',
      event_type: eventType,
      user: { id: userId, username, name: username },
      project_id: PROJECT,
      project: { id: PROJECT, path_with_namespace: REPO },
      object_attributes: { id: 1, name, awardable_type: 'Note', awardable_id: noteId, user_id: userId },
      note: { id: noteId, noteable_type: 'MergeRequest' },
      merge_request: { iid: 9, id: 900 },
    }),
  });
  const published = async () =>
    (await bus.readSubject(topo.streams.runs.name, topo.subjects.findingDismissed)).map(
      (m) => (JSON.parse(Buffer.from(m.data).toString()) as { body: FindingDismissed }).body,
    );

  beforeAll(async () => {
    db = await PgliteDatabase.open();
    await runMigrations(db);
    topo = topology(`t_glreact_${randomUUID().slice(0, 8)}`);
    bus = new EmbeddedBus({ deadLetterSubject: topo.subjects.dlq });
    await bus.ensureStream(topo.streams.runs);
    gl = await startFakeGitLab();
    gl.seedMergeRequest({
      projectId: PROJECT,
      projectPath: REPO,
      iid: 9,
      title: 'Login',
      state: 'opened',
      author: 'dev',
      sourceBranch: 'feature',
      targetBranch: 'main',
      headSha: 'a'.repeat(40),
      baseSha: 'b'.repeat(40),
      diffs: [],
    });
    gl.members.set(`${PROJECT}:7`, 30);
    gl.members.set(`${PROJECT}:8`, 10);
    ingress = createIngress(
      { bus, messenger: createMessenger(bus, topo), topology: topo, db },
      testConfig({ GITLAB_URL: gl.apiUrl, GITLAB_TOKEN: 'glpat-test' }),
    );
    // What the notifier recorded when it opened the discussion (its first note is 777).
    await db.query(
      `INSERT INTO notifier_inline_comments (platform, repo, pr, workflow, fingerprint, comment_id, thread_id, run_id, head_sha) VALUES ('gitlab', $1, 9, 'kotlin-review', $2, '777', 'd1', 'r1', $3)`,
      [REPO, FINGERPRINT, 'a'.repeat(40)],
    );
  });
  afterAll(async () => {
    await gl.close();
    await bus.drain();
    await db.close();
  });

  it('ignores other emoji, revoked awards, comments that are not findings, and people without Developer access', async () => {
    expect((await ingress.processor.process(emoji('thumbsup', 7, 'dev'))).detail).toMatch(/not a dismissal/);
    expect((await ingress.processor.process(emoji('thumbsdown', 7, 'dev', 777, 'revoke'))).detail).toMatch(
      /not a new reaction/,
    );
    expect((await ingress.processor.process(emoji('thumbsdown', 7, 'dev', 555))).detail).toMatch(
      /not an agentflow finding/,
    );
    expect((await ingress.processor.process(emoji('thumbsdown', 8, 'guest'))).detail).toMatch(/write access/);
    expect(await published()).toEqual([]);
  });

  it('records the dismissal and tells the coordinator, once per finding', async () => {
    const outcome = await ingress.processor.process(emoji('thumbsdown', 7, 'dev'));
    expect(outcome.detail).toBe(`finding ${FINGERPRINT} dismissed by dev (thumbs-down)`);
    await ingress.processor.process(emoji('thumbsdown', 7, 'dev'));
    expect(await published()).toEqual([
      { platform: 'gitlab', repo: REPO, pr: 9, fingerprint: FINGERPRINT, by: 'dev', reason: 'thumbs-down' },
    ]);
    const { rows } = await db.query<{ source: string }>(
      'SELECT source FROM finding_dismissals WHERE platform = $1 AND repo = $2 AND pr = 9',
      ['gitlab', REPO],
    );
    expect(rows).toEqual([{ source: 'reaction' }]);
  });
});
