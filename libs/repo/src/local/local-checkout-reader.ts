/**
 * `RepoReader` over a local checkout: the git CLI on a repository path, or a plain directory
 * (no git; the diff is given as text, for `agentflow analyze --diff` style runs and fixtures).
 */
import { execFile } from 'node:child_process';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { decodeText, parseUnifiedDiff, type FileDiff } from '@agentflow/mobile';
import { CatFileBatch } from './cat-file-batch';
import { isPinnedCommit, type RepoReadCache } from '../cache/repo-read-cache';
import { RepoReadError, type RepoReader } from '../repo-reader';

const run = promisify(execFile);
const MAX_BUFFER = 64 * 1024 * 1024;
const SHA_LIKE = /^[0-9A-Za-z._\-/^~]+$/;
const SKIP_DIRS = new Set(['.git', 'node_modules', 'build', 'DerivedData', '.gradle', 'Pods', '.build']);

function assertRef(ref: string): void {
  // Refs go to git as arguments; refuse anything that could be read as an option.
  if (!SHA_LIKE.test(ref) || ref.startsWith('-'))
    throw new RepoReadError(`"${ref}" is not a commit reference`);
}

/** Reads a git repository through the `git` CLI. */
export class GitCheckoutReader implements RepoReader {
  readonly label: string;
  /** Absolute path of the checkout. */
  readonly root: string;

  private readonly batch: CatFileBatch;
  private readonly cache?: RepoReadCache;

  /** `cache`: reads at pinned commit ids (full hex ids) are kept there and shared with other readers of this root. */
  constructor(root: string, options: { cache?: RepoReadCache } = {}) {
    this.root = resolve(root);
    this.label = `git:${this.root}`;
    this.batch = new CatFileBatch(this.root);
    this.cache = options.cache;
  }

  /** `read()` through the cache when every commit it names is pinned (a branch name or `HEAD` can move). */
  private kept<T>(shas: string[], key: string, read: () => Promise<T>): Promise<T> {
    if (!this.cache || !shas.every(isPinnedCommit)) return read();
    return this.cache.remember(`git\0${this.root}\0${key}`, read);
  }

  private async git(args: string[], allowExit1 = false): Promise<string> {
    try {
      const { stdout } = await run('git', ['-C', this.root, ...args], {
        maxBuffer: MAX_BUFFER,
        encoding: 'utf8',
      });
      return stdout;
    } catch (error) {
      const e = error as { code?: number | string; stderr?: string; stdout?: string };
      if (allowExit1 && e.code === 1) return e.stdout ?? '';
      throw new RepoReadError(
        `git ${args[0]} in ${this.root} failed: ${(e.stderr ?? String(error)).trim()}`,
        { cause: error },
      );
    }
  }

  async diff(baseSha: string, headSha: string): Promise<FileDiff[]> {
    assertRef(baseSha);
    assertRef(headSha);
    const diff = await this.kept([baseSha, headSha], `diff\0${baseSha}\0${headSha}`, async () => {
      const text = await this.git([
        'diff',
        '--no-color',
        '--no-ext-diff',
        '-M',
        '--unified=3',
        baseSha,
        headSha,
        '--',
      ]);
      return parseUnifiedDiff(text);
    });
    // Callers may reshape the parsed diff; the kept one stays as read.
    return this.cache ? structuredClone(diff) : diff;
  }

  async readFile(path: string, sha: string): Promise<string | null> {
    assertRef(sha);
    if (path.includes('\n')) return null;
    return this.kept([sha], `file\0${sha}\0${path}`, async () => {
      const buffer = await this.batch.read(`${sha}:${path}`);
      if (!buffer) return null;
      // UTF-16 text (Xcode .strings) is text, not binary; text past the scan limit is not read.
      const content = decodeText(buffer);
      return content.kind === 'text' ? content.text : null;
    });
  }

  /** Ends the reader's git process now rather than after its idle time. */
  close(): void {
    this.batch.close();
  }

  async listFiles(sha: string): Promise<string[]> {
    assertRef(sha);
    const files = await this.kept([sha], `list\0${sha}`, async () => {
      const out = await this.git(['ls-tree', '-r', '--name-only', sha]);
      return out.split('\n').filter(Boolean);
    });
    return files.slice();
  }

  async findReferences(needle: string, sha: string, limit: number): Promise<string[]> {
    assertRef(sha);
    if (!needle) return [];
    const hits = await this.kept([sha], `refs\0${sha}\0${limit}\0${needle}`, async () => {
      const out = await this.git(['grep', '-l', '-F', '-e', needle, sha, '--'], true);
      // `git grep` on a commit prints `sha:path`.
      return out
        .split('\n')
        .filter(Boolean)
        .map((line) => line.slice(line.indexOf(':') + 1))
        .slice(0, limit);
    });
    return hits.slice();
  }
}

/**
 * Reads a plain directory: the head is the directory as it is, and the diff is the text given at
 * construction (shas are ignored). For local runs without git and for tests.
 */
export class DirectoryReader implements RepoReader {
  readonly label: string;
  private readonly root: string;

  private readonly cache?: RepoReadCache;
  private readonly snapshot?: string;

  /**
   * `cache` with `snapshot`: a directory has no commit ids, so reads are kept only under a name
   * for one consistent view of it (the agents use the run id: every step of a run sees the
   * directory as its first step read it). Without a snapshot nothing is kept.
   */
  constructor(
    root: string,
    private readonly diffText: string,
    options: { cache?: RepoReadCache; snapshot?: string } = {},
  ) {
    this.root = resolve(root);
    this.label = `dir:${this.root}`;
    if (options.cache && options.snapshot !== undefined) {
      this.cache = options.cache;
      this.snapshot = options.snapshot;
    }
  }

  private kept<T>(key: string, read: () => Promise<T>): Promise<T> {
    if (!this.cache) return read();
    return this.cache.remember(`dir\0${this.root}\0${this.snapshot}\0${key}`, read);
  }

  private inside(path: string): string {
    const full = resolve(this.root, path);
    if (full !== this.root && !full.startsWith(this.root + sep))
      throw new RepoReadError(`${path} is outside ${this.root}`);
    return full;
  }

  async diff(): Promise<FileDiff[]> {
    return parseUnifiedDiff(this.diffText);
  }

  async readFile(path: string): Promise<string | null> {
    const full = this.inside(path);
    return this.kept(`file\0${full}`, async () => {
      try {
        const buffer = await readFile(full);
        if (buffer.subarray(0, 8000).includes(0)) return null;
        return buffer.toString('utf8');
      } catch {
        return null;
      }
    });
  }

  async listFiles(): Promise<string[]> {
    return (await this.kept('list', () => this.walkFiles())).slice();
  }

  private async walkFiles(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) {
          if (!SKIP_DIRS.has(entry.name)) await walk(join(dir, entry.name));
        } else if (entry.isFile()) out.push(relative(this.root, join(dir, entry.name)).split(sep).join('/'));
      }
    };
    const info = await stat(this.root).catch(() => null);
    if (!info?.isDirectory()) throw new RepoReadError(`${this.root} is not a directory`);
    await walk(this.root);
    return out.sort();
  }

  async findReferences(needle: string, _sha: string, limit: number): Promise<string[]> {
    const hits = await this.kept(`refs\0${limit}\0${needle}`, async () => {
      const out: string[] = [];
      for (const path of await this.listFiles()) {
        if (out.length >= limit) break;
        const text = await this.readFile(path);
        if (text?.includes(needle)) out.push(path);
      }
      return out;
    });
    return hits.slice();
  }
}
