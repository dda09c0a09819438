/** The agents service's settings, read once at start-up from the environment. */
import { AGENT_TYPE_IDS, ConfigError, isAgentTypeId, type AgentTypeId } from '@agentflow/contracts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPlatformAccess, type PlatformAccess } from '@agentflow/repo';

export interface AgentsConfig {
  /** `AGENT_TYPES`: comma list of catalogue ids this deployment consumes. @default every type */
  agentTypes: AgentTypeId[];
  /** `AGENTS_CONCURRENCY`: tasks in flight per agent type in this process. @default 4 */
  concurrency: number;
  /** `AGENTS_CHECKOUTS_DIR`: where local clones of `owner/name` repositories live (`<dir>/<owner>/<name>`). */
  checkoutsDir?: string;
  /**
   * The test runner's own clones (ADR 0083): `AGENTS_GIT_CACHE_DIR` (default
   * `<AGENTFLOW_DATA_DIR>/git-cache`, or the system's temporary directory), at most
   * `AGENTS_GIT_CACHE_MAX_REPOS` (20) repositories, fetched from `AGENTS_GIT_REMOTE` (`{repo}` is
   * replaced; default the platform's HTTPS URL, GitHub's at `GITHUB_SERVER_URL`).
   */
  gitCache: { dir: string; maxRepos: number; remoteTemplate?: string; githubWebUrl?: string };
  /**
   * GitHub (`GITHUB_API_URL`, `GITHUB_TOKEN` or `GITHUB_APP_ID` + `GITHUB_APP_PRIVATE_KEY`/`_FILE`)
   * and GitLab (`GITLAB_URL`, `GITLAB_TOKEN`) access for reading changes through the platform APIs.
   */
  platforms: PlatformAccess;
  /** `PROVIDERS_FILE`: providers.yml, read for the kinds of providers (job-style steps). @default workflows/providers.yml */
  providersFile: string;
  /** `AGENTS_JOB_POLL_MS`: time between reads of the gateway's job-results stream while a job step waits. @default 2000 */
  jobPollMs: number;
  /**
   * `AGENTS_BATCH`: `vendor` sends the calls of `batch: true` steps through the vendors' Batch APIs
   * (half price, answered within hours); `live` makes them like any other step's (full price,
   * seconds), for local reviews and demos where nobody waits for a batch. @default vendor
   */
  batch: 'vendor' | 'live';
  /**
   * The files the gateway reads its never-sent list from (`GATEWAY_CONFIG_FILE`, default
   * workflows/gateway.yml, and `GATEWAY_POLICY_FILE`): the agents leave the same paths out of
   * every prompt, so the gateway's refusal stays a last line of defence.
   */
  neverSent: { settingsFile: string; policyFile?: string };
}

export function readAgentsConfig(env: Readonly<Record<string, string | undefined>>): AgentsConfig {
  const raw = env.AGENT_TYPES?.trim();
  const agentTypes = raw
    ? raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [...AGENT_TYPE_IDS];
  const unknown = agentTypes.filter((t) => !isAgentTypeId(t));
  if (unknown.length) {
    throw new ConfigError(
      `AGENT_TYPES names unknown agent types: ${unknown.join(', ')}; use ids from the catalogue: ${AGENT_TYPE_IDS.join(', ')}`,
    );
  }
  const concurrency = env.AGENTS_CONCURRENCY ? Number(env.AGENTS_CONCURRENCY) : 4;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new ConfigError(`AGENTS_CONCURRENCY must be a positive integer, got "${env.AGENTS_CONCURRENCY}"`);
  const jobPollMs = env.AGENTS_JOB_POLL_MS ? Number(env.AGENTS_JOB_POLL_MS) : 2_000;
  if (!Number.isFinite(jobPollMs) || jobPollMs <= 0)
    throw new ConfigError(
      `AGENTS_JOB_POLL_MS must be a positive number of milliseconds, got "${env.AGENTS_JOB_POLL_MS}"`,
    );
  const batch = env.AGENTS_BATCH?.trim() || 'vendor';
  if (batch !== 'vendor' && batch !== 'live')
    throw new ConfigError(`AGENTS_BATCH must be vendor or live, got "${env.AGENTS_BATCH}"`);
  const maxRepos = env.AGENTS_GIT_CACHE_MAX_REPOS ? Number(env.AGENTS_GIT_CACHE_MAX_REPOS) : 20;
  if (!Number.isInteger(maxRepos) || maxRepos < 1)
    throw new ConfigError(
      `AGENTS_GIT_CACHE_MAX_REPOS must be a positive integer, got "${env.AGENTS_GIT_CACHE_MAX_REPOS}"`,
    );
  const gitCache = {
    dir: env.AGENTS_GIT_CACHE_DIR || join(env.AGENTFLOW_DATA_DIR || tmpdir(), 'git-cache'),
    maxRepos,
    remoteTemplate: env.AGENTS_GIT_REMOTE || undefined,
    githubWebUrl: env.GITHUB_SERVER_URL || undefined,
  };
  return {
    agentTypes: [...new Set(agentTypes)] as AgentTypeId[],
    gitCache,
    concurrency,
    checkoutsDir: env.AGENTS_CHECKOUTS_DIR || undefined,
    platforms: readPlatformAccess(env),
    providersFile: env.PROVIDERS_FILE || 'workflows/providers.yml',
    jobPollMs,
    batch,
    neverSent: {
      settingsFile: env.GATEWAY_CONFIG_FILE ?? 'workflows/gateway.yml',
      policyFile: env.GATEWAY_POLICY_FILE || undefined,
    },
  };
}
