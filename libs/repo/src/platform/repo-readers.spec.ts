import {
  startFakeGitHub,
  startFakeGitLab,
  type FakeGitHub,
  type FakeGitLab,
} from '@agentflow/fake-platforms';
import { GitHubOctokits } from './github-octokits';
import { GitHubRepoReader } from './github-repo-reader';
import { GitLabRepoReader } from './gitlab-repo-reader';
import { RepoReadError } from '../repo-reader';

const PATCH = '@@ -1,2 +1,3 @@\n import UIKit\n+import Security\n struct Login {}';
const HEAD = {
  'Sources/Login.swift': 'import UIKit\nimport Security\nstruct Login {}\n',
  'Sources/Session.swift': 'let l = Login()\n',
  'Assets/logo.png': '\u0000PNG',
};

describe('RepoReader over the platform APIs', () => {
  let gh: FakeGitHub;
  let gl: FakeGitLab;
  beforeAll(async () => {
    gh = await startFakeGitHub();
    gl = await startFakeGitLab();
    gh.seedPullRequest({
      owner: 'acme',
      repo: 'ios-app',
      number: 3,
      headSha: 'h'.repeat(40),
      baseSha: 'b'.repeat(40),
      files: [
        { filename: 'Sources/Login.swift', status: 'modified', additions: 1, deletions: 0, patch: PATCH },
        { filename: 'Assets/logo.png', status: 'added', additions: 0, deletions: 0 },
      ],
      contents: HEAD,
    });
    gl.seedMergeRequest(
      {
        projectId: 9,
        projectPath: 'acme/android-app',
        iid: 4,
        title: 't',
        state: 'opened',
        author: 'dev',
        sourceBranch: 'f',
        targetBranch: 'main',
        headSha: 'h'.repeat(40),
        baseSha: 'b'.repeat(40),
        diffs: [
          {
            old_path: 'Sources/Login.swift',
            new_path: 'Sources/Login.swift',
            diff: PATCH,
            new_file: false,
            renamed_file: false,
            deleted_file: false,
          },
        ],
      },
      HEAD,
    );
  });
  afterAll(async () => {
    await gh.close();
    await gl.close();
  });

  const readers = () => [
    new GitHubRepoReader(new GitHubOctokits({ apiUrl: gh.apiUrl, token: 'ghs_reader' }), 'acme/ios-app'),
    new GitLabRepoReader(gl.apiUrl, 'glpat-reader', 9),
  ];

  it('parses the diff between two commits into files and hunks', async () => {
    for (const reader of readers()) {
      const diff = await reader.diff('b'.repeat(40), 'h'.repeat(40));
      const login = diff.find((f) => f.path === 'Sources/Login.swift');
      expect(login).toMatchObject({ status: 'modified', additions: 1, deletions: 0 });
      expect(login!.hunks).toHaveLength(1);
    }
    const [github] = readers();
    const png = (await github.diff('b'.repeat(40), 'h'.repeat(40))).find((f) => f.path === 'Assets/logo.png');
    expect(png).toMatchObject({ binary: true, status: 'added' });
  });

  it('reads text files at a commit, null for missing or binary ones, and lists and searches files', async () => {
    for (const reader of readers()) {
      expect(await reader.readFile('Sources/Login.swift', 'h'.repeat(40))).toBe(HEAD['Sources/Login.swift']);
      expect(await reader.readFile('Sources/Missing.swift', 'h'.repeat(40))).toBeNull();
      expect(await reader.readFile('Assets/logo.png', 'h'.repeat(40))).toBeNull();
      expect((await reader.listFiles('h'.repeat(40))).sort()).toEqual(Object.keys(HEAD).sort());
      expect(await reader.findReferences('Login()', 'h'.repeat(40), 5)).toEqual(['Sources/Session.swift']);
    }
  });

  it('reports failures as RepoReadError: retryable with Retry-After for a rate limit, permanent for an unknown repository', async () => {
    gh.failNext({ path: '/compare/', status: 429, retryAfter: 7 });
    const [github, gitlab] = readers();
    const limited = await github.diff('b'.repeat(40), 'h'.repeat(40)).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RepoReadError);
    expect(limited).toMatchObject({ retryable: true, retryAfterMs: 7000 });
    const missing = await new GitHubRepoReader(
      new GitHubOctokits({ apiUrl: gh.apiUrl, token: 'ghs_reader' }),
      'acme/none',
    )
      .diff('b'.repeat(40), 'h'.repeat(40))
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(RepoReadError);
    expect(missing).toMatchObject({ retryable: false });
    gl.failNext({ path: '/repository/tree', status: 404 });
    expect(await gitlab.listFiles('h'.repeat(40)).catch((e: unknown) => e)).toMatchObject({
      retryable: false,
      name: 'RepoReadError',
    });
    gl.failNext({ path: '/repository/compare', status: 503 });
    expect(await gitlab.diff('b'.repeat(40), 'h'.repeat(40)).catch((e: unknown) => e)).toMatchObject({
      retryable: true,
      name: 'RepoReadError',
    });
    expect(await gitlab.listFiles('h'.repeat(40))).toContain('Sources/Login.swift');
  });
});
