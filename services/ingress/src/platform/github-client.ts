/**
 * GitHub through Octokit, as an App installation (`@octokit/app`) or with a token; GitHub
 * Enterprise through the API base URL. Octokit's own retries are not installed: the bus consumer
 * retries with backoff and honours Retry-After.
 */
import type { Octokit } from '@octokit/rest';
import { GitHubOctokits, toPlatformError } from '@agentflow/repo';
import type { ChangedFile } from '../events/types';
import type { PlatformClient, PullRequestAddress, PullRequestInfo, RepoAddress } from './platform-client';

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
