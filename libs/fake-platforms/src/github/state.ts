/** What the fake GitHub holds and records. Every field is public so tests can read what was stored. */
import type { FileContent } from './git-objects';

export interface FakeUser {
  login: string;
  id: number;
  type: 'User' | 'Bot';
}

export interface FakePrFile {
  filename: string;
  status: 'added' | 'modified' | 'removed' | 'renamed';
  additions: number;
  deletions: number;
  patch?: string;
  previous_filename?: string;
}

export interface FakePullRequest {
  owner: string;
  repo: string;
  number: number;
  id: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  draft: boolean;
  user: FakeUser;
  head: { sha: string; ref: string };
  base: { sha: string; ref: string };
  files: FakePrFile[];
  labels: string[];
  created_at: string;
  updated_at: string;
}

export interface FakeIssueComment {
  id: number;
  node_id: string;
  repo: string;
  issue_number: number;
  body: string;
  user: FakeUser;
  created_at: string;
  updated_at: string;
}

export interface FakeReviewComment {
  id: number;
  node_id: string;
  repo: string;
  pull_number: number;
  review_id: number;
  path: string;
  line: number;
  start_line: number | null;
  side: 'RIGHT' | 'LEFT';
  body: string;
  commit_id: string;
  user: FakeUser;
  /** GraphQL id of the thread the comment opened. */
  thread_id: string;
  resolved: boolean;
}

export interface FakeReview {
  id: number;
  node_id: string;
  repo: string;
  pull_number: number;
  commit_id: string;
  state: 'COMMENTED' | 'APPROVED' | 'CHANGES_REQUESTED';
  /** The `event` the client sent. */
  event: string;
  body: string;
  user: FakeUser;
  comment_ids: number[];
  submitted_at: string;
}

export interface FakeAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
  raw_details?: string;
}

export interface FakeCheckRun {
  id: number;
  repo: string;
  name: string;
  head_sha: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  details_url?: string;
  external_id?: string;
  started_at: string | null;
  completed_at: string | null;
  output: {
    title: string | null;
    summary: string | null;
    text: string | null;
    annotations: FakeAnnotation[];
  };
  /** Every create/update body, in order. */
  history: Array<Record<string, unknown>>;
}

export interface FakeCommitStatus {
  id: number;
  repo: string;
  sha: string;
  state: string;
  context: string;
  description?: string;
  target_url?: string;
}

export interface FakeGitCommit {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
  /** As the git data API answers them (`date` ISO 8601); absent for commits recorded before these were kept. */
  author?: { name: string; email: string; date: string };
  committer?: { name: string; email: string; date: string };
}

export interface FakeGitTree {
  sha: string;
  /** Full file map after applying the tree's entries to its base. */
  files: Record<string, FileContent>;
}

export interface FakeReaction {
  id: number;
  content: string;
  user: FakeUser;
  /** `issue_comment:<id>` or `review_comment:<id>`. */
  subject: string;
}

export interface FakeHookDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  duration: number;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
  installation_id: number | null;
  repository_id: number | null;
}

export interface FakeRepo {
  owner: string;
  name: string;
  id: number;
  defaultBranch: string;
  private: boolean;
  /** Files by commit SHA. */
  files: Record<string, Record<string, FileContent>>;
  refs: Record<string, string>;
}

export class FakeGitHubState {
  private nextId = 1000;
  readonly bot: FakeUser = { login: 'agentflow[bot]', id: 9001, type: 'Bot' };
  readonly repos = new Map<string, FakeRepo>();
  readonly pulls: FakePullRequest[] = [];
  readonly issueComments: FakeIssueComment[] = [];
  readonly reviews: FakeReview[] = [];
  readonly reviewComments: FakeReviewComment[] = [];
  readonly checkRuns: FakeCheckRun[] = [];
  readonly statuses: FakeCommitStatus[] = [];
  readonly commits = new Map<string, FakeGitCommit>();
  readonly trees = new Map<string, FakeGitTree>();
  readonly reactions: FakeReaction[] = [];
  /** `owner/repo:login` -> `admin` | `maintain` | `write` | `triage` | `read` | `none`. */
  readonly permissions = new Map<string, string>();
  readonly hookDeliveries: FakeHookDelivery[] = [];
  /** Delivery ids a client asked to redeliver (`POST /app/hook/deliveries/{id}/attempts`). */
  readonly redeliveryRequests: number[] = [];
  /** Installation tokens issued, by installation id. */
  readonly installationTokens: Array<{ installationId: number; token: string }> = [];

  id(): number {
    this.nextId += 1;
    return this.nextId;
  }

  sha(seed: string): string {
    let h = 0x811c9dc5;
    const out: string[] = [];
    for (let round = 0; round < 5; round++) {
      for (const ch of `${seed}:${round}:${this.nextId}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
      out.push(h.toString(16).padStart(8, '0'));
    }
    this.nextId += 1;
    return out.join('');
  }

  repo(owner: string, name: string): FakeRepo | undefined {
    return this.repos.get(`${owner}/${name}`.toLowerCase());
  }

  pull(owner: string, name: string, number: number): FakePullRequest | undefined {
    return this.pulls.find(
      (p) =>
        p.owner.toLowerCase() === owner.toLowerCase() &&
        p.repo.toLowerCase() === name.toLowerCase() &&
        p.number === number,
    );
  }

  /** Comments on one issue or PR, oldest first. */
  commentsOn(repo: string, issueNumber: number): FakeIssueComment[] {
    return this.issueComments.filter((c) => c.repo === repo && c.issue_number === issueNumber);
  }
}
