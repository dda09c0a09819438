/** What a CI job already knows (repository, commit, platform), read from the CI system's variables. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

type Env = Readonly<Record<string, string | undefined>>;

/** `owner/name`: GitHub Actions, GitLab CI, Bitrise, Codemagic. */
export function repoFromEnv(env: Env): string | undefined {
  if (env.GITHUB_REPOSITORY) return env.GITHUB_REPOSITORY;
  if (env.CI_PROJECT_PATH) return env.CI_PROJECT_PATH;
  if (env.BITRISEIO_GIT_REPOSITORY_OWNER && env.BITRISEIO_GIT_REPOSITORY_SLUG)
    return `${env.BITRISEIO_GIT_REPOSITORY_OWNER}/${env.BITRISEIO_GIT_REPOSITORY_SLUG}`;
  return undefined;
}

/** GitLab when the job runs on GitLab CI, else GitHub. */
export function platformFromEnv(env: Env): 'github' | 'gitlab' {
  return env.GITLAB_CI ? 'gitlab' : 'github';
}

/**
 * The pull request's head commit. On GitHub Actions `GITHUB_SHA` is the test merge commit, so the
 * event payload's `pull_request.head.sha` comes first; then GitLab's, Bitrise's and Codemagic's
 * variables; then `git rev-parse HEAD`.
 */
export function headShaFromEnv(env: Env, cwd: string): string | undefined {
  if (env.GITHUB_EVENT_PATH) {
    try {
      const event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as {
        pull_request?: { head?: { sha?: string } };
      };
      if (event.pull_request?.head?.sha) return event.pull_request.head.sha;
    } catch {
      // Not readable: fall through to the other sources.
    }
  }
  const fromCi =
    env.CI_COMMIT_SHA ?? env.BITRISE_GIT_COMMIT ?? env.CM_COMMIT ?? env.CI_COMMIT_ID ?? env.GITHUB_SHA;
  if (fromCi) return fromCi;
  try {
    return execFileSync('git', ['-C', cwd, 'rev-parse', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}
