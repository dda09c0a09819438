/**
 * The close event of a pull/merge request records how it ended (`pull_request_outcomes`, read by
 * `agentflow cost` for the cost per merged PR) beside cancelling its runs. GitHub and GitLab
 * payloads through the delivery processor, on PGlite and the embedded bus.
 */
import { randomUUID } from 'node:crypto';

jest.mock(
  '@octokit/webhooks-methods',
  () => jest.requireActual(`${process.cwd()}/node_modules/@octokit/webhooks-methods/dist-node/index.js`),
  { virtual: true },
);

import {
  topology,
  type Platform,
  type RunCancel,
  type Topology,
  type WebhookReceived,
} from '@agentflow/contracts';
import { createMessenger, EmbeddedBus } from '@agentflow/bus';
import { PgliteDatabase, runMigrations, type SqlDatabase } from '@agentflow/store';
import { createIngress, type Ingress } from '../ingress';
import { githubExample, testConfig } from '../testing/fixtures';

interface OutcomeRow {
  outcome: string;
  ended_at: string;
  delivery_id: string;
}

describe('pull request outcomes recorded on close', () => {
  let db: SqlDatabase;
  let bus: EmbeddedBus;
  let topo: Topology;
  let ingress: Ingress;

  const githubClose = (repo: string, pr: number, merged: boolean) => {
    const payload = JSON.parse(githubExample('pull_request', 'closed').body);
    payload.repository.full_name = repo;
    payload.number = pr;
    Object.assign(payload.pull_request, { number: pr, merged, state: 'closed' });
    return payload;
  };
  // The fields GitLab's Merge Request Hook documents for `close` and `merge`.
  const gitlabClose = (repo: string, iid: number, action: 'close' | 'merge') => ({
    object_kind: 'merge_request',
    event_type: 'merge_request',
    user: { id: 7, username: 'dev' },
    project: { id: 42, path_with_namespace: repo },
    object_attributes: {
      id: 900 + iid,
      iid,
      action,
      state: action === 'merge' ? 'merged' : 'closed',
      source_branch: 'feature',
      target_branch: 'main',
    },
  });
  const delivery = (
    platform: Platform,
    payload: unknown,
    receivedAt: string,
    deliveryId: string = randomUUID(),
  ): WebhookReceived => ({
    platform,
    deliveryId,
    event: platform === 'github' ? 'pull_request' : 'Merge Request Hook',
    payload: JSON.stringify(payload),
    receivedAt,
  });
  const outcomeOf = async (platform: Platform, repo: string, pr: number): Promise<OutcomeRow[]> =>
    (
      await db.query<OutcomeRow>(
        'SELECT outcome, ended_at, delivery_id FROM pull_request_outcomes WHERE platform = $1 AND repo = $2 AND pr = $3',
        [platform, repo, pr],
      )
    ).rows.map((r) => ({
      ...r,
      ended_at: new Date(r.ended_at).toISOString(),
    }));
  const cancels = async () =>
    (await bus.readSubject(topo.streams.runs.name, topo.subjects.runCancel('*'))).map(
      (m) => (JSON.parse(Buffer.from(m.data).toString()) as { body: RunCancel }).body,
    );

  beforeAll(async () => {
    db = await PgliteDatabase.open();
    await runMigrations(db);
    topo = topology(`t_outcomes_${randomUUID().slice(0, 8)}`);
    bus = new EmbeddedBus({ deadLetterSubject: topo.subjects.dlq });
    await bus.ensureStream(topo.streams.runs);
    ingress = createIngress({ bus, messenger: createMessenger(bus, topo), topology: topo, db }, testConfig());
  });
  afterAll(async () => {
    await bus.drain();
    await db.close();
  });

  it('records a merged GitHub PR at the time the delivery was received, once however often it is processed', async () => {
    const merged = delivery(
      'github',
      githubClose('acme/ios-app', 5, true),
      '2026-10-31T23:30:00.000Z',
      'gh-merge-5',
    );
    const first = await ingress.processor.process(merged);
    const again = await ingress.processor.process(merged);
    expect(first.detail).toBe('acme/ios-app#5 merged: no run in flight');
    expect(again.detail).toBe(first.detail);
    expect(await outcomeOf('github', 'acme/ios-app', 5)).toEqual([
      { outcome: 'merged', ended_at: '2026-10-31T23:30:00.000Z', delivery_id: 'gh-merge-5' },
    ]);
  });

  it('records a GitHub PR closed without merging as closed', async () => {
    await ingress.processor.process(
      delivery('github', githubClose('acme/ios-app', 6, false), '2026-11-02T10:00:00.000Z', 'gh-close-6'),
    );
    expect(await outcomeOf('github', 'acme/ios-app', 6)).toEqual([
      { outcome: 'closed', ended_at: '2026-11-02T10:00:00.000Z', delivery_id: 'gh-close-6' },
    ]);
  });

  it('ends a PR closed, reopened and merged as merged, and a late copy of the old close does not undo it', async () => {
    await ingress.processor.process(
      delivery('github', githubClose('acme/ios-app', 7, false), '2026-11-03T09:00:00.000Z', 'gh-close-7'),
    );
    await ingress.processor.process(
      delivery('github', githubClose('acme/ios-app', 7, true), '2026-11-04T09:00:00.000Z', 'gh-merge-7'),
    );
    expect(await outcomeOf('github', 'acme/ios-app', 7)).toEqual([
      { outcome: 'merged', ended_at: '2026-11-04T09:00:00.000Z', delivery_id: 'gh-merge-7' },
    ]);

    // The reconciler asked GitHub to redeliver the old close; it arrives after the merge.
    const late = await ingress.processor.process(
      delivery(
        'github',
        githubClose('acme/ios-app', 7, false),
        '2026-11-05T09:00:00.000Z',
        'gh-close-7-again',
      ),
    );
    expect(late.detail).toBe(
      'acme/ios-app#7 closed: no run in flight (an earlier merge or a later close stays its recorded outcome)',
    );
    expect(await outcomeOf('github', 'acme/ios-app', 7)).toEqual([
      { outcome: 'merged', ended_at: '2026-11-04T09:00:00.000Z', delivery_id: 'gh-merge-7' },
    ]);
  });

  it('keeps the later of two closes of a PR that was reopened in between', async () => {
    await ingress.processor.process(
      delivery('github', githubClose('acme/ios-app', 8, false), '2026-11-06T09:00:00.000Z', 'gh-close-8b'),
    );
    await ingress.processor.process(
      delivery('github', githubClose('acme/ios-app', 8, false), '2026-11-05T09:00:00.000Z', 'gh-close-8a'),
    );
    expect(await outcomeOf('github', 'acme/ios-app', 8)).toEqual([
      { outcome: 'closed', ended_at: '2026-11-06T09:00:00.000Z', delivery_id: 'gh-close-8b' },
    ]);
  });

  it('records GitLab merge and close by platform, apart from a GitHub PR with the same name and number', async () => {
    const merge = delivery(
      'gitlab',
      gitlabClose('acme/ios-app', 5, 'merge'),
      '2026-11-10T12:00:00.000Z',
      'gl-merge-5',
    );
    expect((await ingress.processor.process(merge)).detail).toBe('acme/ios-app#5 merged: no run in flight');
    await ingress.processor.process(merge);
    await ingress.processor.process(
      delivery('gitlab', gitlabClose('acme/ios-app', 6, 'close'), '2026-11-11T12:00:00.000Z', 'gl-close-6'),
    );
    expect(await outcomeOf('gitlab', 'acme/ios-app', 5)).toEqual([
      { outcome: 'merged', ended_at: '2026-11-10T12:00:00.000Z', delivery_id: 'gl-merge-5' },
    ]);
    expect(await outcomeOf('gitlab', 'acme/ios-app', 6)).toEqual([
      { outcome: 'closed', ended_at: '2026-11-11T12:00:00.000Z', delivery_id: 'gl-close-6' },
    ]);
    expect(await outcomeOf('github', 'acme/ios-app', 5)).toEqual([
      { outcome: 'merged', ended_at: '2026-10-31T23:30:00.000Z', delivery_id: 'gh-merge-5' },
    ]);
  });

  it('throws a database failure for the bus to retry before cancelling, and records and cancels on the retry', async () => {
    await db.query(
      `INSERT INTO runs (id, workflow, platform, repo, pr, head_sha, trigger, status) VALUES ('r-outcome-9', 'swift-review', 'github', 'acme/ios-app', 9, $1, 'pull_request.opened', 'running')`,
      ['e'.repeat(40)],
    );
    const merged = delivery(
      'github',
      githubClose('acme/ios-app', 9, true),
      '2026-11-12T08:00:00.000Z',
      'gh-merge-9',
    );
    await db.exec('ALTER TABLE pull_request_outcomes RENAME TO pull_request_outcomes_away');
    try {
      await expect(ingress.processor.process(merged)).rejects.toThrow(/pull_request_outcomes/);
      expect(await ingress.deliveries.get('github', 'gh-merge-9')).toBeNull();
      expect(await cancels()).toEqual([]);
    } finally {
      await db.exec('ALTER TABLE pull_request_outcomes_away RENAME TO pull_request_outcomes');
    }
    const retried = await ingress.processor.process(merged);
    expect(retried.detail).toBe('acme/ios-app#9 merged: cancelled swift-review -> r-outcome-9');
    expect(await cancels()).toEqual([{ runId: 'r-outcome-9', reason: 'pull request merged' }]);
    expect(await outcomeOf('github', 'acme/ios-app', 9)).toEqual([
      { outcome: 'merged', ended_at: '2026-11-12T08:00:00.000Z', delivery_id: 'gh-merge-9' },
    ]);
  });
});
