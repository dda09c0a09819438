/**
 * The fake GitHub's stored state as plain JSON, for a test in another process: the arrays as they
 * are, the maps as arrays of their values (a commit's or tree's files left out: they are the
 * sample repositories again and would make every read megabytes long).
 */
import type {
  FakeCheckRun,
  FakeCommitStatus,
  FakeGitHubState,
  FakeIssueComment,
  FakePullRequest,
  FakeReaction,
  FakeReview,
  FakeReviewComment,
} from '@agentflow/fake-platforms';

export interface GitHubSnapshot {
  pulls: Array<Omit<FakePullRequest, 'files'> & { files: string[] }>;
  issueComments: FakeIssueComment[];
  reviews: FakeReview[];
  reviewComments: FakeReviewComment[];
  checkRuns: FakeCheckRun[];
  statuses: FakeCommitStatus[];
  reactions: FakeReaction[];
  commits: Array<{ sha: string; tree: string; parents: string[]; message: string }>;
  /** `owner/repo` -> ref -> sha. */
  refs: Record<string, Record<string, string>>;
  installationTokens: Array<{ installationId: number; token: string }>;
}

export function snapshotGitHub(state: FakeGitHubState): GitHubSnapshot {
  const refs: GitHubSnapshot['refs'] = {};
  for (const repo of state.repos.values()) refs[`${repo.owner}/${repo.name}`] = { ...repo.refs };
  return {
    pulls: state.pulls.map((p) => ({ ...p, files: p.files.map((f) => f.filename) })),
    issueComments: state.issueComments,
    reviews: state.reviews,
    reviewComments: state.reviewComments,
    checkRuns: state.checkRuns,
    statuses: state.statuses,
    reactions: state.reactions,
    commits: [...state.commits.values()].map((c) => ({
      sha: c.sha,
      tree: c.tree,
      parents: c.parents,
      message: c.message,
    })),
    refs,
    installationTokens: state.installationTokens,
  };
}
