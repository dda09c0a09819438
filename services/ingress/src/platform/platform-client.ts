/**
 * The `PlatformClient` port: what the ingress asks a code host for what a payload lacks (changed
 * files, the PR's current head, whether a commenter may command agentflow). One implementation
 * per platform; the processor never sees Octokit or Gitbeaker.
 */
import type { Platform } from '@agentflow/contracts';
import type { Diagnostic } from '@agentflow/workflow';
import type { ChangedFile } from '../events/types';

/** Enough to address a repository (and a PR in it) on its platform. */
export interface RepoAddress {
  repo: string;
  /** GitHub App installation to act as. */
  installationId?: number;
  /** GitLab numeric project id (the path works too). */
  projectId?: number;
}

export interface PullRequestAddress extends RepoAddress {
  pr: number;
}

export interface PullRequestInfo {
  pr: number;
  headSha: string;
  baseSha: string;
  headRef: string;
  baseRef: string;
  author: string;
  title: string;
  draft: boolean;
  state: 'open' | 'closed' | 'merged';
  labels: string[];
}

export interface PlatformClient {
  readonly platform: Platform;
  pullRequest(address: PullRequestAddress): Promise<PullRequestInfo>;
  /** Files the PR changes against its base. */
  changedFiles(address: PullRequestAddress): Promise<ChangedFile[]>;
  /** Files changed between two commits (pushes). */
  compareFiles(address: RepoAddress, baseSha: string, headSha: string): Promise<ChangedFile[]>;
  /** Whether the user may push to the repository (write, maintain or admin; developer or above on GitLab). */
  canWrite(address: RepoAddress, user: { login: string; id?: number }): Promise<boolean>;
  /** A plain comment on the PR (help text, acknowledgements). */
  comment(address: PullRequestAddress, body: string): Promise<void>;
  openPullRequests(address: RepoAddress): Promise<PullRequestInfo[]>;
}

/** Platform clients by platform; a missing one means that platform is not configured. */
export type PlatformClients = Partial<Record<Platform, PlatformClient>>;

/**
 * A repository's files at one commit, through the platform API: the ingress reads a
 * repository's `.agentflow/` folder with it, at the base commit of the change, so the pull request
 * itself never decides what reviews it.
 */
export interface RepositoryFiles {
  readonly platform: Platform;
  /** The file's text at `ref`, or `undefined` when no such file exists there. */
  fileAt(address: RepoAddress, path: string, ref: string): Promise<string | undefined>;
  /** Names of the files directly in `dir` at `ref`; `[]` when the folder does not exist. */
  filesIn(address: RepoAddress, dir: string, ref: string): Promise<string[]>;
}

/** Where problems in a repository's own `.agentflow/` files are shown: on the pull request. */
export interface ConfigProblemReporter {
  readonly platform: Platform;
  /**
   * Shows `problems` on the pull request at `headSha` (GitHub: a neutral check run with one
   * annotation per problem; GitLab: a merge request note), each as `file:line:col: message`.
   */
  reportConfigProblems(
    address: PullRequestAddress,
    headSha: string,
    baseSha: string,
    problems: readonly Diagnostic[],
  ): Promise<void>;
}

/** The name of the check run that carries a repository's configuration problems. */
export const CONFIG_CHECK_NAME = 'agentflow: repository configuration';
