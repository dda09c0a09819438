import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChangeRef } from '@agentflow/contracts';
import { CheckoutCache, platformRemote } from './checkout-cache';

const ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@t',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@t',
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, env: ENV, encoding: 'utf8' }).trim();

describe('CheckoutCache (the test runner clones for itself)', () => {
  const root = mkdtempSync(join(tmpdir(), 'af-git-cache-'));
  const remotes = join(root, 'remotes');
  const heads: Record<string, { base: string; head: string }> = {};

  beforeAll(() => {
    for (const name of ['acme/ios-app', 'acme/android-app', 'acme/web']) {
      const work = join(root, 'work', name);
      execFileSync('mkdir', ['-p', work]);
      git(work, 'init', '-q', '-b', 'main');
      writeFileSync(join(work, 'a.txt'), 'one\n');
      git(work, 'add', '.');
      git(work, 'commit', '-q', '-m', 'base');
      const base = git(work, 'rev-parse', 'HEAD');
      git(work, 'checkout', '-q', '-b', 'feature');
      writeFileSync(join(work, 'a.txt'), 'two\n');
      git(work, 'commit', '-q', '-am', 'head');
      heads[name] = { base, head: git(work, 'rev-parse', 'HEAD') };
      git(root, 'clone', '-q', '--bare', work, join(remotes, `${name}.git`));
    }
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const change = (repo: string): ChangeRef => ({
    platform: 'github',
    repo,
    pr: 1,
    headSha: heads[repo].head,
    baseSha: heads[repo].base,
  });
  const cache = (maxRepos = 20) =>
    new CheckoutCache({
      dir: join(root, 'cache'),
      maxRepos,
      remote: platformRemote({ template: `file://${remotes}/{repo}.git` }),
    });

  it('clones the repository on first use and holds its head and base commits', async () => {
    const path = await cache().checkout(change('acme/ios-app'));
    expect(path).toBe(join(root, 'cache', 'github', 'acme', 'ios-app.git'));
    expect(git(path, 'cat-file', '-t', heads['acme/ios-app'].head)).toBe('commit');
    expect(git(path, 'show', `${heads['acme/ios-app'].base}:a.txt`)).toBe('one');
  });

  it('keeps at most maxRepos clones, dropping the least recently used', async () => {
    const c = cache(2);
    await c.checkout(change('acme/ios-app'));
    await c.checkout(change('acme/android-app'));
    await c.checkout(change('acme/web'));
    expect(existsSync(join(root, 'cache', 'github', 'acme', 'ios-app.git'))).toBe(false);
    expect(existsSync(join(root, 'cache', 'github', 'acme', 'web.git'))).toBe(true);
  });

  it('says which commit could not be fetched and never shows the credentials', async () => {
    const c = new CheckoutCache({
      dir: join(root, 'cache'),
      remote: async () => ({ url: `file://${remotes}/acme/missing.git`, authorization: 'Basic c2VjcmV0' }),
    });
    const err = await c.checkout({ ...change('acme/web'), repo: 'acme/missing' }).catch((e: Error) => e);
    expect(String(err)).toMatch(/could not fetch .* of acme\/missing into the test runner's cache/);
    expect(String(err)).not.toContain('c2VjcmV0');
  });

  it('uses the platform URL with the token as a header, not in the URL', async () => {
    const remote = await platformRemote({ githubToken: async () => 'ghs_x' })(change('acme/web'));
    expect(remote).toEqual({
      url: 'https://github.com/acme/web.git',
      authorization: `Basic ${Buffer.from('x-access-token:ghs_x').toString('base64')}`,
    });
  });
});
