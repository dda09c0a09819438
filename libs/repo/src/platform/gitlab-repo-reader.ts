/** `RepoReader` over the GitLab REST API v4 (compare, raw files, repository tree). */
import type { FileDiff } from '@agentflow/mobile';
import { retryAfterMs } from './platform-errors';
import { RepoReadError, type RepoReader } from '../repo-reader';
import { grepFiles, textOf } from './platform-diff';
import { listedToDiffs } from './platform-files';

interface GitLabDiff {
  old_path: string;
  new_path: string;
  diff: string;
  new_file: boolean;
  renamed_file: boolean;
  deleted_file: boolean;
  /** The diff was over GitLab's size limit: `diff` is empty. */
  too_large?: boolean;
  /** Past GitLab's limits on diffs shown: `diff` is empty. */
  collapsed?: boolean;
}

export class GitLabRepoReader implements RepoReader {
  readonly label: string;
  private readonly project: string;
  private readonly cache = new Map<string, Promise<string | null>>();

  constructor(
    private readonly host: string,
    private readonly token: string,
    /** Project id or path (`group/app`). */
    project: number | string,
  ) {
    this.project = encodeURIComponent(String(project));
    this.label = `gitlab:${project}`;
  }

  private async get(path: string, allow404 = false): Promise<Response | null> {
    let response: Response;
    try {
      response = await fetch(`${this.host}/api/v4/projects/${this.project}${path}`, {
        headers: { 'private-token': this.token },
      });
    } catch (error) {
      // GitLab unreachable (DNS, refused, reset): another attempt may get through.
      throw new RepoReadError(`${this.label} GET ${path.split('?')[0]} failed: ${String(error)}`, {
        retryable: true,
        cause: error,
      });
    }
    if (response.ok) return response;
    if (allow404 && response.status === 404) return null;
    const message = `${this.label} GET ${path.split('?')[0]} answered ${response.status}`;
    const retryable = response.status === 429 || response.status >= 500;
    throw new RepoReadError(message, {
      retryable,
      retryAfterMs: retryable ? retryAfterMs(response.headers.get('retry-after') ?? undefined) : undefined,
    });
  }

  async diff(baseSha: string, headSha: string): Promise<FileDiff[]> {
    const response = await this.get(
      `/repository/compare?from=${encodeURIComponent(baseSha)}&to=${encodeURIComponent(headSha)}&straight=false`,
    );
    const { diffs = [] } = (await response!.json()) as { diffs?: GitLabDiff[] };
    const entries = diffs.map((d) => ({
      oldPath: d.old_path,
      newPath: d.new_path,
      status: d.new_file
        ? ('added' as const)
        : d.deleted_file
          ? ('removed' as const)
          : d.renamed_file
            ? ('renamed' as const)
            : ('modified' as const),
      patch: d.diff || undefined,
      tooLarge: d.too_large === true || d.collapsed === true,
    }));
    return listedToDiffs(entries, (path) => this.readFile(path, headSha));
  }

  readFile(path: string, sha: string): Promise<string | null> {
    const key = `${sha}:${path}`;
    let pending = this.cache.get(key);
    if (!pending) {
      pending = (async () => {
        const response = await this.get(
          `/repository/files/${encodeURIComponent(path)}/raw?ref=${encodeURIComponent(sha)}`,
          true,
        );
        if (!response) return null;
        const buffer = Buffer.from(await response.arrayBuffer());
        return textOf(buffer);
      })();
      this.cache.set(key, pending);
    }
    return pending;
  }

  async listFiles(sha: string): Promise<string[]> {
    const out: string[] = [];
    for (let page = 1; page <= 200; page++) {
      const response = await this.get(
        `/repository/tree?ref=${encodeURIComponent(sha)}&recursive=true&per_page=100&page=${page}`,
      );
      const items = (await response!.json()) as Array<{ path: string; type: string }>;
      out.push(...items.filter((i) => i.type === 'blob').map((i) => i.path));
      if (items.length < 100) break;
    }
    return out;
  }

  async findReferences(needle: string, sha: string, limit: number): Promise<string[]> {
    return grepFiles(await this.listFiles(sha), needle, limit, (p) => this.readFile(p, sha));
  }
}
