/**
 * GitHub through Octokit, as an App installation (`@octokit/app`) or with a token; GitHub
 * Enterprise through the API base URL. Octokit's own retries are not installed: the bus consumer
 * retries with backoff and honours Retry-After.
 */
import type { Octokit } from '@octokit/rest';
import { GitHubOctokits, toPlatformError } from '@agentflow/repo';
import { formatDiagnostic, type Diagnostic } from '@agentflow/workflow';
import type { ChangedFile } from '../events/types';
import {
  CONFIG_CHECK_NAME,
  type ConfigProblemReporter,
  type PlatformClient,
  type PullRequestAddress,
  type PullRequestInfo,
  type RepoAddress,
  type RepositoryFiles,
} from './platform-client';

function split(repo: string): { owner: string; repo: string } {
  const [owner, name] = repo.split('/');
  return { owner, repo: name };
}

const STATUS: Record<string, ChangedFile['status']> = {
  added: 'added',
  removed: 'removed',
  modified: 'modified',
  renamed: 'renamed',
  copied: 'added',
  changed: 'modified',
  unchanged: 'modified',
};

function toChanged(f: {
  filename: string;
  status: string;
  additions: number;
  deletions: number;
  previous_filename?: string;
}): ChangedFile {
  return {
    path: f.filename,
    status: STATUS[f.status] ?? 'modified',
    additions: f.additions,
    deletions: f.deletions,
    previousPath: f.previous_filename,
  };
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

interface ContentEntry {
  type: string;
  name: string;
  content?: string;
}

function toInfo(p: RestPull): PullRequestInfo {
  return {
    pr: p.number,
    headSha: p.head.sha,
    baseSha: p.base.sha,
    headRef: p.head.ref,
    baseRef: p.base.ref,
    author: p.user?.login ?? 'ghost',
    title: p.title,
    draft: p.draft ?? false,
    state: p.merged_at ? 'merged' : p.state === 'open' ? 'open' : 'closed',
    labels: p.labels.map((l) => l.name ?? '').filter(Boolean),
  };
}

/** GitHub takes at most 50 annotations per check-run request. */
const MAX_ANNOTATIONS = 50;

export class GitHubPlatformClient implements PlatformClient, RepositoryFiles, ConfigProblemReporter {
  readonly platform = 'github' as const;

  constructor(private readonly octokits: GitHubOctokits) {}

  private async call<T>(
    what: string,
    installationId: number | undefined,
    fn: (octokit: Octokit) => Promise<T>,
  ): Promise<T> {
    try {
      return await fn(await this.octokits.forInstallation(installationId));
    } catch (error) {
      throw toPlatformError(error, `GitHub ${what}`);
    }
  }

  pullRequest(a: PullRequestAddress): Promise<PullRequestInfo> {
    return this.call(`get ${a.repo}#${a.pr}`, a.installationId, async (o) =>
      toInfo((await o.pulls.get({ ...split(a.repo), pull_number: a.pr })).data as RestPull),
    );
  }

  changedFiles(a: PullRequestAddress): Promise<ChangedFile[]> {
    // GitHub lists at most 3000 files of a PR; past that the list is truncated (the agents say so).
    return this.call(`files of ${a.repo}#${a.pr}`, a.installationId, async (o) =>
      (await o.paginate(o.pulls.listFiles, { ...split(a.repo), pull_number: a.pr, per_page: 100 })).map(
        toChanged,
      ),
    );
  }

  compareFiles(a: RepoAddress, baseSha: string, headSha: string): Promise<ChangedFile[]> {
    return this.call(`compare ${a.repo} ${baseSha}...${headSha}`, a.installationId, async (o) => {
      const { data } = await o.repos.compareCommitsWithBasehead({
        ...split(a.repo),
        basehead: `${baseSha}...${headSha}`,
      });
      return (data.files ?? []).map(toChanged);
    });
  }

  canWrite(a: RepoAddress, user: { login: string }): Promise<boolean> {
    return this.call(`permission of ${user.login} on ${a.repo}`, a.installationId, async (o) => {
      try {
        const { data } = await o.repos.getCollaboratorPermissionLevel({
          ...split(a.repo),
          username: user.login,
        });
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
    await this.call(`comment on ${a.repo}#${a.pr}`, a.installationId, (o) =>
      o.issues.createComment({ ...split(a.repo), issue_number: a.pr, body }),
    );
  }

  async fileAt(a: RepoAddress, path: string, ref: string): Promise<string | undefined> {
    const entry = await this.contents(a, path, ref);
    if (!entry || Array.isArray(entry) || entry.type !== 'file' || typeof entry.content !== 'string')
      return undefined;
    return Buffer.from(entry.content, 'base64').toString('utf8');
  }

  async filesIn(a: RepoAddress, dir: string, ref: string): Promise<string[]> {
    const entry = await this.contents(a, dir, ref);
    return Array.isArray(entry) ? entry.filter((e) => e.type === 'file').map((e) => e.name) : [];
  }

  /** `GET /repos/{owner}/{repo}/contents/{path}?ref=`: a file, a folder's entries, or `undefined` for 404. */
  private contents(
    a: RepoAddress,
    path: string,
    ref: string,
  ): Promise<ContentEntry | ContentEntry[] | undefined> {
    return this.call(`contents ${a.repo}/${path}@${ref.slice(0, 12)}`, a.installationId, async (o) => {
      try {
        return (await o.repos.getContent({ ...split(a.repo), path, ref })).data as
          ContentEntry | ContentEntry[];
      } catch (error) {
        if ((error as { status?: number }).status === 404) return undefined;
        throw error;
      }
    });
  }

  async reportConfigProblems(
    a: PullRequestAddress,
    headSha: string,
    baseSha: string,
    problems: readonly Diagnostic[],
  ): Promise<void> {
    const errors = problems.filter((p) => p.severity === 'error').length;
    const summary = [
      `agentflow read this repository's \`.agentflow/\` folder at the base commit ${baseSha.slice(0, 12)} and found ${problems.length} problem(s); the files with errors are left out and the organisation's workflows still run.`,
      '',
      // A fence keeps the messages' own backticks; a fence inside a message cannot end it early.
      '```text',
      ...problems.map((p) => formatDiagnostic(p).replace(/```/g, "'''")),
      '```',
      '',
      'Fix the files on the base branch; check them locally with `npx agentflow validate .agentflow/workflows`.',
    ].join('\n');
    const annotations = problems.slice(0, MAX_ANNOTATIONS).map((p) => ({
      path: p.file,
      start_line: Math.max(1, p.line),
      end_line: Math.max(1, p.line),
      start_column: Math.max(1, p.col),
      end_column: Math.max(1, p.col),
      annotation_level: p.severity === 'error' ? ('failure' as const) : ('warning' as const),
      message: p.message,
      title: formatDiagnostic(p).slice(0, 255),
    }));
    await this.call(`configuration check run on ${a.repo}@${headSha.slice(0, 12)}`, a.installationId, (o) =>
      o.checks.create({
        ...split(a.repo),
        name: CONFIG_CHECK_NAME,
        head_sha: headSha,
        status: 'completed',
        conclusion: 'neutral',
        completed_at: new Date().toISOString(),
        output: {
          title: `${errors} error(s), ${problems.length - errors} warning(s) in .agentflow/`,
          summary: summary.slice(0, 65_000),
          annotations,
        },
      }),
    );
  }

  openPullRequests(a: RepoAddress): Promise<PullRequestInfo[]> {
    return this.call(`open pull requests of ${a.repo}`, a.installationId, async (o) =>
      (await o.paginate(o.pulls.list, { ...split(a.repo), state: 'open', per_page: 100 })).map((p) =>
        toInfo(p as RestPull),
      ),
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
        for await (const { repository } of app.eachRepository.iterator({ installationId: installation.id }))
          yield { repo: repository.full_name, installationId: installation.id };
      }
    },
  };
}
