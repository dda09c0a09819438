/**
 * A dismissal clears the gate now, not at the next push. On real NATS and PostgreSQL, with the
 * ingress and the notifier running against the fake GitHub and GitLab: a run's result fails its
 * check on a blocker; `/agentflow dismiss` (a signed issue_comment webhook), a GitHub 👎 found by
 * the reaction sweep (no webhook, no push) and a GitLab 👎 award (an Emoji Hook) each flip the check
 * run / commit status of the run's head to success and say in the summary who dismissed what. A
 * second blocker keeps the check failed; a redelivered dismissal changes nothing more; a head the
 * PR moved away from is never touched.
 */
import { createHmac, randomUUID } from 'node:crypto';

jest.mock(
  '@octokit/webhooks-methods',
  () => jest.requireActual(`${process.cwd()}/node_modules/@octokit/webhooks-methods/dist-node/index.js`),
  { virtual: true },
);

import {
  dismissalMessageId,
  type ChangeRef,
  type Finding,
  type FindingDismissed,
  type RunReport,
  type Topology,
} from '@agentflow/contracts';
import {
  startFakeGitHub,
  startFakeGitLab,
  type FakeGitHub,
  type FakeGitLab,
} from '@agentflow/fake-platforms';
import type { RunningServices } from '@agentflow/service-kit';
import { shortId } from '../../../services/notifier/src/render/summary';
import { e2eId, startE2eStack, until, type E2eStack } from './testing/e2e-stack';

const SECRET = 'dismissal-webhook-secret';
const GITLAB_SECRET = 'dismissal-gitlab-secret';
const REPO = 'acme/ios-app';
const GL_REPO = 'acme/android-app';
const PROJECT = 42;
const WORKFLOW = 'gatekeeper';
const CHECK = `agentflow/${WORKFLOW}`;
const PATCH = '@@ -1,1 +1,6 @@\n import UIKit\n+let a = 1\n+let b = 2\n+let c = 3\n+let d = 4\n+let e = 5';
const sha = (c: string) => c.repeat(40);

function finding(
  fp: string,
  severity: Finding['severity'],
  line: number,
  file = 'Sources/App.swift',
): Finding {
  return {
    file,
    startLine: line,
    endLine: line,
    severity,
    category: 'security',
    message: `problem ${fp}`,
    confidence: 0.9,
    agent: 'reviewer',
    model: 'claude-sonnet-4-5',
    source: 'model',
    fingerprint: fp,
  };
}

function report(runId: string, change: ChangeRef, findings: Finding[]): RunReport {
  const blockers = findings.filter((f) => f.severity === 'blocker').length;
  return {
    runId,
    workflow: WORKFLOW,
    change,
    findings,
    findingStates: {},
    notReviewed: [],
    proposedFiles: [],
    steps: { reviewer: { state: 'succeeded', attempts: 1, durationMs: 1200 } },
    usage: {
      inputTokens: 100,
      outputTokens: 20,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      costUsd: 0.001,
      vendorMs: 900,
      models: ['claude-sonnet-4-5'],
    },
    startedAt: Date.now() - 2000,
    finishedAt: Date.now(),
    gateConclusion: blockers ? 'failure' : 'success',
    gateSummary: blockers
      ? `failure: ${blockers} finding(s) at or above blocker`
      : 'success: no finding at or above blocker',
    gate: { failOn: 'blocker', sources: [], minConfidence: 0.7 },
    rollout: 'gate',
    outputs: {},
  };
}

describe('a dismissal clears the gate without a push (NATS + PostgreSQL + fake GitHub and GitLab)', () => {
  const id = e2eId('t_dismiss');
  let gh: FakeGitHub;
  let gl: FakeGitLab;
  let running: RunningServices;
  let topo: Topology;
  let stack: E2eStack | undefined;

  const github = (pr: number, head: string): ChangeRef => ({
    platform: 'github',
    repo: REPO,
    pr,
    headSha: head,
    baseSha: sha('0'),
    headRef: `feature/${pr}`,
    baseRef: 'main',
  });
  const seedPr = (pr: number, head: string) =>
    gh.seedPullRequest({
      owner: 'acme',
      repo: 'ios-app',
      number: pr,
      headSha: head,
      baseSha: sha('0'),
      headRef: `feature/${pr}`,
      author: 'dev',
      files: [
        { filename: 'Sources/App.swift', status: 'modified', additions: 5, deletions: 0, patch: PATCH },
      ],
    });
  const complete = (r: RunReport) =>
    running.context.messenger.emit(
      topo.subjects.runCompleted(r.runId),
      'run.completed',
      { report: r },
      { runId: r.runId, msgId: `completed:${r.runId}` },
    );
  const check = (head: string) => gh.state.checkRuns.filter((c) => c.head_sha === head && c.name === CHECK);
  const summary = (pr: number) =>
    gh.state.commentsOn(REPO, pr).find((c) => c.body.includes(`agentflow:summary workflow=${WORKFLOW}`));
  const settled = (runId: string, sink: string) => async () =>
    (
      await running.db.query(
        `SELECT 1 FROM notifier_deliveries WHERE run_id = $1 AND sink = $2 AND kind = 'completed' AND state = 'delivered'`,
        [runId, sink],
      )
    ).rowCount === 1;

  const signed = (event: string, body: string) =>
    fetch(`${running.url}/webhooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': event,
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
      },
      body,
    });
  const dismissCommand = (pr: number, fingerprint: string, login: string) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const examples = require('@octokit/webhooks-examples') as Array<{
      name: string;
      examples: Array<Record<string, unknown>>;
    }>;
    const e = structuredClone(
      examples.find((d) => d.name === 'issue_comment')!.examples.find((x) => x.action === 'created')!,
    ) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    e.repository.full_name = REPO;
    e.repository.name = 'ios-app';
    e.repository.owner.login = 'acme';
    delete e.installation;
    e.issue.number = pr;
    e.issue.pull_request = { url: `https://api.github.com/repos/${REPO}/pulls/${pr}` };
    Object.assign(e.comment, { id: 900_000 + pr, body: `/agentflow dismiss ${shortId(fingerprint)}` });
    e.comment.user.login = login;
    e.comment.user.type = 'User';
    return signed('issue_comment', JSON.stringify(e));
  };

  beforeAll(async () => {
    gh = await startFakeGitHub();
    gl = await startFakeGitLab();
    gh.setPermission(REPO, 'maintainer', 'maintain');
    stack = await startE2eStack(id, {
      GITHUB_WEBHOOK_SECRET: SECRET,
      GITHUB_TOKEN: 'ghs_dismiss',
      GITHUB_API_URL: gh.apiUrl,
      GITLAB_URL: gl.apiUrl,
      GITLAB_TOKEN: 'glpat-dismiss',
      GITLAB_WEBHOOK_TOKEN: GITLAB_SECRET,
      NOTIFIER_REACTION_SWEEP_MS: '300',
    });
    running = stack.running;
    topo = stack.topology;
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
    await gh?.close();
    await gl?.close();
  }, 60_000);

  const only = finding('fp-blocker-only-00011', 'blocker', 2);

  it('flips the check run to success when the only blocker is dismissed with /agentflow dismiss, and the summary says why', async () => {
    seedPr(11, sha('1'));
    await complete(
      report(`r11-${id}`, github(11, sha('1')), [only, finding('fp-minor-style-00011', 'minor', 3)]),
    );
    await until(
      'the failed check run',
      async () => (await settled(`r11-${id}`, 'github')()) && check(sha('1'))[0]?.conclusion === 'failure',
    );
    const checkId = check(sha('1'))[0].id;

    expect((await dismissCommand(11, only.fingerprint, 'maintainer')).status).toBe(202);
    await until('the check run flipped', () => check(sha('1'))[0]?.conclusion === 'success');

    expect(check(sha('1'))).toHaveLength(1);
    expect(check(sha('1'))[0]).toMatchObject({ id: checkId, status: 'completed', conclusion: 'success' });
    const body = await until(
      'the summary updated',
      () => summary(11)?.body.includes('Dismissed since this review') && summary(11)!.body,
    );
    expect(body).toContain('Check: **success**');
    expect(body).toContain('dismissed by `maintainer` (`/agentflow dismiss`)');
    expect(body).toContain(shortId(only.fingerprint));
    const stored = await running.db.query<{ conclusion: string }>(
      'SELECT conclusion FROM notifier_check_runs WHERE repo = $1 AND head_sha = $2',
      [REPO, sha('1')],
    );
    expect(stored.rows).toEqual([{ conclusion: 'success' }]);
    // The run's stored verdict follows, so the CI API and `agentflow runs` agree with the check.
    await until(
      'the run row updated',
      async () =>
        (
          await running.db.query<{ gate_conclusion: string }>(
            'SELECT gate_conclusion FROM runs WHERE id = $1',
            [`r11-${id}`],
          )
        ).rows[0]?.gate_conclusion === 'success',
    );
  });

  it('changes nothing more when the same dismissal is delivered again', async () => {
    const run = check(sha('1'))[0];
    const before = {
      history: run.history.length,
      summary: summary(11)!.body,
      patches: gh.requests.filter((r) => r.method === 'PATCH').length,
    };
    const again: FindingDismissed = {
      platform: 'github',
      repo: REPO,
      pr: 11,
      fingerprint: shortId(only.fingerprint),
      by: 'maintainer',
      reason: 'command',
    };
    // Past JetStream's duplicate window (a new message id): only the ledger can stop it.
    await running.context.messenger.emit(topo.subjects.findingDismissed, 'finding.dismissed', again, {
      msgId: `${dismissalMessageId(again)}:again`,
    });
    await until(
      'the redelivery on the stream',
      async () =>
        (await running.bus.readSubject(topo.streams.runs.name, topo.subjects.findingDismissed)).length >= 2,
    );
    await new Promise((r) => setTimeout(r, 2000));
    expect({
      history: check(sha('1'))[0].history.length,
      summary: summary(11)!.body,
      patches: gh.requests.filter((r) => r.method === 'PATCH').length,
    }).toEqual(before);
    const ledger = await running.db.query<{ sink: string; kind: string; state: string }>(
      `SELECT sink, kind, state FROM notifier_deliveries WHERE run_id = $1 AND kind LIKE 'dismissals:%' ORDER BY sink`,
      [`r11-${id}`],
    );
    expect(ledger.rows).toEqual(
      ['database', 'github'].map((sink) => ({
        sink,
        kind: expect.stringMatching(/^dismissals:/),
        state: 'delivered',
      })),
    );
  });

  it('keeps the check failed when another blocker remains, and says so in the summary', async () => {
    seedPr(12, sha('2'));
    const first = finding('fp-blocker-first-00012', 'blocker', 2);
    const second = finding('fp-blocker-second-0012', 'blocker', 4);
    await complete(report(`r12-${id}`, github(12, sha('2')), [first, second]));
    await until(
      'the failed check run',
      async () => (await settled(`r12-${id}`, 'github')()) && check(sha('2'))[0]?.conclusion === 'failure',
    );
    const history = check(sha('2'))[0].history.length;

    await dismissCommand(12, first.fingerprint, 'maintainer');
    const body = await until(
      'the summary updated',
      () => summary(12)?.body.includes('Dismissed since this review') && summary(12)!.body,
    );
    expect(body).toContain(
      'still fails: failure: 1 finding(s) at or above blocker remain after 1 dismissal(s)',
    );
    expect(body).toContain('Check: **failure**');
    expect(check(sha('2'))).toHaveLength(1);
    expect(check(sha('2'))[0]).toMatchObject({ conclusion: 'failure' });
    expect(check(sha('2'))[0].history).toHaveLength(history);
  });

  it('never touches the check of a head the PR has moved away from', async () => {
    seedPr(14, sha('4'));
    const blocker = finding('fp-blocker-oldhead-014', 'blocker', 2);
    await complete(report(`r14-${id}`, github(14, sha('4')), [blocker]));
    await until(
      'the failed check run',
      async () => (await settled(`r14-${id}`, 'github')()) && check(sha('4'))[0]?.conclusion === 'failure',
    );
    gh.pushToPullRequest('acme', 'ios-app', 14, sha('5'), [
      { filename: 'Sources/App.swift', status: 'modified', additions: 5, deletions: 0, patch: PATCH },
    ]);
    const summaryBefore = summary(14)!.body;

    await dismissCommand(14, blocker.fingerprint, 'maintainer');
    await until(
      'the reassessment settled',
      async () =>
        (
          await running.db.query(
            `SELECT 1 FROM notifier_deliveries WHERE run_id = $1 AND kind LIKE 'dismissals:%' AND state = 'skipped'`,
            [`r14-${id}`],
          )
        ).rowCount === 1,
    );
    expect(check(sha('4'))[0]).toMatchObject({ conclusion: 'failure' });
    expect(check(sha('5'))).toEqual([]);
    expect(summary(14)!.body).toBe(summaryBefore);
  });

  it('flips the check when the sweep finds a 👎 on the inline comment, with no push and no webhook', async () => {
    seedPr(13, sha('3'));
    const blocker = finding('fp-blocker-thumbs-00013', 'blocker', 2);
    await complete(report(`r13-${id}`, github(13, sha('3')), [blocker]));
    await until(
      'the failed check run',
      async () => (await settled(`r13-${id}`, 'github')()) && check(sha('3'))[0]?.conclusion === 'failure',
    );
    const inline = gh.state.reviewComments.find(
      (c) => c.pull_number === 13 && c.body.includes(blocker.fingerprint),
    )!;
    expect(inline).toBeDefined();
    const reviews = gh.state.reviews.length;

    // A 👎 from someone without write access (anyone can react on a public repository) changes nothing...
    gh.setPermission(REPO, 'passer-by', 'read');
    gh.react(`review_comment:${inline.id}`, '-1', 'passer-by');
    gh.setPermission(REPO, 'reviewer-dev', 'write');
    // ...one from a writer flips the check.
    gh.react(`review_comment:${inline.id}`, '-1', 'reviewer-dev');
    await until('the check run flipped', () => check(sha('3'))[0]?.conclusion === 'success');

    expect(gh.state.pulls.find((p) => p.number === 13)!.head.sha).toBe(sha('3'));
    expect(gh.state.reviews).toHaveLength(reviews);
    const dismissal = await running.db.query<{ dismissed_by: string; source: string }>(
      'SELECT dismissed_by, source FROM finding_dismissals WHERE repo = $1 AND pr = 13',
      [REPO],
    );
    expect(dismissal.rows).toEqual([{ dismissed_by: 'reviewer-dev', source: 'reaction' }]);
    expect(
      await until('the summary updated', () =>
        summary(13)?.body.includes('dismissed by `reviewer-dev` (👎)'),
      ),
    ).toBe(true);
  });

  it('flips the GitLab commit status when someone awards a 👎 on the discussion', async () => {
    const head = sha('6');
    gl.seedMergeRequest({
      projectId: PROJECT,
      projectPath: GL_REPO,
      iid: 9,
      title: 'Login',
      state: 'opened',
      author: 'dev',
      sourceBranch: 'feature',
      targetBranch: 'main',
      headSha: head,
      baseSha: sha('0'),
      diffs: [
        {
          old_path: 'App.kt',
          new_path: 'App.kt',
          diff: PATCH,
          new_file: false,
          renamed_file: false,
          deleted_file: false,
        },
      ],
    });
    gl.members.set(`${PROJECT}:7`, 30);
    const blocker = finding('fp-blocker-gitlab-00009', 'blocker', 2, 'App.kt');
    const change: ChangeRef = {
      platform: 'gitlab',
      repo: GL_REPO,
      pr: 9,
      headSha: head,
      baseSha: sha('0'),
      projectId: PROJECT,
    };
    await complete(report(`r9-${id}`, change, [blocker]));
    const statuses = () => gl.statuses.filter((s) => s.sha === head && s.name === CHECK).map((s) => s.state);
    await until(
      'the failed commit status',
      async () => (await settled(`r9-${id}`, 'gitlab')()) && statuses().at(-1) === 'failed',
    );
    const note = gl.notes.find((n) => n.discussionId && n.body.includes(blocker.fingerprint))!;
    expect(note).toBeDefined();

    const award = JSON.stringify({
      object_kind: 'emoji',
      event_type: 'award',
      user: { id: 7, username: 'android-dev', name: 'Android Dev' },
      project_id: PROJECT,
      project: { id: PROJECT, path_with_namespace: GL_REPO },
      object_attributes: {
        id: 1,
        name: 'thumbsdown',
        awardable_type: 'Note',
        awardable_id: note.id,
        user_id: 7,
      },
      note: { id: note.id, noteable_type: 'MergeRequest' },
      merge_request: { iid: 9, id: 900 },
    });
    const response = await fetch(`${running.url}/webhooks/gitlab`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-gitlab-token': GITLAB_SECRET,
        'x-gitlab-event': 'Emoji Hook',
        'x-gitlab-event-uuid': randomUUID(),
      },
      body: award,
    });
    expect(response.status).toBe(202);
    await until('the commit status flipped', () => statuses().at(-1) === 'success');

    expect(statuses()).toEqual(['failed', 'success']);
    // The sink sets the commit status before it rewrites the summary note: wait for the note too.
    const summaryNote = await until('the summary note updated', () =>
      gl.notes.find(
        (n) =>
          !n.discussionId &&
          n.body.includes(`agentflow:summary workflow=${WORKFLOW}`) &&
          n.body.includes('dismissed by'),
      ),
    );
    expect(summaryNote.body).toContain('dismissed by `android-dev` (👎)');
    expect(summaryNote.body).toContain('Check: **success**');
  });
});
