/**
 * `@agentflow/repo`: the `RepoReader` port (what an agent reads from a repository) and its
 * readers — a local git checkout, a plain directory with a diff, the GitHub and GitLab APIs —
 * shared by the agents (which read) and the ingress (which talks to the same platforms).
 */
export { RepoReadError, type RepoReader, type RepoReaderFactory } from './repo-reader';
export { GitCheckoutReader, DirectoryReader } from './local/local-checkout-reader';
export { RepoReadCache, isPinnedCommit, type RepoReadCacheOptions } from './cache/repo-read-cache';
export { GitHubOctokits, type GitHubAuthOptions } from './platform/github-octokits';
export { GitHubRepoReader } from './platform/github-repo-reader';
export { GitLabRepoReader } from './platform/gitlab-repo-reader';
export { retryAfterMs, toPlatformError } from './platform/platform-errors';
export { toGitDiff, grepFiles, textOf } from './platform/platform-diff';
/** Test support (git fixtures for this lib's and the agents' tests); not used at run time. */
export { FixtureRepo } from './testing/fixture-repo';
export { readPlatformAccess, type PlatformAccess, type GitLabAccess } from './platform/platform-access';
