/** `RepoReader` over the GitHub REST API (compare, contents, git trees), as an App installation or with a token. */
import { parseUnifiedDiff, type FileDiff } from '@agentflow/mobile';
import type { GitHubOctokits } from './github-octokits';
import { toRepoReadError } from './platform-errors';
import { RepoReadError, type RepoReader } from '../repo-reader';
import { grepFiles, textOf, toGitDiff } from './platform-diff';

const STATUS: Record<string, 'added' | 'removed' | 'modified' | 'renamed'> = { added: 'added', removed: 'removed', renamed: 'renamed', copied: 'added' };

export class GitHubRepoReader implements RepoReader {
  readonly label: string;
  private readonly owner: string;
  private readonly name: string;
  private readonly cache = new Map<string, Promise<string | null>>();

  constructor(
    private readonly octokits: GitHubOctokits,
    repo: string,
    private readonly installationId?: number,
  ) {
    [this.owner, this.name] = repo.split('/');
    this.label = `github:${repo}`;
  }

  private async call<T>(what: string, fn: (o: Awaited<ReturnType<GitHubOctokits['forInstallation']>>) => Promise<T>): Promise<T> {
    try {
      return await fn(await this.octokits.forInstallation(this.installationId));
    } catch (error) {
      throw toRepoReadError(error, `${this.label} ${what}`);
    }
  }

  async diff(baseSha: string, headSha: string): Promise<FileDiff[]> {
    const files = await this.call(`compare ${baseSha}...${headSha}`, async (o) => (await o.repos.compareCommitsWithBasehead({ owner: this.owner, repo: this.name, basehead: `${baseSha}...${headSha}`, per_page: 100 })).data.files ?? []);
    const text = files
      .map((f) => toGitDiff({ oldPath: f.previous_filename ?? f.filename, newPath: f.filename, status: STATUS[f.status] ?? 'modified', patch: f.patch }))
      .join('\n');
    return text ? parseUnifiedDiff(`${text}\n`) : [];
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
      const { data } = await o.repos.getContent({ owner: this.owner, repo: this.name, path, ref: sha, mediaType: { format: 'raw' } });
      const buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : 'content' in data && typeof data.content === 'string' ? Buffer.from(data.content, 'base64') : null;
      if (!buffer) return null;
      return textOf(buffer);
    } catch (error) {
      if ((error as { status?: number }).status === 404) return null;
      throw toRepoReadError(error, `${this.label} read ${path}@${sha.slice(0, 12)}`);
    }
  }

  async listFiles(sha: string): Promise<string[]> {
    const tree = await this.call(`tree ${sha.slice(0, 12)}`, async (o) => (await o.git.getTree({ owner: this.owner, repo: this.name, tree_sha: sha, recursive: 'true' })).data);
    if (tree.truncated) throw new RepoReadError(`${this.label}: the tree at ${sha.slice(0, 12)} is too large for one API call; read it from a checkout instead`);
    return tree.tree.filter((e) => e.type === 'blob' && e.path).map((e) => e.path!);
  }

  async findReferences(needle: string, sha: string, limit: number): Promise<string[]> {
    return grepFiles(await this.listFiles(sha), needle, limit, (p) => this.readFile(p, sha));
  }
}
