/**
 * The test runner's own clones (ADR 0083): a bare repository per platform repository under
 * `AGENTS_GIT_CACHE_DIR` (a volume in the deployment), fetched to the change's head on demand and
 * kept for the next run. Nobody provisions them. At most `AGENTS_GIT_CACHE_MAX_REPOS` are kept;
 * the least recently used beyond that are removed. Credentials travel per command
 * (`http.extraHeader`), never into the clone's config.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChangeRef } from '@agentflow/contracts';
import { RepoReadError } from '@agentflow/repo';

/** Where a repository is fetched from, and the header that authenticates the fetch. */
export interface GitRemote {
  url: string;
  /** `Authorization: ...` for HTTPS remotes; absent for `file://` and public remotes. */
  authorization?: string;
}

export interface CheckoutCacheOptions {
  /** `AGENTS_GIT_CACHE_DIR`. */
  dir: string;
  /** The remote of a change's repository. */
  remote: (change: ChangeRef) => Promise<GitRemote>;
  /** `AGENTS_GIT_CACHE_MAX_REPOS`. @default 20 */
  maxRepos?: number;
  log?: { warn(message: string): void };
}

function git(args: string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      { cwd, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } },
      (error, stdout, stderr) => {
        if (error) reject(new Error((stderr || error.message).trim()));
        else resolve(stdout.trim());
      },
    );
  });
}

/** Replaces credentials in a message with `***`. */
function scrub(text: string, remote: GitRemote): string {
  let out = text.replace(/\/\/[^/@\s]+@/g, '//***@');
  if (remote.authorization) out = out.split(remote.authorization).join('***');
  return out;
}

export class CheckoutCache {
  private readonly busy = new Map<string, Promise<unknown>>();

  constructor(private readonly options: CheckoutCacheOptions) {}

  /** The bare clone of the change's repository, holding its head (and base) commit. */
  async checkout(change: ChangeRef): Promise<string> {
    const path = join(this.options.dir, change.platform, ...change.repo.split('/')) + '.git';
    // One fetch per repository at a time within this process; tasks of other repositories go on.
    const previous = this.busy.get(path) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.fetch(path, change));
    this.busy.set(path, next);
    try {
      return await next;
    } finally {
      if (this.busy.get(path) === next) this.busy.delete(path);
    }
  }

  private async fetch(path: string, change: ChangeRef): Promise<string> {
    const wanted = [change.headSha, ...(change.baseSha ? [change.baseSha] : [])];
    if (!existsSync(path)) {
      await mkdir(path, { recursive: true });
      await git(['init', '--quiet', '--bare', path]);
    }
    const missing: string[] = [];
    for (const sha of wanted)
      if (
        !(await git(['-C', path, 'cat-file', '-e', `${sha}^{commit}`]).then(
          () => true,
          () => false,
        ))
      )
        missing.push(sha);
    if (missing.length) {
      const remote = await this.options.remote(change);
      const auth = remote.authorization
        ? ['-c', `http.extraHeader=Authorization: ${remote.authorization}`]
        : [];
      try {
        await git([
          ...auth,
          '-C',
          path,
          'fetch',
          '--quiet',
          '--no-tags',
          '--no-write-fetch-head',
          remote.url,
          ...missing,
        ]);
      } catch (error) {
        const message = scrub(String((error as Error).message), remote);
        throw new RepoReadError(
          `could not fetch ${missing.map((s) => s.slice(0, 12)).join(', ')} of ${change.repo} into the test runner's cache: ${message}; check AGENTS_GIT_REMOTE and the platform credentials`,
          { retryable: true },
        );
      }
    }
    const now = new Date();
    await utimes(path, now, now);
    await this.evict(path);
    return path;
  }

  /** Removes the least recently used clones beyond `maxRepos` (never the one in use). */
  private async evict(keep: string): Promise<void> {
    const max = this.options.maxRepos ?? 20;
    const clones: Array<{ path: string; used: number }> = [];
    const walk = async (dir: string, depth: number): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        if (!entry.isDirectory()) continue;
        const full = join(dir, entry.name);
        if (entry.name.endsWith('.git')) clones.push({ path: full, used: (await stat(full)).mtimeMs });
        else if (depth < 6) await walk(full, depth + 1);
      }
    };
    await walk(this.options.dir, 0);
    if (clones.length <= max) return;
    clones.sort((a, b) => a.used - b.used);
    for (const clone of clones.slice(0, clones.length - max)) {
      if (clone.path === keep || this.busy.has(clone.path)) continue;
      await rm(clone.path, { recursive: true, force: true });
      this.options.log?.warn(
        `test runner cache: removed ${clone.path} (least recently used; more than ${max} repositories are cached, AGENTS_GIT_CACHE_MAX_REPOS)`,
      );
    }
  }
}

/**
 * The remote of a change: `AGENTS_GIT_REMOTE` with `{repo}` replaced (`file:///srv/git/{repo}.git`
 * for a mirror), else the platform's HTTPS URL; GitHub authenticates with the App installation's
 * or the token's credentials, GitLab with `GITLAB_TOKEN`.
 */
export function platformRemote(options: {
  template?: string;
  githubWebUrl?: string;
  gitlabUrl?: string;
  githubToken?: (installationId: number | undefined) => Promise<string | undefined>;
  gitlabToken?: string;
}): (change: ChangeRef) => Promise<GitRemote> {
  return async (change) => {
    if (options.template) return { url: options.template.replace(/\{repo\}/g, change.repo) };
    const basic = (user: string, token: string) =>
      `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;
    if (change.platform === 'github') {
      const token = await options.githubToken?.(change.installationId);
      return {
        url: `${(options.githubWebUrl ?? 'https://github.com').replace(/\/$/, '')}/${change.repo}.git`,
        ...(token ? { authorization: basic('x-access-token', token) } : {}),
      };
    }
    if (change.platform === 'gitlab') {
      return {
        url: `${(options.gitlabUrl ?? 'https://gitlab.com').replace(/\/$/, '')}/${change.repo}.git`,
        ...(options.gitlabToken ? { authorization: basic('oauth2', options.gitlabToken) } : {}),
      };
    }
    throw new RepoReadError(
      `a ${change.platform} change has no remote to clone; its directory is read in place`,
    );
  };
}
