/**
 * How a service reaches GitHub and GitLab, read from the environment the same way everywhere
 * (ingress, agents): `GITHUB_API_URL`, `GITHUB_APP_ID` + `GITHUB_APP_PRIVATE_KEY`(`_FILE`) or
 * `GITHUB_TOKEN`; `GITLAB_URL`, `GITLAB_TOKEN`.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '@agentflow/contracts';
import type { GitHubAuthOptions } from './github-octokits';

export interface GitLabAccess {
  /** `GITLAB_URL`, without a trailing slash. @default https://gitlab.com */
  url: string;
  /** `GITLAB_TOKEN`: API token (read_api is enough for reading). */
  token?: string;
}

export interface PlatformAccess {
  github: GitHubAuthOptions;
  gitlab: GitLabAccess;
}

/** Reads the platform credentials; throws `ConfigError` for an App id without a key or an unreadable key file. */
export function readPlatformAccess(env: Readonly<Record<string, string | undefined>>): PlatformAccess {
  let privateKey = env.GITHUB_APP_PRIVATE_KEY?.replace(/\\n/g, '\n');
  if (!privateKey && env.GITHUB_APP_PRIVATE_KEY_FILE) {
    try {
      privateKey = readFileSync(env.GITHUB_APP_PRIVATE_KEY_FILE, 'utf8');
    } catch (error) {
      throw new ConfigError(
        `GITHUB_APP_PRIVATE_KEY_FILE=${env.GITHUB_APP_PRIVATE_KEY_FILE} cannot be read (${String(error)}); mount the App's key there`,
      );
    }
  }
  if (env.GITHUB_APP_ID && !privateKey) {
    throw new ConfigError(
      'GITHUB_APP_ID is set without GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_FILE; set one of them or unset GITHUB_APP_ID to use GITHUB_TOKEN',
    );
  }
  return {
    github: {
      apiUrl: (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''),
      appId: env.GITHUB_APP_ID || undefined,
      privateKey,
      token: env.GITHUB_TOKEN || undefined,
    },
    gitlab: {
      url: (env.GITLAB_URL || 'https://gitlab.com').replace(/\/+$/, ''),
      token: env.GITLAB_TOKEN || undefined,
    },
  };
}
