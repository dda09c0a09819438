/**
 * The `RepoReader` port: everything an agent reads from a repository goes through these few
 * calls. Implementations: a local checkout (git CLI or a plain directory, here) and the
 * GitHub / GitLab APIs (ingress). Higher-level context (related files, conventions,
 * path instructions) is built on top of these primitives in `RepoContext`, so a new platform only
 * implements this interface.
 */
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

/** A repository could not be read (missing commit, not a repository). Retrying the same request does not help. */
export class RepoReadError extends Error {
  readonly code = 'repo_read_failed';
  readonly retryable: boolean;
  constructor(message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'RepoReadError';
    this.retryable = options.retryable ?? false;
  }
}
