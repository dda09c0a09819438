/**
 * The fake GitHub's pull-request files and compare answers as GitHub documents them: paged with
 * `Link` (prev, next, last, first), capped at 3,000 and 300 files, `patch` left out or cut short;
 * and each answer validated against GitHub's OpenAPI description.
 */
import { startFakeGitHub, type FakeGitHub } from '../index';
import { GitHubOpenApi } from './openapi';

describe('fake GitHub: pull request files and compare as GitHub documents them', () => {
  let gh: FakeGitHub;
  const head = 'h'.repeat(40);
  const base = 'b'.repeat(40);
  beforeAll(async () => {
    gh = await startFakeGitHub({ checkOpenApi: true });
    gh.seedPullRequest({
      owner: 'acme',
      repo: 'big',
      number: 1,
      headSha: head,
      baseSha: base,
      // F0 without a patch (too large a diff), F2 cut short, the rest whole.
      files: Array.from({ length: 3100 }, (_, i) => ({
        filename: `F${i}.swift`,
        status: 'modified' as const,
        additions: i === 2 ? 9 : 1,
        deletions: 0,
        ...(i === 0 ? {} : { patch: i === 2 ? '@@ -1 +1,10 @@\n a\n+b' : '@@ -1 +1,2 @@\n a\n+b' }),
      })),
    });
  });
  afterAll(() => gh.close());

  const get = (path: string) =>
    fetch(`${gh.apiUrl}${path}`, {
      headers: { authorization: 'token ghs_x', accept: 'application/vnd.github+json' },
    });

  it('pages the files list with a Link header, 100 a page at most, and stops at 3,000 files', async () => {
    const first = await get('/repos/acme/big/pulls/1/files?per_page=250');
    expect(((await first.json()) as unknown[]).length).toBe(100);
    expect(first.headers.get('link')).toMatch(
      /<[^>]*page=2[^>]*>; rel="next", <[^>]*page=30[^>]*>; rel="last"/,
    );
    const last = await get('/repos/acme/big/pulls/1/files?per_page=100&page=30');
    const files = (await last.json()) as Array<{ filename: string }>;
    expect(files.at(-1)!.filename).toBe('F2999.swift');
    // The last page points back, not on.
    expect(last.headers.get('link')).toMatch(
      /^<[^>]*page=29[^>]*>; rel="prev", <[^>]*page=1[^>]*>; rel="first"$/,
    );
    const middle = await get('/repos/acme/big/pulls/1/files?per_page=100&page=15');
    expect(middle.headers.get('link')?.match(/rel="(\w+)"/g)).toEqual([
      'rel="prev"',
      'rel="next"',
      'rel="last"',
      'rel="first"',
    ]);
    const pull = (await (await get('/repos/acme/big/pulls/1')).json()) as { changed_files: number };
    expect(pull.changed_files).toBe(3100);
  });

  it('lists at most 300 files in a compare, and leaves `patch` out where none was stored', async () => {
    const compare = (await (await get(`/repos/acme/big/compare/${base}...${head}`)).json()) as {
      files: Array<Record<string, unknown>>;
    };
    expect(compare.files).toHaveLength(300);
    expect('patch' in compare.files[0]!).toBe(false);
    expect(compare.files[1]!.patch).toBe('@@ -1 +1,2 @@\n a\n+b');
  });

  it("answers every one of these cases as GitHub's OpenAPI description describes it", async () => {
    const before = gh.violations.length;
    for (const page of [1, 2, 15, 30, 31])
      expect((await get(`/repos/acme/big/pulls/1/files?per_page=100&page=${page}`)).status).toBe(200);
    expect((await get(`/repos/acme/big/compare/${base}...${head}`)).status).toBe(200);
    expect(gh.violations.slice(before)).toEqual([]);
  });

  it('records an answer GitHub would not give', async () => {
    const violation = GitHubOpenApi.shared().checkResponse(
      { method: 'GET', path: '/repos/acme/big/pulls/1/files' },
      {
        status: 200,
        headers: { link: '<https://api.github.com/x?page=2>; rel=next' },
        body: [{ filename: 'a', status: 'edited' }],
      },
    );
    expect(violation?.operation).toBe('pulls/list-files');
    expect(violation?.problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining("must have required property 'sha'"),
        expect.stringContaining('response/0/status must be equal to one of the allowed values'),
        expect.stringContaining('Link header parts not as GitHub writes them'),
      ]),
    );
  });
});
