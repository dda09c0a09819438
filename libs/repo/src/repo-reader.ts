/**
 * The `RepoReader` port: everything an agent reads from a repository goes through these few
 * calls. Implementations: a local checkout (git CLI or a plain directory) and the GitHub / GitLab
 * APIs, all in this lib. Higher-level context (related files, conventions, path instructions) is
 * built on top of these primitives by the agents' `RepoContext`, so a new platform only
 * implements this interface.
 */
import type { AgentTask } from '@agentflow/contracts';
import type { FileDiff } from '@agentflow/mobile';

export interface RepoReader {
  /** Short label for logs and errors: `git:/path`, `github:owner/name`. */
  readonly label: string;
  /**
   * The change between two commits as parsed unified diff (`base..head`, three-dot semantics are
   * the caller's choice: pass the merge base for a pull request).
   */
  diff(baseSha: string, headSha: string): Promise<FileDiff[]>;
  /** A file's text at a commit; `null` when it does not exist there or is binary. */
  readFile(path: string, sha: string): Promise<string | null>;
  /** Every file path at a commit, repository-relative. */
  listFiles(sha: string): Promise<string[]>;
  /**
   * Paths of files at a commit whose text contains `needle` (fixed string, case-sensitive), at
   * most `limit`. Used to find callers of a changed type. May return fewer than exist.
   */
  findReferences(needle: string, sha: string, limit: number): Promise<string[]>;
}

/**
 * A repository could not be read. `retryable: false` (missing commit or repository, no access):
 * retrying the same request does not help; `retryable: true` (platform 5xx, rate limit): it may,
 * after `retryAfterMs` when the platform said so.
 */
export class RepoReadError extends Error {
  readonly code = 'repo_read_failed';
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  constructor(
    message: string,
    options: { retryable?: boolean; cause?: unknown; retryAfterMs?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'RepoReadError';
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Picks the {@link RepoReader} for a task's change (platform API, local clone, or local directory). */
export interface RepoReaderFactory {
  forTask(task: AgentTask): Promise<RepoReader>;
}
