/**
 * GitHub through Octokit, as an App installation (`@octokit/app`) or with a token; GitHub
 * Enterprise through the API base URL. Octokit's own retries are not installed: the bus consumer
 * retries with backoff and honours Retry-After.
 */
import type { App } from '@octokit/app';
import { Octokit } from '@octokit/rest';
import { ConfigError } from '@agentflow/contracts';
import type { ChangedFile } from '../events/types';
import type { PlatformClient, PullRequestAddress, PullRequestInfo, RepoAddress } from './platform-client';
import { toPlatformError } from './platform-errors';

export interface GitHubAuthOptions {
  apiUrl: string;
  appId?: string;
  privateKey?: string;
  token?: string;
}

const quietLog = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Hands out an Octokit for an installation (App) or the token; the App's own Octokit for app
 * endpoints (the delivery API). `@octokit/app` is loaded only when an App is configured.
 */
export class GitHubOctokits {
  private app?: App;
  private appLoading?: Promise<App>;
  private readonly tokenClient?: Octokit;
  private readonly installations = new Map<number, { octokit: Octokit; until: number }>();
  private readonly RestOctokit: typeof Octokit;

  constructor(private readonly options: GitHubAuthOptions) {
    this.RestOctokit = Octokit.defaults({ baseUrl: options.apiUrl, log: quietLog });
    if (!this.isApp && options.token) this.tokenClient = new this.RestOctokit({ auth: options.token });
  }

  /** Whether GitHub App credentials are configured (then the delivery API is available). */
  get isApp(): boolean {
    return Boolean(this.options.appId && this.options.privateKey);
  }

  get configured(): boolean {
    return this.isApp || Boolean(this.tokenClient);
  }

  /** The App (JWT-authenticated), for app endpoints. Throws when no App is configured. */
  async appClient(): Promise<App> {
    if (!this.isApp) throw new ConfigError('no GitHub App is configured: set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY');
    this.appLoading ??= import('@octokit/app').then(({ App: AppClass }) => (this.app = new AppClass({ appId: this.options.appId!, privateKey: this.options.privateKey!, Octokit: this.RestOctokit })));
    return this.appLoading;
  }

  async forInstallation(installationId: number | undefined): Promise<Octokit> {
    if (this.tokenClient) return this.tokenClient;
    if (!this.isApp) throw new ConfigError('GitHub is not configured: set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY, or GITHUB_TOKEN');
    const app = await this.appClient();
    const id = installationId ?? (await this.installationFor(app));
    const cached = this.installations.get(id);
    if (cached && cached.until > Date.now()) return cached.octokit;
    const octokit = (await app.getInstallationOctokit(id)) as unknown as Octokit;
    // Installation tokens live an hour; @octokit/auth-app refreshes them, the cache only saves the set-up.
    this.installations.set(id, { octokit, until: Date.now() + 50 * 60_000 });
    return octokit;
  }

  /** An App with exactly one installation needs no installation id in the request. */
  private async installationFor(app: App): Promise<number> {
    const { data } = await app.octokit.request('GET /app/installations', { per_page: 2 });
    const list = data as Array<{ id: number }>;
    if (list.length !== 1) throw new ConfigError(`the GitHub App has ${list.length} installations; the request must name one (installation id)`);
    return list[0].id;
  }
}

function split(repo: string): { owner: string; repo: string } {
  const [owner, name] = repo.split('/');
  return { owner, repo: name };
}

const STATUS: Record<string, ChangedFile['status']> = { added: 'added', removed: 'removed', modified: 'modified', renamed: 'renamed', copied: 'added', changed: 'modified', unchanged: 'modified' };

function toChanged(f: { filename: string; status: string; additions: number; deletions: number; previous_filename?: string }): ChangedFile {
  return { path: f.filename, status: STATUS[f.status] ?? 'modified', additions: f.additions, deletions: f.deletions, previousPath: f.previous_filename };
}

interface RestPull {
  number: number;
  head: { sha: string; ref: string };
  base: { sha: string; ref: string };
  user: { login: string } | null;
  title: string;
  draft?: boolean;
  state: string;
  merged_at?: string | null;
  labels: Array<{ name?: string }>;
}

function toInfo(p: RestPull): PullRequestInfo {
  return {
    pr: p.number, headSha: p.head.sha, baseSha: p.base.sha, headRef: p.head.ref, baseRef: p.base.ref, author: p.user?.login ?? 'ghost', title: p.title,
    draft: p.draft ?? false, state: p.merged_at ? 'merged' : p.state === 'open' ? 'open' : 'closed', labels: p.labels.map((l) => l.name ?? '').filter(Boolean),
  };
}

export class GitHubPlatformClient implements PlatformClient {
  readonly platform = 'github' as const;

  constructor(private readonly octokits: GitHubOctokits) {}

  private async call<T>(what: string, installationId: number | undefined, fn: (octokit: Octokit) => Promise<T>): Promise<T> {
    try {
      return await fn(await this.octokits.forInstallation(installationId));
    } catch (error) {
      throw toPlatformError(error, `GitHub ${what}`);
    }
  }

  pullRequest(a: PullRequestAddress): Promise<PullRequestInfo> {
    return this.call(`get ${a.repo}#${a.pr}`, a.installationId, async (o) => toInfo((await o.pulls.get({ ...split(a.repo), pull_number: a.pr })).data as RestPull));
  }

  changedFiles(a: PullRequestAddress): Promise<ChangedFile[]> {
    // GitHub lists at most 3000 files of a PR; past that the list is truncated (the agents say so).
    return this.call(`files of ${a.repo}#${a.pr}`, a.installationId, async (o) =>
      (await o.paginate(o.pulls.listFiles, { ...split(a.repo), pull_number: a.pr, per_page: 100 })).map(toChanged),
    );
  }

  compareFiles(a: RepoAddress, baseSha: string, headSha: string): Promise<ChangedFile[]> {
    return this.call(`compare ${a.repo} ${baseSha}...${headSha}`, a.installationId, async (o) => {
      const { data } = await o.repos.compareCommitsWithBasehead({ ...split(a.repo), basehead: `${baseSha}...${headSha}` });
      return (data.files ?? []).map(toChanged);
    });
  }

  canWrite(a: RepoAddress, user: { login: string }): Promise<boolean> {
    return this.call(`permission of ${user.login} on ${a.repo}`, a.installationId, async (o) => {
      try {
        const { data } = await o.repos.getCollaboratorPermissionLevel({ ...split(a.repo), username: user.login });
        const role = (data as { role_name?: string }).role_name ?? data.permission;
        return ['admin', 'maintain', 'write'].includes(role);
      } catch (error) {
        // 404: not a collaborator at all.
        if ((error as { status?: number }).status === 404) return false;
        throw error;
      }
    });
  }

  async comment(a: PullRequestAddress, body: string): Promise<void> {
    await this.call(`comment on ${a.repo}#${a.pr}`, a.installationId, (o) => o.issues.createComment({ ...split(a.repo), issue_number: a.pr, body }));
  }

  openPullRequests(a: RepoAddress): Promise<PullRequestInfo[]> {
    return this.call(`open pull requests of ${a.repo}`, a.installationId, async (o) =>
      (await o.paginate(o.pulls.list, { ...split(a.repo), state: 'open', per_page: 100 })).map((p) => toInfo(p as RestPull)),
    );
  }
}

/** The reconciler's view of the App: JWT requests and every installation's repositories. */
export function appAccess(octokits: GitHubOctokits) {
  return {
    async request(route: string, params: Record<string, unknown>) {
      const app = await octokits.appClient();
      const r = await app.octokit.request(route, params);
      return { data: r.data as unknown, headers: r.headers as Record<string, unknown> };
    },
    async *repositories(): AsyncIterable<{ repo: string; installationId: number }> {
      const app = await octokits.appClient();
      for await (const { installation } of app.eachInstallation.iterator()) {
        for await (const { repository } of app.eachRepository.iterator({ installationId: installation.id })) yield { repo: repository.full_name, installationId: installation.id };
      }
    },
  };
}
