import type { Platform } from '@agentflow/contracts';

/** One changed file of a pull request or push. */
export interface ChangedFile {
  /** Path relative to the repository root, on the head side. */
  path: string;
  additions: number;
  deletions: number;
  status?: 'added' | 'modified' | 'removed' | 'renamed';
  previousPath?: string;
}

/**
 * What the ingress makes of a webhook (or what the CLI, the CI API and the scheduler build) before
 * trigger matching. GitLab merge request events use `kind: 'pull_request'` with the actions mapped
 * (`open` -> `opened`, `update` -> `synchronize`, `reopen` -> `reopened`).
 */
export interface NormalizedEvent {
  platform: Platform;
  kind: 'pull_request' | 'push' | 'issue_comment' | 'schedule' | 'manual';
  /** Pull request action: `opened`, `synchronize`, `reopened`, `ready_for_review`, `labeled`, ... */
  action?: string;
  /** `owner/name` (GitHub) or the project path (GitLab). */
  repo: string;
  pr?: number;
  /** PR target branch, or the pushed branch. */
  baseBranch?: string;
  headBranch?: string;
  headSha?: string;
  /** PR author, pusher, or commenter. */
  author?: string;
  /** The platform says the author is a bot (GitHub `type: Bot`); names like `renovate[bot]` count as bots too. */
  authorIsBot?: boolean;
  draft?: boolean;
  labels?: string[];
  /** Changed files with line counts; `undefined` when not known (conditions on files then say so). */
  files?: ChangedFile[];
  /** Totals from the platform, used for `lines_changed` when `files` is not known. */
  additions?: number;
  deletions?: number;
  /** Line coverage of the head in percent (0-100), when CI uploaded a report. */
  coverage?: number;
  /** The comment text of an `issue_comment`. */
  comment?: string;
  /** For `schedule`: the cron expression that fired. */
  schedule?: string;
  /** For `manual` and `schedule`: the workflow id asked for. */
  workflow?: string;
}
