import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentTask } from '@agentflow/contracts';
import {
  GitCheckoutReader,
  GitHubRepoReader,
  GitLabRepoReader,
  readPlatformAccess,
  RepoReadError,
} from '@agentflow/repo';
import { FixtureRepo } from '../testing/fixture-repo';
import { PlatformReaderFactory } from './reader-factory';

function task(platform: AgentTask['change']['platform'], repo: string, agentType = 'code-review'): AgentTask {
  return {
    runId: 'r',
    stepId: 's',
    attempt: 1,
    agentType,
    tasks: [],
    change: {
      platform,
      repo,
      headSha: 'h'.repeat(40),
      baseSha: 'b'.repeat(40),
      installationId: 5,
      projectId: 42,
    },
    step: {},
    deadline: Date.now() + 60_000,
    context: {},
    attribution: {},
    dataClass: 'internal',
  };
}

describe('PlatformReaderFactory', () => {
  const checkouts = mkdtempSync(join(tmpdir(), 'af-checkouts-'));
  let clone: FixtureRepo;
  beforeAll(() => {
    clone = new FixtureRepo({ 'A.swift': 'let a = 1\n' });
    mkdirSync(join(checkouts, 'acme'), { recursive: true });
    // `<checkouts>/acme/ios-app` is the clone (moved into place).
    renameSync(clone.root, join(checkouts, 'acme', 'ios-app'));
  });
  afterAll(() => rmSync(checkouts, { recursive: true, force: true }));

  const configured = readPlatformAccess({
    GITHUB_API_URL: 'http://127.0.0.1:9',
    GITHUB_TOKEN: 'ghs_x',
    GITLAB_URL: 'http://127.0.0.1:9',
    GITLAB_TOKEN: 'glpat_x',
  });

  it('chooses the platform API by task.change.platform when the platform is configured', async () => {
    const factory = new PlatformReaderFactory({ checkoutsDir: checkouts, platforms: configured });
    const github = await factory.forTask(task('github', 'acme/ios-app'));
    expect(github).toBeInstanceOf(GitHubRepoReader);
    expect(github.label).toBe('github:acme/ios-app');
    const gitlab = await factory.forTask(task('gitlab', 'acme/android-app'));
    expect(gitlab).toBeInstanceOf(GitLabRepoReader);
    expect(gitlab.label).toBe('gitlab:42');
  });

  it('falls back to the local clone when the platform is not configured, and gives the test runner the clone', async () => {
    const unconfigured = new PlatformReaderFactory({
      checkoutsDir: checkouts,
      platforms: readPlatformAccess({}),
    });
    const reader = await unconfigured.forTask(task('github', 'acme/ios-app'));
    expect(reader).toBeInstanceOf(GitCheckoutReader);
    (reader as GitCheckoutReader).close();
    const runner = await new PlatformReaderFactory({
      checkoutsDir: checkouts,
      platforms: configured,
    }).forTask(task('github', 'acme/ios-app', 'test-runner'));
    expect(runner).toBeInstanceOf(GitCheckoutReader);
    (runner as GitCheckoutReader).close();
  });

  it('reads a local change from its directory and says what to configure when nothing can read the change', async () => {
    const factory = new PlatformReaderFactory({ platforms: readPlatformAccess({}) });
    const local = await factory.forTask(task('local', join(checkouts, 'acme', 'ios-app')));
    expect(local).toBeInstanceOf(GitCheckoutReader);
    (local as GitCheckoutReader).close();
    await expect(factory.forTask(task('github', 'acme/other'))).rejects.toThrow(RepoReadError);
    await expect(factory.forTask(task('github', 'acme/other'))).rejects.toThrow(
      /GITHUB_TOKEN or GITHUB_APP_ID/,
    );
    await expect(factory.forTask(task('gitlab', 'acme/other'))).rejects.toThrow(/GITLAB_TOKEN/);
  });
});
