/**
 * The pull-request files and compare answers as GitHub documents them: the PR files list is paged
 * (`per_page` up to 100, a `Link` header to the next page) and holds at most 3,000 files; a compare
 * lists at most 300 files, whatever the page. A file's `patch` is served as the test stored it:
 * absent (GitHub leaves it out for binary files and for diffs too large to show) or cut short (a
 * hunk that stops before its header's counts), so readers meet both.
 */
import type { FakeGitHubState, FakePrFile } from './state';

/** "Responses include a maximum of 3000 files" (List pull request files). */
export const PR_FILES_CAP = 3000;
/** "The response includes a maximum of 300 changed files for the entire comparison" (Compare two commits). */
export const COMPARE_FILES_CAP = 300;

function fileJson(state: FakeGitHubState, f: FakePrFile): Record<string, unknown> {
  return { sha: state.sha(f.filename), changes: f.additions + f.deletions, blob_url: '', raw_url: '', contents_url: '', ...f };
}

/** The files `GET /pulls/{n}/files` can list, before paging. */
export function pullFilesListed(state: FakeGitHubState, files: readonly FakePrFile[]): Record<string, unknown>[] {
  return files.slice(0, PR_FILES_CAP).map((f) => fileJson(state, f));
}

/** The `files` of a compare answer. */
export function compareFilesListed(state: FakeGitHubState, files: readonly FakePrFile[]): Record<string, unknown>[] {
  return files.slice(0, COMPARE_FILES_CAP).map((f) => fileJson(state, f));
}
