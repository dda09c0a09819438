/**
 * Review threads resolved by a person and findings open at merge, from the real
 * `pull_request_review_thread` and `pull_request.closed` payloads through the delivery processor,
 * recorded against the finding whose inline comment the notifier recorded (PGlite, embedded bus).
 */
import { randomUUID } from 'node:crypto';

jest.mock(
  '@octokit/webhooks-methods',
  () => jest.requireActual(`${process.cwd()}/node_modules/@octokit/webhooks-methods/dist-node/index.js`),
  { virtual: true },
);

import { topology, type WebhookReceived } from '@agentflow/contracts';
import { createMessenger, EmbeddedBus } from '@agentflow/bus';
import { PgliteDatabase, runMigrations, type SqlDatabase } from '@agentflow/store';
import { createIngress, type Ingress } from '../ingress';
import { githubExample, testConfig } from '../testing/fixtures';

describe('finding signals from GitHub webhooks', () => {
  let db: SqlDatabase;
  let bus: EmbeddedBus;
  let ingress: Ingress;
  const repo = 'octo-org/octo-repo';

  const seed = async (pr: number, fp: string, commentId: string, state = 'open') => {
    await db.query(
      `INSERT INTO findings (platform, repo, pr, workflow, fingerprint, state, file, start_line, end_line, severity, category, message, confidence, agent, model, source,
                             first_seen_run, first_seen_sha, last_seen_run, last_seen_sha)
       VALUES ('github', $1, $2, 'review', $3, $4, 'a.ts', 1, 1, 'major', 'bug', 'm', 0.9, 'security', 'claude', 'llm', 'r', 's', 'r', 's')`,
      [repo, pr, fp, state],
    );
    await db.query(
      `INSERT INTO notifier_inline_comments (platform, repo, pr, workflow, fingerprint, comment_id, run_id, head_sha) VALUES ('github', $1, $2, 'review', $3, $4, 'r', 's')`,
      [repo, pr, fp, commentId],
    );
  };
  const delivery = (event: string, payload: unknown, receivedAt: string): WebhookReceived => ({
    platform: 'github',
    deliveryId: randomUUID(),
    event,
    payload: JSON.stringify(payload),
    receivedAt,
  });
  const signals = async (fp: string) =>
    (
      await db.query<{ signal: string; active: boolean; actor: string | null }>(
        'SELECT s.signal, s.active, s.actor FROM finding_signals s JOIN findings f ON f.id = s.finding_id WHERE f.fingerprint = $1 ORDER BY s.signal',
        [fp],
      )
    ).rows;

  beforeAll(async () => {
    db = await PgliteDatabase.open();
    await runMigrations(db);
    const topo = topology(`t_signals_${randomUUID().slice(0, 8)}`);
    bus = new EmbeddedBus({ deadLetterSubject: topo.subjects.dlq });
    await bus.ensureStream(topo.streams.runs);
    ingress = createIngress({ bus, messenger: createMessenger(bus, topo), topology: topo, db }, testConfig());
  });
  afterAll(async () => {
    await bus.drain();
    await db.close();
  });

  it('records a thread resolved by a person against the finding of its first comment, and an unresolve undoes it', async () => {
    const resolved = JSON.parse(githubExample('pull_request_review_thread', 'resolved').body);
    const pr = resolved.pull_request.number as number;
    await seed(pr, 'fp-thread-0001', String(resolved.thread.comments[0].id));
    const first = await ingress.processor.process(
      delivery('pull_request_review_thread', resolved, '2026-11-20T10:00:00Z'),
    );
    expect(first.detail).toBe(
      `finding fp-thread-00 on ${repo}#${pr}: thread resolved by ${resolved.sender.login}`,
    );
    expect(await signals('fp-thread-0001')).toEqual([
      { signal: 'thread_resolved', active: true, actor: resolved.sender.login },
    ]);
    await ingress.processor.process(
      delivery('pull_request_review_thread', { ...resolved, action: 'unresolved' }, '2026-11-20T11:00:00Z'),
    );
    // A late copy of the older resolve does not override the newer unresolve.
    await ingress.processor.process(delivery('pull_request_review_thread', resolved, '2026-11-20T10:30:00Z'));
    expect(await signals('fp-thread-0001')).toEqual([
      { signal: 'thread_resolved', active: false, actor: resolved.sender.login },
    ]);
  });

  it('ignores a thread agentflow resolved itself and one that is not an agentflow comment', async () => {
    const resolved = JSON.parse(githubExample('pull_request_review_thread', 'resolved').body);
    const byBot = await ingress.processor.process(
      delivery(
        'pull_request_review_thread',
        { ...resolved, sender: { ...resolved.sender, login: 'agentflow[bot]', type: 'Bot' } },
        '2026-11-21T10:00:00Z',
      ),
    );
    expect(byBot.detail).toBe('review thread resolved by a bot (agentflow[bot])');
    const other = {
      ...resolved,
      thread: { ...resolved.thread, comments: [{ ...resolved.thread.comments[0], id: 1 }] },
    };
    expect(
      (await ingress.processor.process(delivery('pull_request_review_thread', other, '2026-11-21T10:00:00Z')))
        .detail,
    ).toMatch(/not an agentflow finding$/);
  });

  it('marks the findings still open at a merge, and the fixed ones as not open', async () => {
    await seed(77, 'fp-merge-open', 'c-77-a');
    await seed(77, 'fp-merge-fixed', 'c-77-b', 'fixed');
    const payload = JSON.parse(githubExample('pull_request', 'closed').body);
    payload.repository.full_name = repo;
    payload.number = 77;
    Object.assign(payload.pull_request, { number: 77, merged: true, state: 'closed' });
    const merged = delivery('pull_request', payload, '2026-11-22T10:00:00Z');
    expect((await ingress.processor.process(merged)).detail).toBe(
      `${repo}#77 merged: no run in flight; 1 finding(s) open at merge`,
    );
    await ingress.processor.process(merged);
    expect(await signals('fp-merge-open')).toEqual([{ signal: 'open_at_merge', active: true, actor: null }]);
    expect(await signals('fp-merge-fixed')).toEqual([
      { signal: 'open_at_merge', active: false, actor: null },
    ]);
  });
});
