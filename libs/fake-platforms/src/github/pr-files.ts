/**
 * The pull-request files and compare answers as GitHub documents them: the PR files list is paged
 * (`per_page` up to 100, a `Link` header to the next page) and holds at most 3,000 files; a compare
 * lists at most 300 files, whatever the page. A file's `patch` is served as the test stored it:
 * absent (GitHub leaves it out for binary files and for diffs too large to show) or cut short (a
 * hunk that stops before its header's counts), so readers meet both.
 */
import type { FakeGitHubState, FakePrFile, FakePullRequest } from './state';

/** "Responses include a maximum of 3000 files" (List pull request files). */
export const PR_FILES_CAP = 3000;
/** "The response includes a maximum of 300 changed files for the entire comparison" (Compare two commits). */
export const COMPARE_FILES_CAP = 300;

/** A changed file as GitHub's `diff-entry` holds it; `patch` only where one was stored. */
function fileJson(
  state: FakeGitHubState,
  apiUrl: string,
  pull: FakePullRequest,
  f: FakePrFile,
): Record<string, unknown> {
  const repo = `${pull.owner}/${pull.repo}`;
  const path = f.filename.split('/').map(encodeURIComponent).join('/');
  return {
    sha: state.sha(f.filename),
    changes: f.additions + f.deletions,
    blob_url: `https://github.com/${repo}/blob/${pull.head.sha}/${path}`,
    raw_url: `https://github.com/${repo}/raw/${pull.head.sha}/${path}`,
    contents_url: `${apiUrl}/repos/${repo}/contents/${path}?ref=${pull.head.sha}`,
    ...f,
  };
}

/** The files `GET /pulls/{n}/files` can list, before paging. */
export function pullFilesListed(
  state: FakeGitHubState,
  apiUrl: string,
  pull: FakePullRequest,
): Record<string, unknown>[] {
  return pull.files.slice(0, PR_FILES_CAP).map((f) => fileJson(state, apiUrl, pull, f));
}

/** A commit as GitHub's `commit` schema holds it (the fake knows its SHA, parent and message only). */
function commitJson(
  apiUrl: string,
  repo: string,
  sha: string,
  parent: string | undefined,
  message: string,
): Record<string, unknown> {
  const who = { name: 'octocat', email: 'octocat@github.com', date: '2026-01-01T00:00:00Z' };
  return {
    url: `${apiUrl}/repos/${repo}/commits/${sha}`,
    sha,
    node_id: `C_${sha.slice(0, 20)}`,
    html_url: `https://github.com/${repo}/commit/${sha}`,
    comments_url: `${apiUrl}/repos/${repo}/commits/${sha}/comments`,
    commit: {
      url: `${apiUrl}/repos/${repo}/git/commits/${sha}`,
      author: who,
      committer: who,
      message,
      comment_count: 0,
      tree: { sha, url: `${apiUrl}/repos/${repo}/git/trees/${sha}` },
    },
    author: null,
    committer: null,
    parents: parent ? [{ sha: parent, url: `${apiUrl}/repos/${repo}/commits/${parent}` }] : [],
  };
}

/** `GET /compare/{base}...{head}` for a pull request's two commits: one commit ahead, at most 300 files. */
export function compareJson(
  state: FakeGitHubState,
  apiUrl: string,
  pull: FakePullRequest,
  base: string,
  head: string,
): Record<string, unknown> {
  const repo = `${pull.owner}/${pull.repo}`;
  return {
    url: `${apiUrl}/repos/${repo}/compare/${base}...${head}`,
    html_url: `https://github.com/${repo}/compare/${base}...${head}`,
    permalink_url: `https://github.com/${repo}/compare/${base}...${head}`,
    diff_url: `https://github.com/${repo}/compare/${base}...${head}.diff`,
    patch_url: `https://github.com/${repo}/compare/${base}...${head}.patch`,
    base_commit: commitJson(apiUrl, repo, base, undefined, 'base'),
    merge_base_commit: commitJson(apiUrl, repo, base, undefined, 'base'),
    status: 'ahead',
    ahead_by: 1,
    behind_by: 0,
    total_commits: 1,
    commits: [commitJson(apiUrl, repo, head, base, pull.title)],
    files: pull.files.slice(0, COMPARE_FILES_CAP).map((f) => fileJson(state, apiUrl, pull, f)),
  };
}
