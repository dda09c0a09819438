/**
 * The fake GitHub's view of a seeded git repository: the git data API answers a commit's real
 * tree and parents (binary files count), and the repository is served over git's smart HTTP with
 * credentials, as GitHub serves a private repository.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startFakeGitHub, type FakeGitHub } from './server';

const ENV = {
  GIT_AUTHOR_NAME: 'Dev',
  GIT_AUTHOR_EMAIL: 'dev@example.com',
  GIT_COMMITTER_NAME: 'Dev',
  GIT_COMMITTER_EMAIL: 'dev@example.com',
  GIT_AUTHOR_DATE: '1700000000 +0000',
  GIT_COMMITTER_DATE: '1700000000 +0000',
};
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0xff, 0x00]);
const BASE = { 'App/Cart.swift': 'struct Cart {}\n', 'README.md': '# Shop\n' };
const HEAD = { ...BASE, 'App/Cart.swift': 'struct Cart { var total = 0 }\n' };

describe('fake GitHub: a seeded git repository', () => {
  let root: string;
  let gh: FakeGitHub;
  let base: string;
  let head: string;
  const git = (args: string[], cwd = join(root, 'repo'), env: Record<string, string> = {}) =>
    execFileSync('git', args, {
      cwd,
      env: { ...process.env, ...ENV, GIT_TERMINAL_PROMPT: '0', ...env },
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    }).trim();
  const api = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${gh.apiUrl}${path}`, {
      ...init,
      headers: {
        authorization: 'token ghs_spec',
        'content-type': 'application/json',
        ...(init.headers as Record<string, string>),
      },
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'fake-gh-git-'));
    const repo = join(root, 'repo');
    mkdirSync(repo);
    git(['init', '-q', '-b', 'main']);
    const write = (files: Record<string, string>) => {
      for (const [path, content] of Object.entries(files)) {
        mkdirSync(dirname(join(repo, path)), { recursive: true });
        writeFileSync(join(repo, path), content);
      }
    };
    write(BASE);
    mkdirSync(join(repo, 'App/Assets'), { recursive: true });
    writeFileSync(join(repo, 'App/Assets/logo.png'), PNG);
    git(['add', '-A']);
    git(['commit', '-q', '-m', 'base']);
    base = git(['rev-parse', 'HEAD']);
    git(['checkout', '-q', '-b', 'feature/cart']);
    write(HEAD);
    git(['commit', '-q', '-am', 'Cart has a total']);
    head = git(['rev-parse', 'HEAD']);
    gh = await startFakeGitHub();
    const binary = { 'App/Assets/logo.png': PNG.toString('base64') };
    gh.seedPullRequest({
      owner: 'acme',
      repo: 'shop',
      number: 5,
      headSha: head,
      baseSha: base,
      headRef: 'feature/cart',
      files: [],
      contents: HEAD,
      baseContents: BASE,
      binaryContents: binary,
      baseBinaryContents: binary,
      gitDir: repo,
    });
  });

  afterAll(async () => {
    await gh.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("answers a seeded commit with git's tree, parents, message and identities", async () => {
    const { status, body } = await api(`/repos/acme/shop/git/commits/${head}`);
    expect(status).toBe(200);
    expect(body.tree.sha).toBe(git(['rev-parse', `${head}^{tree}`]));
    expect(body.parents.map((p: { sha: string }) => p.sha)).toEqual([base]);
    expect(body).toMatchObject({
      sha: head,
      message: 'Cart has a total',
      author: { name: 'Dev', email: 'dev@example.com', date: '2023-11-14T22:13:20Z' },
    });
    expect((await api(`/repos/acme/shop/git/commits/${base}`)).body.parents).toEqual([]);
  });

  it('serves a binary file as its bytes, base64', async () => {
    const { body } = await api(`/repos/acme/shop/contents/App/Assets/logo.png?ref=${head}`);
    expect(Buffer.from(String(body.content), 'base64').equals(PNG)).toBe(true);
  });

  it('builds on the real tree the commit git builds: same SHA as git commit-tree', async () => {
    const parent = (await api(`/repos/acme/shop/git/commits/${head}`)).body;
    const tree = await api('/repos/acme/shop/git/trees', {
      method: 'POST',
      body: JSON.stringify({
        base_tree: parent.tree.sha,
        tree: [
          { path: 'AppTests/CartTests.swift', mode: '100644', type: 'blob', content: 'import XCTest\n' },
        ],
      }),
    });
    const who = {
      name: 'agentflow',
      email: 'agentflow@users.noreply.github.com',
      date: '2023-11-14T22:13:20Z',
    };
    const commit = await api('/repos/acme/shop/git/commits', {
      method: 'POST',
      body: JSON.stringify({
        message: 'tests\n',
        tree: tree.body.sha,
        parents: [head],
        author: who,
        committer: who,
      }),
    });
    const index = join(root, 'index');
    const env = {
      GIT_INDEX_FILE: index,
      GIT_AUTHOR_NAME: who.name,
      GIT_AUTHOR_EMAIL: who.email,
      GIT_COMMITTER_NAME: who.name,
      GIT_COMMITTER_EMAIL: who.email,
    };
    git(['read-tree', head], undefined, env);
    const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], {
      cwd: join(root, 'repo'),
      input: 'import XCTest\n',
      encoding: 'utf8',
    }).trim();
    git(['update-index', '--add', '--cacheinfo', `100644,${blob},AppTests/CartTests.swift`], undefined, env);
    const expected = git(
      ['commit-tree', git(['write-tree'], undefined, env), '-p', head, '-m', 'tests'],
      undefined,
      env,
    );
    expect(commit.body.sha).toBe(expected);
  });

  it('serves the repository over smart HTTP to a fetch with Basic credentials, and asks for them without', async () => {
    const clone = join(root, 'clone.git');
    git(['init', '-q', '--bare', clone], root);
    const auth = `Authorization: Basic ${Buffer.from('x-access-token:ghs_spec').toString('base64')}`;
    // Asynchronously: the fake answers from this process.
    await promisify(execFile)(
      'git',
      ['-c', `http.extraHeader=${auth}`, 'fetch', '-q', '--no-tags', `${gh.url}/acme/shop.git`, head, base],
      { cwd: clone, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } },
    );
    expect(git(['rev-parse', `${head}^{tree}`], clone)).toBe(git(['rev-parse', `${head}^{tree}`]));
    expect(git(['cat-file', '-t', base], clone)).toBe('commit');

    const refs = await fetch(`${gh.url}/acme/shop.git/info/refs?service=git-upload-pack`);
    expect(refs.status).toBe(401);
    expect(refs.headers.get('www-authenticate')).toBe('Basic realm="GitHub"');
    const unknown = await fetch(`${gh.url}/acme/other.git/info/refs?service=git-upload-pack`, {
      headers: { authorization: `Basic ${Buffer.from('x-access-token:t').toString('base64')}` },
    });
    expect(unknown.status).toBe(404);
    const push = await fetch(`${gh.url}/acme/shop.git/info/refs?service=git-receive-pack`, {
      headers: { authorization: `Basic ${Buffer.from('x-access-token:t').toString('base64')}` },
    });
    expect(push.status).toBe(403);
  });
});
