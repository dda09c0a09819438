import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryReader, GitCheckoutReader } from '../local/local-checkout-reader';
import { FixtureRepo } from '../testing/fixture-repo';
import { isPinnedCommit, RepoReadCache } from './repo-read-cache';

describe('RepoReadCache', () => {
  it('shares one read per key and keeps it', async () => {
    const cache = new RepoReadCache();
    let reads = 0;
    const read = async () => `text ${++reads}`;
    const [a, b] = await Promise.all([cache.remember('k', read), cache.remember('k', read)]);
    expect([a, b, await cache.remember('k', read)]).toEqual(['text 1', 'text 1', 'text 1']);
    expect(reads).toBe(1);
  });

  it('does not keep a failed read', async () => {
    const cache = new RepoReadCache();
    await expect(cache.remember('k', () => Promise.reject(new Error('rate limited')))).rejects.toThrow(
      'rate limited',
    );
    expect(await cache.remember('k', async () => 'ok')).toBe('ok');
  });

  it('drops the least recently used reads past its entry and character bounds', async () => {
    const byCount = new RepoReadCache({ maxEntries: 2 });
    for (const k of ['a', 'b']) await byCount.remember(k, async () => k);
    await byCount.remember('a', async () => 'a again');
    await byCount.remember('c', async () => 'c');
    expect(await byCount.remember('b', async () => 'b re-read')).toBe('b re-read');
    expect(await byCount.remember('c', async () => 'c re-read')).toBe('c');

    const byChars = new RepoReadCache({ maxChars: 10 });
    await byChars.remember('big', async () => 'x'.repeat(8));
    await byChars.remember('more', async () => 'y'.repeat(8));
    await new Promise((r) => setImmediate(r));
    expect(byChars.size).toBe(1);
    expect(await byChars.remember('big', async () => 'read again')).toBe('read again');
  });

  it('treats only full commit ids (and steps back from them) as pinned', () => {
    expect(isPinnedCommit('a'.repeat(40))).toBe(true);
    expect(isPinnedCommit(`${'a'.repeat(40)}^`)).toBe(true);
    expect(isPinnedCommit(`${'0'.repeat(64)}~2`)).toBe(true);
    expect(isPinnedCommit('HEAD')).toBe(false);
    expect(isPinnedCommit('main')).toBe(false);
    expect(isPinnedCommit('abc1234')).toBe(false);
  });
});

describe('readers with a cache', () => {
  it('a directory is read once per snapshot, and a new snapshot sees its changes', async () => {
    const root = mkdtempSync(join(tmpdir(), 'af-read-cache-'));
    try {
      writeFileSync(join(root, 'A.swift'), 'let a = 1\n');
      const cache = new RepoReadCache();
      const first = new DirectoryReader(root, '', { cache, snapshot: 'run:1' });
      expect(await first.readFile('A.swift')).toBe('let a = 1\n');
      expect(await first.listFiles()).toEqual(['A.swift']);
      writeFileSync(join(root, 'A.swift'), 'let a = 2\n');
      writeFileSync(join(root, 'B.swift'), 'let b = a\n');
      // Another step of the same run: the view its first step read.
      const sameRun = new DirectoryReader(root, '', { cache, snapshot: 'run:1' });
      expect(await sameRun.readFile('A.swift')).toBe('let a = 1\n');
      expect(await sameRun.listFiles()).toEqual(['A.swift']);
      const nextRun = new DirectoryReader(root, '', { cache, snapshot: 'run:2' });
      expect(await nextRun.readFile('A.swift')).toBe('let a = 2\n');
      expect(await nextRun.findReferences('let b', '', 5)).toEqual(['B.swift']);
      // No snapshot, nothing kept.
      writeFileSync(join(root, 'A.swift'), 'let a = 3\n');
      expect(await new DirectoryReader(root, '', { cache }).readFile('A.swift')).toBe('let a = 3\n');
      await expect(sameRun.readFile('../outside')).rejects.toThrow(/outside/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a git checkout keeps reads at commit ids, not at names that move', async () => {
    const repo = new FixtureRepo({ 'A.swift': 'let a = 1\n' });
    const cache = new RepoReadCache();
    const reader = new GitCheckoutReader(repo.root, { cache });
    try {
      const base = repo.head();
      expect(await reader.readFile('A.swift', 'HEAD')).toBe('let a = 1\n');
      expect(await reader.listFiles(base)).toEqual(['A.swift']);
      const kept = cache.size;
      const head = repo.commit({ 'A.swift': 'let a = 2\n', 'B.swift': 'let b = a\n' });
      expect(await reader.readFile('A.swift', 'HEAD')).toBe('let a = 2\n');
      expect(cache.size).toBe(kept);
      const diff = await reader.diff(base, head);
      diff.pop();
      // The kept diff is not changed by what a caller does with its copy.
      expect((await new GitCheckoutReader(repo.root, { cache }).diff(base, head)).map((f) => f.path)).toEqual(
        ['A.swift', 'B.swift'],
      );
      expect(await reader.listFiles(base)).toEqual(['A.swift']);
    } finally {
      reader.close();
      repo.remove();
    }
  });
});
