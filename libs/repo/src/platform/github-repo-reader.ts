/**
 * `RepoReader` over the GitHub REST API (pull request files, compare, contents, git trees), as an
 * App installation or with a token. A pull request's own diff pages through its files list (up to
 * GitHub's 3,000) and is checked against its `changed_files`; a compare lists 300 files at most.
 * Whatever the list could not hold is named from the two commits' trees, never dropped.
 */
import type { FileDiff } from '@agentflow/mobile';
import type { GitHubOctokits } from './github-octokits';
import { toRepoReadError } from './platform-errors';
import { RepoReadError, type RepoReader } from '../repo-reader';
import { grepFiles, textOf } from './platform-diff';
import { listedToDiffs, unlistedFiles, type ListedFile } from './platform-files';

const STATUS: Record<string, 'added' | 'removed' | 'modified' | 'renamed'> = {
  added: 'added',
  removed: 'removed',
  renamed: 'renamed',
  copied: 'added',
};

/** "The response includes a maximum of 300 changed files for the entire comparison." */
export const GITHUB_COMPARE_FILES_CAP = 300;

/** The pull request a reader serves: its own base..head diff is read from its files list. */
export interface GitHubPull {
  number: number;
  headSha: string;
  baseSha?: string;
}

interface ApiFile {
  filename: string;
  previous_filename?: string;
  status: string;
  patch?: string;
}

function listed(f: ApiFile): ListedFile {
  return {
    oldPath: f.previous_filename ?? f.filename,
    newPath: f.filename,
    status: STATUS[f.status] ?? 'modified',
    patch: f.patch,
  };
}

export class GitHubRepoReader implements RepoReader {
  readonly label: string;
  private readonly owner: string;
  private readonly name: string;
  private readonly cache = new Map<string, Promise<string | null>>();

  constructor(
    private readonly octokits: GitHubOctokits,
    repo: string,
    private readonly installationId?: number,
    private readonly pull?: GitHubPull,
  ) {
    [this.owner, this.name] = repo.split('/');
    this.label = `github:${repo}`;
  }

  private async call<T>(
    what: string,
    fn: (o: Awaited<ReturnType<GitHubOctokits['forInstallation']>>) => Promise<T>,
  ): Promise<T> {
    try {
      return await fn(await this.octokits.forInstallation(this.installationId));
    } catch (error) {
      throw toRepoReadError(error, `${this.label} ${what}`);
    }
  }

  async diff(baseSha: string, headSha: string): Promise<FileDiff[]> {
    const ownDiff =
      this.pull &&
      this.pull.headSha === headSha &&
      (this.pull.baseSha === undefined || this.pull.baseSha === baseSha);
    const { entries, complete } = ownDiff
      ? await this.pullFiles(this.pull!.number)
      : await this.compareFiles(baseSha, headSha);
    const diffs = await listedToDiffs(entries, (path) => this.readFile(path, headSha));
    if (complete) return diffs;
    return [
      ...diffs,
      ...(await unlistedFiles(
        diffs,
        () => this.blobs(baseSha),
        () => this.blobs(headSha),
      )),
    ];
  }

  private pullFiles(number: number): Promise<{ entries: ListedFile[]; complete: boolean }> {
    return this.call(`pull request #${number} files`, async (o) => {
      const args = { owner: this.owner, repo: this.name, pull_number: number };
      const [pull, files] = await Promise.all([
        o.pulls.get(args),
        o.paginate(o.pulls.listFiles, { ...args, per_page: 100 }),
      ]);
      return { entries: (files as ApiFile[]).map(listed), complete: files.length >= pull.data.changed_files };
    });
  }

  private compareFiles(
    baseSha: string,
    headSha: string,
  ): Promise<{ entries: ListedFile[]; complete: boolean }> {
    return this.call(`compare ${baseSha}...${headSha}`, async (o) => {
      const files = ((
        await o.repos.compareCommitsWithBasehead({
          owner: this.owner,
          repo: this.name,
          basehead: `${baseSha}...${headSha}`,
          per_page: 100,
        })
      ).data.files ?? []) as ApiFile[];
      // A compare holds 300 files at most and says nothing of the rest: a full list may be a cut one.
      return { entries: files.map(listed), complete: files.length < GITHUB_COMPARE_FILES_CAP };
    });
  }

  /** Blob ids by path at a commit, to name what a capped files list left out. */
  private async blobs(sha: string): Promise<Map<string, string>> {
    const tree = await this.call(
      `tree ${sha.slice(0, 12)}`,
      async (o) =>
        (await o.git.getTree({ owner: this.owner, repo: this.name, tree_sha: sha, recursive: 'true' })).data,
    );
    if (tree.truncated)
      throw new RepoReadError(
        `${this.label}: the change has more files than GitHub lists and the tree at ${sha.slice(0, 12)} is too large for one API call, so the files not listed cannot be named; review it from a checkout (AGENTS_CHECKOUTS_DIR)`,
      );
    return new Map(
      tree.tree.filter((e) => e.type === 'blob' && e.path && e.sha).map((e) => [e.path!, e.sha!]),
    );
  }

  readFile(path: string, sha: string): Promise<string | null> {
    const key = `${sha}:${path}`;
    let pending = this.cache.get(key);
    if (!pending) {
      pending = this.fetchFile(path, sha);
      this.cache.set(key, pending);
    }
    return pending;
  }

  private async fetchFile(path: string, sha: string): Promise<string | null> {
    try {
      const o = await this.octokits.forInstallation(this.installationId);
      const { data } = await o.repos.getContent({
        owner: this.owner,
        repo: this.name,
        path,
        ref: sha,
        mediaType: { format: 'raw' },
      });
      const buffer =
        typeof data === 'string'
          ? Buffer.from(data, 'utf8')
          : 'content' in data && typeof data.content === 'string'
            ? Buffer.from(data.content, 'base64')
            : null;
      if (!buffer) return null;
      return textOf(buffer);
    } catch (error) {
      if ((error as { status?: number }).status === 404) return null;
      throw toRepoReadError(error, `${this.label} read ${path}@${sha.slice(0, 12)}`);
    }
  }

  async listFiles(sha: string): Promise<string[]> {
    const tree = await this.call(
      `tree ${sha.slice(0, 12)}`,
      async (o) =>
        (await o.git.getTree({ owner: this.owner, repo: this.name, tree_sha: sha, recursive: 'true' })).data,
    );
    if (tree.truncated)
      throw new RepoReadError(
        `${this.label}: the tree at ${sha.slice(0, 12)} is too large for one API call; read it from a checkout instead`,
      );
    return tree.tree.filter((e) => e.type === 'blob' && e.path).map((e) => e.path!);
  }

  async findReferences(needle: string, sha: string, limit: number): Promise<string[]> {
    return grepFiles(await this.listFiles(sha), needle, limit, (p) => this.readFile(p, sha));
  }
}
