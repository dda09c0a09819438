import type { Finding, PushFilesCommand, RunReport } from '@agentflow/contracts';
import { startFakeGitHub, type FakeGitHub } from '@agentflow/fake-platforms';
import { PgliteDatabase, runMigrations, type SqlDatabase } from '@agentflow/store';
import { PostedStore } from '../posted-store';
import { GitHubAccess } from './github-access';
import { GitHubSink } from './github-sink';

const HEAD = 'a'.repeat(40);
const PATCH = '@@ -1,1 +1,4 @@\n import UIKit\n+let a = 1\n+let b = 2\n+let c = 3';

const finding = (fp: string, line: number): Finding => ({
  file: 'A.swift',
  startLine: line,
  endLine: line,
  severity: 'major',
  category: 'bug',
  message: `problem ${fp}`,
  confidence: 0.9,
  agent: 'code-review',
  model: 'm',
  source: 'model',
  fingerprint: fp,
});
const report = (runId: string, findings: Finding[], over: Partial<RunReport> = {}): RunReport => ({
  runId,
  workflow: 'review',
  change: {
    platform: 'github',
    repo: 'acme/app',
    pr: 1,
    headSha: HEAD,
    headRef: 'feature/a',
    baseRef: 'main',
  },
  findings,
  findingStates: {},
  notReviewed: [],
  proposedFiles: [],
  steps: {},
  usage: {
    inputTokens: 1,
    outputTokens: 1,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: 0,
    vendorMs: 0,
    models: [],
  },
  startedAt: 0,
  finishedAt: Date.now(),
  gateConclusion: 'success',
  gateSummary: 'ok',
  rollout: 'comment',
  outputs: {},
  ...over,
});

describe('GitHub sink', () => {
  let db: SqlDatabase;
  let gh: FakeGitHub;
  let sink: GitHubSink;

  beforeAll(async () => {
    db = await PgliteDatabase.open();
    await runMigrations(db);
    gh = await startFakeGitHub();
    gh.seedPullRequest({
      owner: 'acme',
      repo: 'app',
      number: 1,
      headSha: HEAD,
      baseSha: 'b'.repeat(40),
      headRef: 'feature/a',
      files: [{ filename: 'A.swift', status: 'modified', additions: 3, deletions: 0, patch: PATCH }],
      contents: { 'A.swift': 'import UIKit\n' },
    });
    sink = new GitHubSink({
      access: new GitHubAccess({ apiUrl: gh.apiUrl, token: 'ghs_sink' }),
      posted: new PostedStore(db),
      defaultMaxInline: 8,
      maxWaitMs: 3000,
    });
  });
  afterAll(async () => {
    await gh.close();
    await db.close();
  });

  it('waits out a secondary rate limit (403 with Retry-After) and posts once', async () => {
    gh.failNext({ method: 'POST', path: '/issues/1/comments', status: 403, retryAfter: 1 });
    const result = await sink.deliver({
      kind: 'completed',
      report: report('r1', [finding('fp-one-000000001', 2)]),
    });
    expect(result.state).toBe('delivered');
    expect(gh.state.commentsOn('acme/app', 1)).toHaveLength(1);
    expect(
      gh.requests
        .filter((r) => r.method === 'POST' && r.path.endsWith('/issues/1/comments'))
        .map((r) => r.status),
    ).toEqual([403, 201]);
  });

  it('keeps one check run per head and workflow when progress and the result arrive at once', async () => {
    const change = { platform: 'github' as const, repo: 'acme/app', pr: 1, headSha: HEAD };
    const progress = (n: number) => ({
      runId: 'r-race',
      stepId: `s${n}`,
      state: 'running' as const,
      attempt: 1,
      change,
      workflow: 'race',
      steps: { s1: 'running' as const, s2: 'pending' as const },
    });
    const before = gh.state.checkRuns.filter((c) => c.external_id === 'r-race').length;
    await Promise.all([
      sink.deliver({ kind: 'progress', progress: progress(1) }),
      sink.deliver({ kind: 'progress', progress: progress(2) }),
      sink.deliver({ kind: 'completed', report: report('r-race', [], { workflow: 'race' }) }),
    ]);
    const runs = gh.state.checkRuns.filter((c) => c.external_id === 'r-race');
    expect(before).toBe(0);
    expect(runs).toHaveLength(1);
  });

  it('posts nothing in shadow rollout', async () => {
    const before = gh.requests.length;
    expect(
      (
        await sink.deliver({
          kind: 'completed',
          report: report('r-shadow', [finding('x', 2)], { rollout: 'shadow' }),
        })
      ).state,
    ).toBe('skipped');
    expect(gh.requests.length).toBe(before);
  });

  it('never posts a finding again once someone with write access gave its comment a thumbs-down, and ignores a thumbs-down from anyone else', async () => {
    const comment = gh.state.reviewComments.find((c) => c.body.includes('fp-one-000000001'))!;
    gh.setPermission('acme/app', 'dev', 'write');
    gh.setPermission('acme/app', 'drive-by', 'read');
    // A drive-by 👎 (read access only) dismisses nothing: the finding is still reported.
    gh.react(`review_comment:${comment.id}`, '-1', 'drive-by');
    await sink.deliver({
      kind: 'completed',
      report: report('r1b', [finding('fp-one-000000001', 2)], {
        findingStates: { 'fp-one-000000001': 'open' },
      }),
    });
    expect(gh.state.commentsOn('acme/app', 1)[0].body).toContain(
      '1 finding(s) already have an inline comment on this pull request',
    );
    expect((await db.query('SELECT 1 FROM finding_dismissals')).rows).toEqual([]);

    gh.react(`review_comment:${comment.id}`, '-1', 'dev');
    await sink.deliver({
      kind: 'completed',
      report: report('r2', [finding('fp-one-000000001', 2), finding('fp-two-000000002', 3)], {
        findingStates: { 'fp-one-000000001': 'open', 'fp-two-000000002': 'new' },
      }),
    });
    const summary = gh.state.commentsOn('acme/app', 1)[0].body;
    expect(summary).not.toContain('problem fp-one');
    expect(gh.state.reviewComments.filter((c) => c.body.includes('fp-one'))).toHaveLength(1);
    // One review per head (ADR 0079): this head has its review, so the new finding is listed in the comment.
    expect(gh.state.reviewComments.filter((c) => c.body.includes('fp-two'))).toHaveLength(0);
    expect(summary).toContain('problem fp-two');
    expect(gh.state.reviews.filter((r) => r.commit_id === HEAD)).toHaveLength(1);
    const { rows } = await db.query('SELECT fingerprint_prefix, source FROM finding_dismissals');
    expect(rows).toEqual([{ fingerprint_prefix: 'fp-one-000000001', source: 'reaction' }]);
  });

  it('pushes generated files to a branch with a pull request, and not again on redelivery', async () => {
    const command: PushFilesCommand = {
      runId: 'r3',
      stepId: 'tests',
      change: report('r3', []).change,
      branch: 'agentflow/tests/r3',
      baseSha: HEAD,
      commitMessage: 'agentflow: tests for A',
      mode: 'branch-pr',
      files: [{ path: 'Tests/ATests.swift', content: 'import XCTest\n', purpose: 'unit tests for A' }],
    };
    const first = await sink.deliver({ kind: 'push-files', command });
    const again = await sink.deliver({ kind: 'push-files', command });
    expect(first.data).toMatchObject({ branch: 'agentflow/tests/r3', alreadyPushed: false, pullRequest: 2 });
    expect(again.data).toMatchObject({ alreadyPushed: true, pullRequest: 2 });
    expect(gh.state.pulls.filter((p) => p.head.ref === 'agentflow/tests/r3')).toHaveLength(1);
    const commitToPr = await sink.deliver({
      kind: 'push-files',
      command: {
        ...command,
        stepId: 'docs',
        mode: 'commit-to-pr',
        commitMessage: 'agentflow: docs',
        files: [{ path: 'docs/A.md', content: '# A\n', purpose: 'docs' }],
      },
    });
    expect(commitToPr.data).toMatchObject({ branch: 'feature/a', alreadyPushed: false });
    expect(gh.state.repo('acme', 'app')!.refs['refs/heads/feature/a']).toBe(
      (commitToPr.data as { commitSha: string }).commitSha,
    );
  });

  it('posts a passing check when the only blocker was dismissed before the result arrived', async () => {
    await db.query(
      `INSERT INTO finding_dismissals (platform, repo, pr, fingerprint_prefix, dismissed_by, source) VALUES ('github', 'acme/app', 1, 'fpraceblocker', 'lead', 'command')`,
    );
    const blocker = { ...finding('fp-race-blocker-01', 3), severity: 'blocker' as const };
    await sink.deliver({
      kind: 'completed',
      report: report('r-dismissed-early', [blocker], {
        workflow: 'gated',
        rollout: 'gate',
        gateConclusion: 'failure',
        gateSummary: 'failure: 1 finding(s) at or above blocker',
        gate: { failOn: 'blocker', sources: [], minConfidence: 0.7 },
      }),
    });
    expect(gh.state.checkRuns.find((c) => c.external_id === 'r-dismissed-early')).toMatchObject({
      status: 'completed',
      conclusion: 'success',
    });
  });

  it('speaks with one voice when two workflows review the same head: one comment with a section each, one review, one inline comment per finding', async () => {
    const two = 'c'.repeat(40);
    gh.seedPullRequest({
      owner: 'acme',
      repo: 'app',
      number: 5,
      headSha: two,
      baseSha: 'b'.repeat(40),
      headRef: 'feature/two',
      files: [{ filename: 'A.swift', status: 'modified', additions: 3, deletions: 0, patch: PATCH }],
      contents: { 'A.swift': 'import UIKit\n' },
    });
    const change = {
      platform: 'github' as const,
      repo: 'acme/app',
      pr: 5,
      headSha: two,
      headRef: 'feature/two',
      baseRef: 'main',
    };
    const shared = finding('fp-shared-00000001', 2);
    // Both workflows finish at once, on one notifier or two: the PR lock takes them in turn.
    const general = report('r-pr-review', [shared, finding('fp-general-0000001', 3)], {
      workflow: 'pr-review',
      change,
    });
    const android = report('r-android', [shared, finding('fp-android-0000001', 4)], {
      workflow: 'android-review',
      change,
    });
    await Promise.all([
      sink.deliver({ kind: 'completed', report: general }),
      sink.deliver({ kind: 'completed', report: android }),
    ]);
    const comments = gh.state.commentsOn('acme/app', 5);
    expect(comments).toHaveLength(1);
    expect(
      [...comments[0].body.matchAll(/<!-- agentflow:section workflow=(\S+) -->/g)].map((m) => m[1]),
    ).toEqual(['android-review', 'pr-review']);
    expect(gh.state.reviews.filter((r) => r.pull_number === 5)).toHaveLength(1);
    const inline = gh.state.reviewComments.filter((c) => c.pull_number === 5);
    const fingerprints = inline.map((c) => /<!-- agentflow:finding (\S+) -->/.exec(c.body)![1]);
    expect(new Set(fingerprints).size).toBe(fingerprints.length);
    expect(fingerprints.filter((fp) => fp === 'fp-shared-00000001')).toHaveLength(1);
    // The second workflow's own finding is in its section, not lost.
    const second = fingerprints.includes('fp-android-0000001') ? 'fp-general-0000001' : 'fp-android-0000001';
    expect(comments[0].body).toContain(`problem ${second}`);

    // A redelivery of either result writes nothing: same sections, same review.
    const writes = () =>
      gh.requests
        .filter((r) => r.method !== 'GET' && (r.path.includes('/pulls/5/') || r.path.includes('/issues/')))
        .map((r) => `${r.method} ${r.path}`);
    const before = writes();
    for (const again of [general, android]) await sink.deliver({ kind: 'completed', report: again });
    expect(writes()).toEqual(before);
    expect(gh.state.commentsOn('acme/app', 5)[0].body).toBe(comments[0].body);
  });

  it('refuses generated paths that leave the repository', async () => {
    const command = {
      runId: 'r4',
      stepId: 's',
      change: report('r4', []).change,
      branch: 'agentflow/x',
      baseSha: HEAD,
      commitMessage: 'x',
      mode: 'branch' as const,
      files: [{ path: '../etc/passwd', content: '', purpose: 'x' }],
    };
    await expect(sink.deliver({ kind: 'push-files', command })).rejects.toMatchObject({ retryable: false });
  });
});
