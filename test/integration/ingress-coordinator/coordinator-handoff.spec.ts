/**
 * What the ingress tells the coordinator, end to end on the embedded bus and PGlite with the fake
 * GitHub: a PR closed while its run request waits in a backlog cancels that run before any agent
 * is asked, and `/agentflow dismiss <id>` (the short id the notifier prints) keeps the finding out
 * of every later report of the PR.
 */
import { randomUUID } from 'node:crypto';

jest.mock(
  '@octokit/webhooks-methods',
  () => jest.requireActual(`${process.cwd()}/node_modules/@octokit/webhooks-methods/dist-node/index.js`),
  { virtual: true },
);

import {
  topology,
  type AgentTask,
  type FindingDismissed,
  type RunCancel,
  type RunFailed,
  type RunReport,
  type Topology,
  type WebhookReceived,
} from '@agentflow/contracts';
import {
  createMessenger,
  EmbeddedBus,
  provisionTopology,
  type Messenger,
  type ServiceHandle,
} from '@agentflow/bus';
import { Coordinator, CrossRunIndex, readCoordinatorConfig } from '@agentflow/coordinator';
import { startFakeGitHub, type FakeGitHub } from '@agentflow/fake-platforms';
import { buildChange, buildFinding, buildPlan, buildRunRequest } from '@agentflow/run-actor';
import { PgliteDatabase, runMigrations, type SqlDatabase } from '@agentflow/store';
import { ScriptedAgents, type AgentScript } from '../../../services/coordinator/src/testing/scripted-agents';
import { createIngress, type Ingress } from '../../../services/ingress/src/ingress';
import { githubExample, testConfig } from '../../../services/ingress/src/testing/fixtures';

const HEAD = 'e'.repeat(40);
const PATCH = '@@ -1,1 +1,2 @@\n import UIKit\n+let x = 1';

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ingress to coordinator: closed PRs and dismissals', () => {
  let db: SqlDatabase;
  let bus: EmbeddedBus;
  let topo: Topology;
  let messenger: Messenger;
  let gh: FakeGitHub;
  let ingress: Ingress;
  let coordinator: Coordinator;
  let agents: ScriptedAgents;
  let script: (task: AgentTask) => AgentScript = () => ({ kind: 'answer' });
  const subs: ServiceHandle[] = [];
  const ends = new Map<string, { report?: RunReport; failure?: RunFailed }>();

  const delivery = (event: string, payload: unknown): WebhookReceived => ({
    platform: 'github',
    deliveryId: randomUUID(),
    event,
    payload: JSON.stringify(payload),
    receivedAt: new Date().toISOString(),
  });
  const read = async <T>(subject: string) =>
    (await bus.readSubject(topo.streams.runs.name, subject)).map(
      (m) => (JSON.parse(Buffer.from(m.data).toString()) as { body: T }).body,
    );
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
  const pullRequest = (action: 'opened' | 'closed', merged = false) => {
    const payload = JSON.parse(githubExample('pull_request', action).body);
    payload.repository.full_name = 'acme/ios-app';
    delete payload.installation;
    payload.number = 5;
    Object.assign(payload.pull_request, {
      number: 5,
      draft: false,
      merged,
      state: action === 'closed' ? 'closed' : 'open',
      labels: [],
    });
    payload.pull_request.head.sha = HEAD;
    payload.pull_request.base.sha = 'c'.repeat(40);
    payload.pull_request.user.login = 'dev';
    payload.pull_request.user.type = 'User';
    return payload;
  };

  beforeAll(async () => {
    db = await PgliteDatabase.open();
    await runMigrations(db);
    topo = topology(`t_handoff_${randomUUID().slice(0, 8)}`);
    bus = new EmbeddedBus({ deadLetterSubject: topo.subjects.dlq });
    await provisionTopology(bus, topo);
    messenger = createMessenger(bus, topo);
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
    ingress = createIngress(
      { bus, messenger, topology: topo, db },
      testConfig({ GITHUB_TOKEN: 'ghs_handoff', GITHUB_API_URL: gh.apiUrl }),
    );
    coordinator = new Coordinator({
      bus,
      messenger,
      topology: topo,
      config: readCoordinatorConfig({
        COORDINATOR_SWEEP_AFTER_MS: '200',
        COORDINATOR_SWEEP_INTERVAL_MS: '50',
      }),
    });
    agents = new ScriptedAgents(bus, messenger, topo, (task) => script(task));
    subs.push(
      await bus.subscribe(topo.subjects.runCompleted('*'), (m) => {
        const r = m.json<{ body: { report: RunReport } }>().body.report;
        ends.set(r.runId, { report: r });
      }),
      await bus.subscribe(topo.subjects.runFailed('*'), (m) => {
        const f = m.json<{ body: RunFailed }>().body;
        ends.set(f.runId, { failure: f });
      }),
    );
  });
  afterAll(async () => {
    await coordinator.stop();
    await agents.stop();
    for (const s of subs) await s.stop();
    await gh.close();
    await bus.drain();
    await db.close();
  });

  it('cancels the run of a PR merged while its request waited in a backlog', async () => {
    // The coordinator is not running yet: the request waits on the stream, as after an outage.
    const opened = await ingress.processor.process(delivery('pull_request', pullRequest('opened')));
    expect(opened.outcome).toBe('matched');
    const [runId] = opened.runIds;
    const closed = await ingress.processor.process(delivery('pull_request', pullRequest('closed', true)));
    expect(closed.detail).toContain(`cancelled swift-review -> ${runId}`);
    expect(await read<RunCancel>(topo.subjects.runCancel(runId))).toEqual([
      { runId, reason: 'pull request merged' },
    ]);

    await coordinator.start();
    await agents.start();
    const end = await until('the cancelled run', () => ends.get(runId));
    // Whichever of the request and the cancel the coordinator reads first, the run ends cancelled.
    expect(end.failure).toMatchObject({ code: 'cancelled', reason: 'pull request merged' });
  });

  it('sends no cancel for a closed PR whose runs have finished', async () => {
    await db.query(`UPDATE runs SET status = 'cancelled' WHERE pr = 5`);
    const before = (await read<RunCancel>(topo.subjects.runCancel('*'))).length;
    const closed = await ingress.processor.process(delivery('pull_request', pullRequest('closed')));
    // #5 was merged above; a merge stays its recorded outcome (see pull-request-outcomes.spec.ts).
    expect(closed.detail).toBe(
      'acme/ios-app#5 closed: no run in flight (an earlier merge or a later close stays its recorded outcome)',
    );
    expect(await read<RunCancel>(topo.subjects.runCancel('*'))).toHaveLength(before);
  });

  it('keeps a finding dismissed with /agentflow dismiss out of every later report of the PR', async () => {
    const finding = buildFinding({ file: 'App/Login.swift', message: 'Password printed to the log' });
    const other = buildFinding({
      file: 'App/Session.swift',
      category: 'security',
      message: 'Token kept in UserDefaults',
      startLine: 40,
      endLine: 41,
    });
    script = () => ({ kind: 'answer', result: { findings: [finding, other] } });
    const change = buildChange({ repo: 'acme/ios-app', pr: 5, headSha: 'h1' });
    const run = async (runId: string, headSha: string) => {
      await messenger.emit(
        topo.subjects.runsRequested,
        'run.requested',
        buildRunRequest(runId, buildPlan([{ id: 'review' }]), { change: { ...change, headSha } }),
        { runId, msgId: `request:${runId}` },
      );
      return until(`the end of ${runId}`, () => ends.get(runId));
    };
    const first = await run('dismiss-1', 'h1');
    expect(first.report!.findings).toHaveLength(2);
    const fingerprint = first.report!.findings.find((f) => f.message === finding.message)!.fingerprint;
    const kept = first.report!.findings.find((f) => f.message === other.message)!.fingerprint;

    // The id the notifier prints under a finding: its first 12 letters and digits.
    const shortId = fingerprint.replace(/[^0-9a-zA-Z]/g, '').slice(0, 12);
    const fromReader = await ingress.processor.process(
      delivery('issue_comment', comment(`/agentflow dismiss ${shortId}`, 'reader', 31)),
    );
    expect(fromReader.detail).toMatch(/write access/);
    expect(await read<FindingDismissed>(topo.subjects.findingDismissed)).toEqual([]);

    await ingress.processor.process(
      delivery('issue_comment', comment(`/agentflow dismiss ${shortId}`, 'maintainer', 32)),
    );
    expect(await read<FindingDismissed>(topo.subjects.findingDismissed)).toEqual([
      {
        platform: 'github',
        repo: 'acme/ios-app',
        pr: 5,
        fingerprint: shortId,
        by: 'maintainer',
        reason: 'command',
      },
    ]);
    const index = new CrossRunIndex(await bus.kv(topo.buckets.runs));
    await until('the coordinator to record the dismissal', async () => {
      const prior = await index.prior(buildRunRequest('probe', buildPlan([{ id: 'review' }]), { change }));
      return prior.dismissedFingerprints.includes(shortId) ? true : undefined;
    });

    const second = await run('dismiss-2', 'h2');
    expect(second.report!.findings.map((f) => f.fingerprint)).toEqual([kept]);
    expect(second.report!.findingStates[fingerprint]).toBeUndefined();
  });
});
