/**
 * What the signal harvest asks a code host, one implementation per platform: reactions on a
 * comment, a file at a commit, the pull request's last head, and (GitLab, which sends no webhook
 * when a discussion is resolved) who resolved each discussion. Each method is one request unless
 * it says otherwise, so the harvest can count them against its budget.
 */
import type { Octokit } from '@octokit/rest';
import type { Platform } from '@agentflow/contracts';
import type { GitHubAccess } from '../sinks/github/github-access';
import { projectPath, type GitLabApi } from '../sinks/gitlab/gitlab-api';
import { httpStatusOf } from '../sinks/retry-after';

export interface HarvestTarget {
  repo: string;
  pr: number;
  installationId?: number;
  projectId?: number;
}

/** One person's reaction, by the platform's own name for it (`+1`, `thumbsup`, `confused`, ...). */
export interface PersonReaction {
  content: string;
  login: string;
}

export interface ResolvedDiscussion {
  /** The id of the discussion's first note (what the notifier recorded as the comment id). */
  firstNoteId: string;
  resolvedBy: string;
}

/**
 * What a comment's reactions read gives: the people's reactions, or `'deleted'` when the platform
 * answers 404 for the comment (a person deleted it, and its reactions with it).
 */
export type CommentReactions = PersonReaction[] | 'deleted';

export interface SignalReader {
  readonly platform: Platform;
  /** People's reactions on one of agentflow's inline comments (bots left out). */
  inlineReactions(t: HarvestTarget, commentId: string): Promise<CommentReactions>;
  /** People's reactions on agentflow's summary comment or note. */
  summaryReactions(t: HarvestTarget, commentId: string): Promise<CommentReactions>;
  /** The file's text at `ref`, or undefined when it does not exist there. */
  fileAt(t: HarvestTarget, path: string, ref: string): Promise<string | undefined>;
  /** The pull request's head now (after a merge: its last head). */
  headSha(t: HarvestTarget): Promise<string>;
  /** Discussions resolved now, with who resolved them; undefined where webhooks report it (GitHub). Counts as one request a page. */
  resolvedDiscussions?(t: HarvestTarget): Promise<ResolvedDiscussion[]>;
}

/** GitHub reaction contents that say the comment helped, and those that say it did not. */
export const POSITIVE_REACTIONS: ReadonlySet<string> = new Set([
  '+1',
  'heart',
  'hooray',
  'rocket',
  'thumbsup',
  'tada',
]);
export const NEGATIVE_REACTIONS: ReadonlySet<string> = new Set(['-1', 'confused', 'thumbsdown']);

const split = (repo: string) => {
  const [owner, name] = repo.split('/');
  return { owner, repo: name };
};

interface GitHubReaction {
  content: string;
  user: { login: string; type?: string } | null;
}

const people = (reactions: GitHubReaction[]): PersonReaction[] =>
  reactions
    .filter((r) => r.user && r.user.type !== 'Bot')
    .map((r) => ({ content: r.content, login: r.user!.login }));

/** The reactions read, or `'deleted'` on the 404 both platforms answer for a comment that is gone. */
async function unlessDeleted(read: () => Promise<PersonReaction[]>): Promise<CommentReactions> {
  try {
    return await read();
  } catch (error) {
    if (httpStatusOf(error) === 404) return 'deleted';
    throw error;
  }
}

export class GitHubSignalReader implements SignalReader {
  readonly platform = 'github' as const;
  constructor(private readonly access: Pick<GitHubAccess, 'octokit'>) {}

  private octokit(t: HarvestTarget): Promise<Octokit> {
    return this.access.octokit(t.installationId);
  }

  /** `GET /repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions` (100 a page: one page). */
  async inlineReactions(t: HarvestTarget, commentId: string): Promise<CommentReactions> {
    const octokit = await this.octokit(t);
    return unlessDeleted(async () => {
      const { data } = await octokit.reactions.listForPullRequestReviewComment({
        ...split(t.repo),
        comment_id: Number(commentId),
        per_page: 100,
      });
      return people(data);
    });
  }

  /** `GET /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions`. */
  async summaryReactions(t: HarvestTarget, commentId: string): Promise<CommentReactions> {
    const octokit = await this.octokit(t);
    return unlessDeleted(async () => {
      const { data } = await octokit.reactions.listForIssueComment({
        ...split(t.repo),
        comment_id: Number(commentId),
        per_page: 100,
      });
      return people(data);
    });
  }

  async fileAt(t: HarvestTarget, path: string, ref: string): Promise<string | undefined> {
    const octokit = await this.octokit(t);
    try {
      const { data } = await octokit.repos.getContent({ ...split(t.repo), path, ref });
      if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) return undefined;
      return Buffer.from(data.content, 'base64').toString('utf8');
    } catch (error) {
      if ((error as { status?: number }).status === 404) return undefined;
      throw error;
    }
  }

  async headSha(t: HarvestTarget): Promise<string> {
    const octokit = await this.octokit(t);
    const { data } = await octokit.pulls.get({ ...split(t.repo), pull_number: t.pr });
    return data.head.sha;
  }
}

interface GitLabAward {
  name: string;
  user: { username: string; bot?: boolean };
}

interface GitLabDiscussion {
  id: string;
  notes: Array<{
    id: number;
    resolvable: boolean;
    resolved?: boolean;
    resolved_by?: { username: string } | null;
  }>;
}

export class GitLabSignalReader implements SignalReader {
  readonly platform = 'gitlab' as const;
  constructor(private readonly api: Pick<GitLabApi, 'request' | 'all' | 'text'>) {}

  private mr(t: HarvestTarget): string {
    return `/projects/${projectPath(t.projectId, t.repo)}/merge_requests/${t.pr}`;
  }

  /** `GET /projects/:id/merge_requests/:iid/notes/:note_id/award_emoji`: the emoji on the discussion's first note. */
  /** GitLab answers `404 Note Not Found` for a deleted note. */
  inlineReactions(t: HarvestTarget, noteId: string): Promise<CommentReactions> {
    return unlessDeleted(async () => {
      const awards = await this.api.request<GitLabAward[]>(
        'GET',
        `${this.mr(t)}/notes/${noteId}/award_emoji?per_page=100`,
      );
      return awards.filter((a) => !a.user.bot).map((a) => ({ content: a.name, login: a.user.username }));
    });
  }

  summaryReactions(t: HarvestTarget, noteId: string): Promise<CommentReactions> {
    return this.inlineReactions(t, noteId);
  }

  async fileAt(t: HarvestTarget, path: string, ref: string): Promise<string | undefined> {
    try {
      return await this.api.text(
        `/projects/${projectPath(t.projectId, t.repo)}/repository/files/${encodeURIComponent(path)}/raw?ref=${encodeURIComponent(ref)}`,
      );
    } catch (error) {
      if (httpStatusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async headSha(t: HarvestTarget): Promise<string> {
    const mr = await this.api.request<{ sha: string; diff_refs?: { head_sha: string } }>('GET', this.mr(t));
    return mr.diff_refs?.head_sha ?? mr.sha;
  }

  /** `GET /projects/:id/merge_requests/:iid/discussions`: resolvable discussions whose notes are all resolved, by whom. */
  async resolvedDiscussions(t: HarvestTarget): Promise<ResolvedDiscussion[]> {
    const discussions = await this.api.all<GitLabDiscussion>(`${this.mr(t)}/discussions`);
    const out: ResolvedDiscussion[] = [];
    for (const d of discussions) {
      const resolvable = d.notes.filter((n) => n.resolvable);
      const by = resolvable.find((n) => n.resolved_by)?.resolved_by?.username;
      if (resolvable.length && resolvable.every((n) => n.resolved) && by && d.notes[0])
        out.push({ firstNoteId: String(d.notes[0].id), resolvedBy: by });
    }
    return out;
  }
}
