/**
 * A notifier killed after GitHub wrote the PR comment or the review (with its inline comments) and
 * before it recorded them (issue 17, defect 3): the redelivery finds them again by their hidden
 * markers and writes no second comment, review or inline comment. (Check runs: check-run.spec.ts.)
 */
import type { Finding, RunReport } from '@agentflow/contracts';
import { startFakeGitHub, type FakeGitHub } from '@agentflow/fake-platforms';
import { PgliteDatabase, runMigrations, type SqlDatabase } from '@agentflow/store';
import { GitHubAccess } from '../../../services/notifier/src/sinks/github/github-access';
import { GitHubSink } from '../../../services/notifier/src/sinks/github/github-sink';
import { PostedStore } from '../../../services/notifier/src/sinks/posted-store';

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

describe('GitHub writes after a crash between the write and its record', () => {
  let db: SqlDatabase;
  let gh: FakeGitHub;

  beforeAll(async () => {
    db = await PgliteDatabase.open();
    await runMigrations(db);
    gh = await startFakeGitHub();
  });
  afterAll(async () => {
    await gh.close();
    await db.close();
  });

  const setUp = (pr: number) => {
    const headSha = String(pr).repeat(40).slice(0, 40);
    gh.seedPullRequest({
      owner: 'acme',
      repo: 'app',
      number: pr,
      headSha,
      baseSha: 'b'.repeat(40),
      headRef: `feature/${pr}`,
      files: [{ filename: 'A.swift', status: 'modified', additions: 3, deletions: 0, patch: PATCH }],
      contents: { 'A.swift': 'import UIKit\n' },
    });
    const report: RunReport = {
      runId: `r-crash-${pr}`,
      workflow: 'review',
      change: {
        platform: 'github',
        repo: 'acme/app',
        pr,
        headSha,
        headRef: `feature/${pr}`,
        baseRef: 'main',
      },
      findings: [finding(`fp-a-${pr}-000000000`, 2), finding(`fp-b-${pr}-000000000`, 3)],
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
    };
    const access = new GitHubAccess({ apiUrl: gh.apiUrl, token: `ghs_crash_${pr}` });
    const sink = () =>
      new GitHubSink({ access, posted: new PostedStore(db), defaultMaxInline: 8, maxWaitMs: 3000 });
    /** GitHub answers the write, then the process dies before its next step (the record). */
    const dieAfter = async (method: string, pathEnd: string) => {
      const octokit = await access.octokit(undefined);
      let killed = false;
      octokit.hook.after('request', (_response, options) => {
        if (!killed && options.method === method && String(options.url).endsWith(pathEnd)) {
          killed = true;
          throw new Error('notifier killed between the platform write and its record');
        }
      });
    };
    const written = () => ({
      comments: gh.state.commentsOn('acme/app', pr).length,
      reviews: gh.state.reviews.filter((r) => r.pull_number === pr).length,
      inline: gh.state.reviewComments
        .filter((c) => c.pull_number === pr)
        .map((c) => /<!-- agentflow:finding (\S+) -->/.exec(c.body)?.[1])
        .sort(),
    });
    return { report, sink, dieAfter, written };
  };

  it('killed after the PR comment was created: the redelivery updates that comment, never a second one', async () => {
    const { report, sink, dieAfter, written } = setUp(21);
    await dieAfter('POST', '/issues/{issue_number}/comments');
    await expect(sink().deliver({ kind: 'completed', report })).rejects.toThrow(/killed/);
    expect(written().comments).toBe(1);
    await sink().deliver({ kind: 'completed', report });
    await sink().deliver({ kind: 'completed', report });
    expect(written()).toEqual({
      comments: 1,
      reviews: 1,
      inline: [`fp-a-21-000000000`, `fp-b-21-000000000`],
    });
  });

  it('killed after the review and its inline comments were created: the redelivery finds them by their markers, never a second review or inline comment', async () => {
    const { report, sink, dieAfter, written } = setUp(22);
    await dieAfter('POST', '/pulls/{pull_number}/reviews');
    await expect(sink().deliver({ kind: 'completed', report })).rejects.toThrow(/killed/);
    expect(written()).toMatchObject({ reviews: 1, inline: [`fp-a-22-000000000`, `fp-b-22-000000000`] });
    await sink().deliver({ kind: 'completed', report });
    await sink().deliver({ kind: 'completed', report });
    expect(written()).toEqual({
      comments: 1,
      reviews: 1,
      inline: [`fp-a-22-000000000`, `fp-b-22-000000000`],
    });
  });
});
