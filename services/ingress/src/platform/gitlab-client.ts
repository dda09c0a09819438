/** GitLab through `@gitbeaker/rest` (any GitLab host, self-managed included). */
import { Gitlab } from '@gitbeaker/rest';
import type { ChangedFile } from '../events/types';
import { toPlatformError } from '@agentflow/repo';
import { formatDiagnostic, type Diagnostic } from '@agentflow/workflow';
import type {
  ConfigProblemReporter,
  PlatformClient,
  PullRequestAddress,
  PullRequestInfo,
  RepoAddress,
  RepositoryFiles,
} from './platform-client';

/** Developer (30) and above may push. */
const DEVELOPER = 30;

interface MrSchema {
  iid: number;
  sha?: string;
  diff_refs?: { base_sha?: string; head_sha?: string; start_sha?: string } | null;
  source_branch: string;
  target_branch: string;
  author?: { username?: string } | null;
  title: string;
  draft?: boolean;
  work_in_progress?: boolean;
  state: string;
  labels?: Array<string | { name?: string }>;
}

interface DiffSchema {
  old_path: string;
  new_path: string;
  diff: string;
  new_file: boolean;
  renamed_file: boolean;
  deleted_file: boolean;
}

function count(diff: string): { additions: number; deletions: number } {
  let additions = 0;
  let deletions = 0;
  for (const line of diff.split('\n')) {
    if (line.startsWith('+') && !line.startsWith('+++')) additions += 1;
    else if (line.startsWith('-') && !line.startsWith('---')) deletions += 1;
  }
  return { additions, deletions };
}

export function gitlabDiffToChanged(d: DiffSchema): ChangedFile {
  const status: ChangedFile['status'] = d.new_file
    ? 'added'
    : d.deleted_file
      ? 'removed'
      : d.renamed_file
        ? 'renamed'
        : 'modified';
  return {
    path: d.deleted_file ? d.old_path : d.new_path,
    status,
    ...count(d.diff ?? ''),
    previousPath: d.renamed_file ? d.old_path : undefined,
  };
}

function toInfo(m: MrSchema): PullRequestInfo {
  return {
    pr: m.iid,
    headSha: m.diff_refs?.head_sha ?? m.sha ?? '',
    baseSha: m.diff_refs?.base_sha ?? '',
    headRef: m.source_branch,
    baseRef: m.target_branch,
    author: m.author?.username ?? 'unknown',
    title: m.title,
    draft: m.draft ?? m.work_in_progress ?? false,
    state: m.state === 'opened' ? 'open' : m.state === 'merged' ? 'merged' : 'closed',
    labels: (m.labels ?? []).map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter(Boolean),
  };
}

function statusOf(error: unknown): number | undefined {
  return (error as { cause?: { response?: { status?: number } } }).cause?.response?.status;
}

export class GitLabPlatformClient implements PlatformClient, RepositoryFiles, ConfigProblemReporter {
  readonly platform = 'gitlab' as const;
  private readonly api: InstanceType<typeof Gitlab>;

  constructor(options: { host: string; token: string }) {
    this.api = new Gitlab({ host: options.host, token: options.token });
  }

  private project(a: RepoAddress): string | number {
    return a.projectId ?? a.repo;
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw toPlatformError(error, `GitLab ${what}`);
    }
  }

  pullRequest(a: PullRequestAddress): Promise<PullRequestInfo> {
    return this.call(`get ${a.repo}!${a.pr}`, async () =>
      toInfo((await this.api.MergeRequests.show(this.project(a), a.pr)) as unknown as MrSchema),
    );
  }

  changedFiles(a: PullRequestAddress): Promise<ChangedFile[]> {
    return this.call(`diffs of ${a.repo}!${a.pr}`, async () => {
      const diffs = (await this.api.MergeRequests.allDiffs(this.project(a), a.pr, {
        perPage: 100,
      })) as unknown as DiffSchema[];
      return diffs.map(gitlabDiffToChanged);
    });
  }

  compareFiles(a: RepoAddress, baseSha: string, headSha: string): Promise<ChangedFile[]> {
    return this.call(`compare ${a.repo} ${baseSha}...${headSha}`, async () => {
      const result = (await this.api.Repositories.compare(this.project(a), baseSha, headSha)) as unknown as {
        diffs?: DiffSchema[];
      };
      return (result.diffs ?? []).map(gitlabDiffToChanged);
    });
  }

  canWrite(a: RepoAddress, user: { login: string; id?: number }): Promise<boolean> {
    return this.call(`membership of ${user.login} in ${a.repo}`, async () => {
      if (user.id === undefined) return false;
      try {
        const member = (await this.api.ProjectMembers.show(this.project(a), user.id, {
          includeInherited: true,
        })) as unknown as { access_level: number };
        return member.access_level >= DEVELOPER;
      } catch (error) {
        const status = (error as { cause?: { response?: { status?: number } } }).cause?.response?.status;
        if (status === 404) return false;
        throw error;
      }
    });
  }

  async comment(a: PullRequestAddress, body: string): Promise<void> {
    await this.call(`note on ${a.repo}!${a.pr}`, () =>
      this.api.MergeRequestNotes.create(this.project(a), a.pr, body),
    );
  }

  async fileAt(a: RepoAddress, path: string, ref: string): Promise<string | undefined> {
    return this.call(`file ${a.repo}/${path}@${ref.slice(0, 12)}`, async () => {
      try {
        return String(await this.api.RepositoryFiles.showRaw(this.project(a), path, ref));
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
    });
  }

  async filesIn(a: RepoAddress, dir: string, ref: string): Promise<string[]> {
    return this.call(`tree ${a.repo}/${dir}@${ref.slice(0, 12)}`, async () => {
      try {
        const entries = (await this.api.Repositories.allRepositoryTrees(this.project(a), {
          path: dir,
          ref,
          perPage: 100,
        })) as unknown as Array<{ name: string; type: string }>;
        return entries.filter((e) => e.type === 'blob').map((e) => e.name);
      } catch (error) {
        if (statusOf(error) === 404) return [];
        throw error;
      }
    });
  }

  async reportConfigProblems(
    a: PullRequestAddress,
    _headSha: string,
    baseSha: string,
    problems: readonly Diagnostic[],
  ): Promise<void> {
    const body = [
      `**agentflow: repository configuration.** \`.agentflow/\` at the base commit ${baseSha.slice(0, 12)} has ${problems.length} problem(s); the files with errors are left out and the organisation's workflows still run.`,
      '',
      '```text',
      ...problems.map((p) => formatDiagnostic(p).replace(/```/g, "'''")),
      '```',
      '',
      'Fix the files on the target branch; check them locally with `npx agentflow validate .agentflow/workflows`.',
    ].join('\n');
    await this.comment(a, body);
  }

  openPullRequests(a: RepoAddress): Promise<PullRequestInfo[]> {
    return this.call(`open merge requests of ${a.repo}`, async () => {
      const list = (await this.api.MergeRequests.all({
        projectId: this.project(a),
        state: 'opened',
        perPage: 100,
      })) as unknown as MrSchema[];
      return list.map(toInfo);
    });
  }
}
