/**
 * Generated files (tests, ADRs, migration plans) as a commit through the git data API: on a new
 * branch with a pull request, on a branch alone, or on the PR's own branch (fast-forward only:
 * never rewriting someone's work).
 *
 * With an expected commit (the test runner built it in a checkout and waits for CI on its SHA),
 * the commit is recreated with exactly that author, committer, time and message on the same tree,
 * which gives the same SHA; the SHA GitHub returns is checked before any branch moves.
 */
import type { Octokit } from '@octokit/rest';
import { PermanentError, type ChangeRef, type ExpectedCommit, type ProposedFile } from '@agentflow/contracts';
import { withRetryAfter } from '../retry-after';

export interface PushFilesInput {
  change: ChangeRef;
  branch: string;
  baseSha: string;
  commitMessage: string;
  files: ProposedFile[];
  mode: 'branch-pr' | 'commit-to-pr' | 'branch';
  prTitle: string;
  prBody: string;
  /** The commit the sender built and waits for CI on: pushed with its identity and time, and its SHA verified. */
  expectedCommit?: ExpectedCommit;
}

/**
 * GitHub built a different commit than the sender expects: its CI wait would never see the SHA.
 * Not retryable: the same inputs build the same wrong commit; the files, base or identity differ.
 */
export class CommitMismatchError extends PermanentError {
  override readonly code = 'commit_mismatch';
  constructor(
    readonly expectedSha: string,
    readonly actualSha: string,
    repo: string,
    branch: string,
  ) {
    super(
      `GitHub built commit ${actualSha} for ${repo} branch ${branch}, but the test runner expects ${expectedSha}: ` +
        'nothing was pushed, and the run waiting for CI on the expected SHA would time out. The files, base commit, identity, time or message differ from what the agent built.',
    );
  }
}

/** As `git commit-tree -m` writes it: the message followed by one newline. */
function gitMessage(message: string): string {
  return `${message}\n`;
}

function gitDate(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface PushFilesResult {
  branch: string;
  commitSha: string;
  pullRequest?: number;
  /** Nothing was pushed: the branch already has this run's commit. */
  alreadyPushed: boolean;
}

const status = (e: unknown) => (e as { status?: number }).status;

export async function pushFiles(
  octokit: Octokit,
  input: PushFilesInput,
  maxWaitMs: number,
): Promise<PushFilesResult> {
  const [owner, repo] = input.change.repo.split('/');
  const call = <T>(what: string, fn: () => Promise<T>) =>
    withRetryAfter(`GitHub ${what} on ${input.change.repo}`, fn, maxWaitMs);
  if (
    input.files.some(
      (f) => f.path.startsWith('/') || f.path.split('/').includes('..') || f.path.startsWith('.git/'),
    )
  ) {
    throw new PermanentError(
      `a generated file path leaves the repository or touches .git (${input.files.map((f) => f.path).join(', ')}); the agent must propose relative paths`,
    );
  }
  const targetBranch = input.mode === 'commit-to-pr' ? input.change.headRef : input.branch;
  if (!targetBranch)
    throw new PermanentError(
      'commit-to-pr needs the PR head branch (change.headRef), which the run does not carry',
    );

  const existing = await call('get ref', () =>
    octokit.git.getRef({ owner, repo, ref: `heads/${targetBranch}` }),
  ).catch((e: unknown) => {
    if (status((e as { cause?: unknown }).cause ?? e) === 404) return null;
    throw e;
  });
  const parent =
    input.mode === 'commit-to-pr' ? existing?.data.object.sha : (existing?.data.object.sha ?? input.baseSha);
  if (!parent) throw new PermanentError(`branch ${targetBranch} does not exist on ${input.change.repo}`);
  if (input.mode !== 'commit-to-pr' && existing) {
    // The branch is per run: when it exists, this run already pushed (a redelivery after a crash).
    const head = await call('get commit', () =>
      octokit.git.getCommit({ owner, repo, commit_sha: existing.data.object.sha }),
    );
    const ours = input.expectedCommit
      ? existing.data.object.sha === input.expectedCommit.sha
      : head.data.message === input.commitMessage;
    if (ours) {
      const prs =
        input.mode === 'branch-pr'
          ? await call('list pulls', () =>
              octokit.pulls.list({ owner, repo, head: `${owner}:${targetBranch}`, state: 'open' }),
            )
          : null;
      return {
        branch: targetBranch,
        commitSha: existing.data.object.sha,
        pullRequest: prs?.data[0]?.number,
        alreadyPushed: true,
      };
    }
  }
  const parentCommit = await call('get parent commit', () =>
    octokit.git.getCommit({ owner, repo, commit_sha: parent }),
  );
  const tree = await call('create tree', () =>
    octokit.git.createTree({
      owner,
      repo,
      base_tree: parentCommit.data.tree.sha,
      tree: input.files.map((f) => ({
        path: f.path,
        mode: '100644' as const,
        type: 'blob' as const,
        content: f.content,
      })),
    }),
  );
  const expected = input.expectedCommit;
  const identity = expected
    ? { name: expected.authorName, email: expected.authorEmail, date: gitDate(expected.time) }
    : undefined;
  const commit = await call('create commit', () =>
    octokit.git.createCommit({
      owner,
      repo,
      tree: tree.data.sha,
      parents: [parent],
      ...(identity
        ? { message: gitMessage(input.commitMessage), author: identity, committer: identity }
        : { message: input.commitMessage }),
    }),
  );
  // Checked before the branch moves: a commit nobody waits for must not land.
  if (expected && commit.data.sha !== expected.sha)
    throw new CommitMismatchError(expected.sha, commit.data.sha, input.change.repo, targetBranch);
  if (existing)
    await call('update ref', () =>
      octokit.git.updateRef({
        owner,
        repo,
        ref: `heads/${targetBranch}`,
        sha: commit.data.sha,
        force: false,
      }),
    );
  else
    await call('create ref', () =>
      octokit.git.createRef({ owner, repo, ref: `refs/heads/${targetBranch}`, sha: commit.data.sha }),
    );
  let pullRequest: number | undefined;
  if (input.mode === 'branch-pr') {
    const base = input.change.headRef ?? input.change.baseRef;
    if (!base) throw new PermanentError('branch-pr needs a base branch (change.headRef or baseRef)');
    const pr = await call('create pull request', () =>
      octokit.pulls.create({
        owner,
        repo,
        title: input.prTitle,
        head: targetBranch,
        base,
        body: input.prBody,
      }),
    );
    pullRequest = pr.data.number;
  }
  return { branch: targetBranch, commitSha: commit.data.sha, pullRequest, alreadyPushed: false };
}
