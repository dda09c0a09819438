/**
 * The platforms as they really answer: a pull request's files list paged through `Link`, capped
 * at 3,000 (a compare at 300), patches absent or cut short, GitLab's too_large diffs. Every file
 * of the change comes back, and what could not be seen is named.
 */
import {
  startFakeGitHub,
  startFakeGitLab,
  type FakeGitHub,
  type FakeGitLab,
} from '@agentflow/fake-platforms';
import { GitHubOctokits } from './github-octokits';
import { GitHubRepoReader } from './github-repo-reader';
import { GitLabRepoReader } from './gitlab-repo-reader';

const BASE = 'b'.repeat(40);
const files = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => `${prefix}/F${String(i).padStart(4, '0')}.swift`);
const patchOf = (path: string) => `@@ -1 +1 @@\n-let old = "${path}"\n+let new = "${path}"`;

describe('GitHub pull request files as GitHub serves them', () => {
  let gh: FakeGitHub;
  let octokits: GitHubOctokits;
  beforeAll(async () => {
    gh = await startFakeGitHub();
    octokits = new GitHubOctokits({ apiUrl: gh.apiUrl, token: 'ghs_reader' });
  });
  afterAll(() => gh.close());

  function seed(number: number, paths: string[], head: string) {
    const baseContents = Object.fromEntries(paths.map((p) => [p, `let old = "${p}"\n`]));
    const contents = Object.fromEntries(paths.map((p) => [p, `let new = "${p}"\n`]));
    gh.seedPullRequest({
      owner: 'acme',
      repo: 'big',
      number,
      headSha: head,
      baseSha: BASE,
      baseContents,
      contents,
      files: paths.map((p) => ({
        filename: p,
        status: 'modified' as const,
        additions: 1,
        deletions: 1,
        patch: patchOf(p),
      })),
    });
  }

  it('pages through a 350-file pull request and sees every file', async () => {
    const head = '3'.repeat(40);
    const paths = files(350, 'A');
    seed(350, paths, head);
    const diff = await new GitHubRepoReader(octokits, 'acme/big', undefined, {
      number: 350,
      headSha: head,
      baseSha: BASE,
    }).diff(BASE, head);
    expect(diff.map((f) => f.path).sort()).toEqual(paths);
    expect(diff.every((f) => f.patch === undefined && f.hunks.length === 1)).toBe(true);
  });

  it("names exactly the files past GitHub's 3,000-file list of a 3,100-file pull request", async () => {
    const head = '4'.repeat(40);
    const paths = files(3100, 'B');
    seed(3100, paths, head);
    const diff = await new GitHubRepoReader(octokits, 'acme/big', undefined, {
      number: 3100,
      headSha: head,
      baseSha: BASE,
    }).diff(BASE, head);
    expect(diff).toHaveLength(3100);
    const unlisted = diff.filter((f) => f.patch === 'unlisted');
    expect(unlisted.map((f) => f.path)).toEqual(paths.slice(3000));
    expect(unlisted.every((f) => f.status === 'modified' && f.hunks.length === 0)).toBe(true);
  });

  it('a compare of more than 300 files names the ones it could not list', async () => {
    const head = '5'.repeat(40);
    const paths = files(320, 'C');
    seed(320, paths, head);
    // No pull request given: the reader can only compare.
    const diff = await new GitHubRepoReader(octokits, 'acme/big').diff(BASE, head);
    expect(diff.filter((f) => f.patch !== 'unlisted')).toHaveLength(300);
    expect(diff.filter((f) => f.patch === 'unlisted').map((f) => f.path)).toEqual(paths.slice(300));
  });

  it('keeps a patch cut short, rebuilds an added file sent without a patch, and leaves a large modified one to the rules', async () => {
    const head = '6'.repeat(40);
    gh.seedPullRequest({
      owner: 'acme',
      repo: 'odd',
      number: 7,
      headSha: head,
      baseSha: BASE,
      baseContents: { 'App/Big.swift': 'a\n', 'App/Cut.swift': 'x\n' },
      contents: {
        'App/Big.swift': 'b\n',
        'App/Cut.swift': 'y\n',
        'App/New.swift': 'struct New {}\r\nlet x = 1\r\n',
        'App/logo.png': '\u0000PNG',
      },
      files: [
        {
          filename: 'App/Cut.swift',
          status: 'modified',
          additions: 9,
          deletions: 1,
          patch: '@@ -1,7 +1,15 @@\n-x\n+y\n+z',
        },
        { filename: 'App/Big.swift', status: 'modified', additions: 5000, deletions: 4000 },
        { filename: 'App/New.swift', status: 'added', additions: 2, deletions: 0 },
        { filename: 'App/logo.png', status: 'added', additions: 0, deletions: 0 },
      ],
    });
    const diff = await new GitHubRepoReader(octokits, 'acme/odd', undefined, {
      number: 7,
      headSha: head,
      baseSha: BASE,
    }).diff(BASE, head);
    const by = new Map(diff.map((f) => [f.path, f]));
    expect(by.get('App/Cut.swift')).toMatchObject({ patch: 'truncated', additions: 2, deletions: 1 });
    expect(by.get('App/Big.swift')).toMatchObject({ patch: 'absent', binary: false, hunks: [] });
    expect(by.get('App/New.swift')).toMatchObject({ patch: 'from-head', status: 'added', additions: 2 });
    expect(by.get('App/New.swift')!.hunks[0]!.lines.map((l) => l.content)).toEqual([
      'struct New {}',
      'let x = 1',
    ]);
    expect(by.get('App/logo.png')).toMatchObject({ binary: true });
  });

  it("reads the rest of a cut hunk's range from the head content, CRLF file included", async () => {
    const head = '8'.repeat(40);
    const lines = Array.from({ length: 20 }, (_, i) => `let v${i} = ${i}`);
    gh.seedPullRequest({
      owner: 'acme',
      repo: 'odd',
      number: 8,
      headSha: head,
      baseSha: BASE,
      baseContents: { 'App/Cut.swift': 'let v0 = 0\r\n' },
      contents: { 'App/Cut.swift': `${lines.join('\r\n')}\r\n` },
      // GitHub sends a CRLF file's patch with each line's \r kept, and stopped after three lines.
      files: [
        {
          filename: 'App/Cut.swift',
          status: 'modified',
          additions: 19,
          deletions: 0,
          patch: '@@ -1 +1,20 @@\n let v0 = 0\r\n+let v1 = 1\r\n+let v2 = 2\r',
        },
      ],
    });
    const [cut] = await new GitHubRepoReader(octokits, 'acme/odd', undefined, {
      number: 8,
      headSha: head,
      baseSha: BASE,
    }).diff(BASE, head);
    expect(cut).toMatchObject({ patch: 'truncated', additions: 19 });
    const hunk = cut!.hunks[0]!;
    expect(hunk.truncated).toEqual({ oldMissing: 0, newMissing: 0, fromHead: 17 });
    expect(hunk.lines.map((l) => [l.newLine, l.content])).toEqual(lines.map((l, i) => [i + 1, l]));
    expect(hunk.lines.map((l) => l.position)).toEqual(lines.map((_, i) => i + 1));
  });
});

describe('GitLab diffs over its limits', () => {
  let gl: FakeGitLab;
  beforeAll(async () => {
    gl = await startFakeGitLab();
  });
  afterAll(() => gl.close());

  it('reads too_large and collapsed diffs as sent without a patch, not as binary', async () => {
    const head = '7'.repeat(40);
    gl.seedMergeRequest(
      {
        projectId: 11,
        projectPath: 'acme/android',
        iid: 2,
        title: 't',
        state: 'opened',
        author: 'dev',
        sourceBranch: 'f',
        targetBranch: 'main',
        headSha: head,
        baseSha: BASE,
        diffs: [
          {
            old_path: 'app/Big.kt',
            new_path: 'app/Big.kt',
            diff: '',
            new_file: false,
            renamed_file: false,
            deleted_file: false,
            too_large: true,
          },
          {
            old_path: 'app/New.kt',
            new_path: 'app/New.kt',
            diff: '',
            new_file: true,
            renamed_file: false,
            deleted_file: false,
            collapsed: true,
          },
        ],
      },
      { 'app/Big.kt': 'class Big\n', 'app/New.kt': 'class New\n' },
    );
    const diff = await new GitLabRepoReader(gl.apiUrl, 'glpat-reader', 11).diff(BASE, head);
    expect(diff.map((f) => [f.path, f.patch, f.binary])).toEqual([
      ['app/Big.kt', 'absent', false],
      ['app/New.kt', 'from-head', false],
    ]);
  });
});
