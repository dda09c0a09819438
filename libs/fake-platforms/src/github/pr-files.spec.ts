import { startFakeGitHub, type FakeGitHub } from '../index';

describe('fake GitHub: pull request files and compare as GitHub documents them', () => {
  let gh: FakeGitHub;
  const head = 'h'.repeat(40);
  const base = 'b'.repeat(40);
  beforeAll(async () => {
    gh = await startFakeGitHub();
    gh.seedPullRequest({
      owner: 'acme', repo: 'big', number: 1, headSha: head, baseSha: base,
      files: Array.from({ length: 3100 }, (_, i) => ({ filename: `F${i}.swift`, status: 'modified' as const, additions: 1, deletions: 0, ...(i === 0 ? {} : { patch: '@@ -1 +1,2 @@\n a\n+b' }) })),
    });
  });
  afterAll(() => gh.close());

  const get = (path: string) => fetch(`${gh.apiUrl}${path}`, { headers: { authorization: 'token ghs_x', accept: 'application/vnd.github+json' } });

  it('pages the files list with a Link header, 100 a page at most, and stops at 3,000 files', async () => {
    const first = await get('/repos/acme/big/pulls/1/files?per_page=250');
    expect(((await first.json()) as unknown[]).length).toBe(100);
    expect(first.headers.get('link')).toMatch(/<[^>]*page=2[^>]*>; rel="next", <[^>]*page=30[^>]*>; rel="last"/);
    const last = await get('/repos/acme/big/pulls/1/files?per_page=100&page=30');
    const files = (await last.json()) as Array<{ filename: string }>;
    expect(files.at(-1)!.filename).toBe('F2999.swift');
    expect(last.headers.get('link')).toBeNull();
    const pull = (await (await get('/repos/acme/big/pulls/1')).json()) as { changed_files: number };
    expect(pull.changed_files).toBe(3100);
  });

  it('lists at most 300 files in a compare, and leaves `patch` out where none was stored', async () => {
    const compare = (await (await get(`/repos/acme/big/compare/${base}...${head}`)).json()) as { files: Array<Record<string, unknown>> };
    expect(compare.files).toHaveLength(300);
    expect('patch' in compare.files[0]!).toBe(false);
    expect(compare.files[1]!.patch).toBe('@@ -1 +1,2 @@\n a\n+b');
  });
});
