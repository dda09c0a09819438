/**
 * The test runner's commit, pushed through GitHub's git data API: the notifier recreates it with
 * the expected identity, time and message on the same tree, so the SHA GitHub computes (the fake
 * computes real git object ids) is the one `git commit-tree` gave in the agent's checkout.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { PushFilesCommand } from '@agentflow/contracts';
import { startFakeGitHub, type FakeGitHub } from '@agentflow/fake-platforms';
import { PgliteDatabase, runMigrations, type SqlDatabase } from '@agentflow/store';
import { PostedStore } from '../posted-store';
import { GitHubAccess } from './github-access';
import { GitHubSink } from './github-sink';
import { CommitMismatchError } from './push-files';

const FILES = {
  'Package.swift': '// swift-tools-version:5.9\n',
  'Sources/App/Login.swift': 'struct Login {}\n',
  'README.md': '# App\n',
};
const PROPOSED = [
  {
    path: 'Tests/AppTests/LoginTests.swift',
    content: 'import XCTest\n@testable import App\n\nfinal class LoginTests: XCTestCase {}\n',
    purpose: 'unit tests for Login',
  },
];
const WHO = { name: 'agentflow', email: 'agentflow@users.noreply.github.com', time: 1_700_000_123 };

/** A git repository with FILES committed, and the commit the test runner would build on it (as commit-builder does). */
function agentCheckout(): { root: string; head: string; expected: string } {
  const root = mkdtempSync(join(tmpdir(), 'af-notifier-push-'));
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'Dev',
    GIT_AUTHOR_EMAIL: 'dev@example.com',
    GIT_COMMITTER_NAME: 'Dev',
    GIT_COMMITTER_EMAIL: 'dev@example.com',
    GIT_AUTHOR_DATE: '1700000000 +0000',
    GIT_COMMITTER_DATE: '1700000000 +0000',
  };
  const git = (args: string[], extra: Record<string, string> = {}, input?: string) =>
    execFileSync('git', ['-C', root, ...args], { env: { ...env, ...extra }, input, encoding: 'utf8' }).trim();
  git(['init', '-q', '-b', 'main']);
  for (const [path, content] of Object.entries(FILES)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  git(['add', '-A']);
  git(['commit', '-q', '-m', 'base']);
  const head = git(['rev-parse', 'HEAD']);
  const who = {
    GIT_INDEX_FILE: join(root, '.git', 'agentflow-index'),
    GIT_AUTHOR_NAME: WHO.name,
    GIT_AUTHOR_EMAIL: WHO.email,
    GIT_AUTHOR_DATE: `${WHO.time} +0000`,
    GIT_COMMITTER_NAME: WHO.name,
    GIT_COMMITTER_EMAIL: WHO.email,
    GIT_COMMITTER_DATE: `${WHO.time} +0000`,
  };
  git(['read-tree', head], who);
  for (const file of PROPOSED)
    git(
      [
        'update-index',
        '--add',
        '--cacheinfo',
        `100644,${git(['hash-object', '-w', '--stdin'], who, file.content)},${file.path}`,
      ],
      who,
    );
  const expected = git(
    ['commit-tree', git(['write-tree'], who), '-p', head, '-m', 'agentflow: tests for Login'],
    who,
  );
  return { root, head, expected };
}

describe('push-files with the expected commit', () => {
  let db: SqlDatabase;
  let gh: FakeGitHub;
  let sink: GitHubSink;
  let checkout: ReturnType<typeof agentCheckout>;

  beforeAll(async () => {
    checkout = agentCheckout();
    db = await PgliteDatabase.open();
    await runMigrations(db);
    gh = await startFakeGitHub();
    gh.seedPullRequest({
      owner: 'acme',
      repo: 'app',
      number: 3,
      headSha: checkout.head,
      baseSha: 'b'.repeat(40),
      headRef: 'feature/login',
      files: [],
      contents: FILES,
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
    rmSync(checkout.root, { recursive: true, force: true });
  });

  const command = (over: Partial<PushFilesCommand> = {}): PushFilesCommand => ({
    runId: 'r-push',
    stepId: 'test-runner',
    branch: 'agentflow/run-r-push',
    baseSha: checkout.head,
    commitMessage: 'agentflow: tests for Login',
    mode: 'branch',
    files: PROPOSED,
    change: {
      platform: 'github',
      repo: 'acme/app',
      pr: 3,
      headSha: checkout.head,
      headRef: 'feature/login',
      baseRef: 'main',
    },
    commit: { sha: checkout.expected, authorName: WHO.name, authorEmail: WHO.email, time: WHO.time },
    ...over,
  });

  it('creates exactly the commit the test runner built (same SHA), with its identity and time, and moves the branch to it', async () => {
    const result = await sink.deliver({ kind: 'push-files', command: command() });
    expect(result).toMatchObject({
      state: 'delivered',
      data: { commitSha: checkout.expected, branch: 'agentflow/run-r-push', alreadyPushed: false },
    });
    const created = gh.requests.find((r) => r.method === 'POST' && r.path.endsWith('/git/commits'))!;
    expect(created.body).toMatchObject({
      author: { name: WHO.name, email: WHO.email, date: '2023-11-14T22:15:23Z' },
      committer: { name: WHO.name, email: WHO.email },
    });
    expect(gh.state.repos.get('acme/app')?.refs['refs/heads/agentflow/run-r-push']).toBe(checkout.expected);
    // A redelivery finds the expected commit already on the branch.
    expect(await sink.deliver({ kind: 'push-files', command: command() })).toMatchObject({
      state: 'delivered',
      data: { commitSha: checkout.expected, alreadyPushed: true },
    });
  });

  it('refuses loudly, moving no branch, when GitHub builds another commit than the one CI will be awaited on', async () => {
    const wrong = command({
      runId: 'r-push-2',
      branch: 'agentflow/run-r-push-2',
      commit: { sha: checkout.expected, authorName: WHO.name, authorEmail: WHO.email, time: WHO.time + 1 },
    });
    const error = await sink.deliver({ kind: 'push-files', command: wrong }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommitMismatchError);
    expect(error).toMatchObject({
      retryable: false,
      code: 'commit_mismatch',
      expectedSha: checkout.expected,
    });
    expect((error as Error).message).toMatch(/would time out/);
    expect(
      gh.requests.some(
        (r) =>
          r.method === 'POST' &&
          r.path.endsWith('/git/refs') &&
          JSON.stringify(r.body).includes('run-r-push-2'),
      ),
    ).toBe(false);
  });
});
