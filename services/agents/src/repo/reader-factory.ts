/**
 * Picks the {@link RepoReader} for a task's change by `task.change.platform`:
 * - `github`: the GitHub API (App installation `change.installationId`, or the token) when GitHub
 *   access is configured;
 * - `gitlab`: the GitLab API (`change.projectId`, else the project path) when `GITLAB_TOKEN` is set;
 * - `local`: the change's directory (git checkout, or plain directory with a `.diff` artifact).
 * A GitHub or GitLab change falls back to a local clone `<AGENTS_CHECKOUTS_DIR>/<owner>/<name>` when
 * the platform is not configured. The test runner builds its commit with git plumbing, so it is
 * given the provisioned clone when one exists, else its own clone from the `CheckoutCache`.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { AgentTask } from '@agentflow/contracts';
import {
  DirectoryReader,
  GitCheckoutReader,
  GitHubOctokits,
  GitHubRepoReader,
  GitLabRepoReader,
  RepoReadCache,
  RepoReadError,
  type GitLabAccess,
  type PlatformAccess,
  type RepoReader,
  type RepoReaderFactory,
} from '@agentflow/repo';
import type { CheckoutCache } from './checkout-cache';

export interface ReaderFactoryOptions {
  /** `AGENTS_CHECKOUTS_DIR`: local clones as `<dir>/<owner>/<name>`. */
  checkoutsDir?: string;
  /** GitHub and GitLab access (`readPlatformAccess`); absent: only local clones and directories. */
  platforms?: PlatformAccess;
  /**
   * Where local readers keep what they read, shared by every task of this service: a git object
   * at a commit id, or a plain directory for the length of one run. @default a new bounded cache
   */
  cache?: RepoReadCache;
  /** The test runner's own clones, used when no clone was provisioned under `checkoutsDir` (ADR 0083). */
  gitCache?: CheckoutCache;
}

/** Agent types that need a git checkout on disk rather than an API view of the repository. */
const NEEDS_CHECKOUT = new Set(['test-runner']);

export class PlatformReaderFactory implements RepoReaderFactory {
  private readonly github?: GitHubOctokits;
  private readonly gitlab?: GitLabAccess;
  private readonly cache: RepoReadCache;

  constructor(private readonly options: ReaderFactoryOptions = {}) {
    this.cache = options.cache ?? new RepoReadCache();
    const github = options.platforms ? new GitHubOctokits(options.platforms.github) : undefined;
    // One GitHubOctokits per service: it caches installation clients across tasks.
    this.github = github?.configured ? github : undefined;
    this.gitlab = options.platforms?.gitlab.token ? options.platforms.gitlab : undefined;
  }

  async forTask(task: AgentTask): Promise<RepoReader> {
    const { change } = task;
    if (change.platform === 'local') {
      if (!existsSync(change.repo))
        throw new RepoReadError(`local repository ${change.repo} does not exist on this machine`);
      return localReader(change.repo, task, this.cache);
    }
    const clone = this.options.checkoutsDir ? join(this.options.checkoutsDir, change.repo) : undefined;
    const hasClone = clone !== undefined && existsSync(clone);
    if (hasClone && NEEDS_CHECKOUT.has(task.agentType)) return localReader(clone, task, this.cache);
    if (NEEDS_CHECKOUT.has(task.agentType) && this.options.gitCache)
      return new GitCheckoutReader(await this.options.gitCache.checkout(change), { cache: this.cache });
    if (change.platform === 'github' && this.github) {
      // The pull request's own diff comes from its files list, which holds 3,000 files to a compare's 300.
      const pull =
        change.pr !== undefined
          ? { number: change.pr, headSha: change.headSha, baseSha: change.baseSha }
          : undefined;
      return new GitHubRepoReader(this.github, change.repo, change.installationId, pull);
    }
    if (change.platform === 'gitlab' && this.gitlab)
      return new GitLabRepoReader(this.gitlab.url, this.gitlab.token!, change.projectId ?? change.repo);
    if (hasClone) return localReader(clone, task, this.cache);
    const access =
      change.platform === 'github'
        ? 'GITHUB_TOKEN or GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY'
        : 'GITLAB_TOKEN';
    throw new RepoReadError(
      `cannot read ${change.platform}:${change.repo}: set ${access}, or AGENTS_CHECKOUTS_DIR to a directory holding <owner>/<name> clones`,
    );
  }
}

async function localReader(root: string, task: AgentTask, cache: RepoReadCache): Promise<RepoReader> {
  if (existsSync(join(root, '.git'))) return new GitCheckoutReader(root, { cache });
  // A plain directory: the diff comes as an artifact (`*.diff` / `*.patch`).
  const diffPath = (task.artifacts ?? []).find((a) => /\.(diff|patch)$/.test(a));
  if (!diffPath) throw new RepoReadError(`${root} is not a git checkout and the task has no .diff artifact`);
  // No commit ids name a directory's content: the steps of one run share one view of it, and
  // each run reads it afresh.
  const snapshot = `run:${task.runId}`;
  const path = isAbsolute(diffPath) ? diffPath : join(root, diffPath);
  const text = await cache.remember(`diff-artifact\0${path}\0${snapshot}`, () => readFile(path, 'utf8'));
  return new DirectoryReader(root, text, { cache, snapshot });
}

/** Local clones and directories only (no platform access): tests, benchmarks, `agentflow analyze`. */
export class LocalReaderFactory extends PlatformReaderFactory {
  constructor(checkoutsDir?: string) {
    super({ checkoutsDir });
  }
}
