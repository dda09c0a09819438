/** What a delivery means, once read: the few shapes the processor acts on. */
import type { CiEvent, ChangeRef, Platform } from '@agentflow/contracts';

export const COMMANDS = ['review', 'test', 'docs', 'architecture', 'dismiss', 'help'] as const;
/** `/agentflow <command>` in a PR or MR comment. */
export type AgentflowCommand = (typeof COMMANDS)[number];

/** A pull/merge request event that may start workflows. `trigger` is `pull_request.<action>` on both platforms. */
export interface ChangeEvent {
  kind: 'change';
  trigger: string;
  action: 'opened' | 'synchronize' | 'reopened' | 'ready_for_review' | 'labeled';
  change: ChangeRef;
  draft: boolean;
  labels: string[];
  /** The label just added, for `labeled`. */
  label?: string;
  /** The head before a push to the PR (incremental review), when the platform says. */
  previousHeadSha?: string;
}

export interface CommandEvent {
  kind: 'command';
  platform: Platform;
  command: AgentflowCommand;
  /** Words after the command (`/agentflow dismiss <fingerprint>`). */
  args: string[];
  /** The command word as typed, for help on an unknown one. */
  typed: string;
  repo: string;
  pr: number;
  commenter: string;
  /** GitLab user id (membership is checked by id there). */
  commenterId?: number;
  commentId: string;
  installationId?: number;
  projectId?: number;
}

export interface CiReport {
  kind: 'ci';
  ci: CiEvent;
}

export interface PushEvent {
  kind: 'push';
  trigger: 'push';
  change: ChangeRef;
}

/** A person reacted 👎 to a comment on a pull/merge request (GitLab `Emoji Hook`; GitHub sends none). */
export interface ReactionEvent {
  kind: 'reaction';
  platform: Platform;
  repo: string;
  pr: number;
  /** The comment (GitLab note) reacted to. */
  commentId: string;
  reactor: string;
  reactorId?: number;
  projectId?: number;
}

/** A pull/merge request was closed or merged: its runs still in flight are cancelled. */
export interface ClosedEvent {
  kind: 'closed';
  platform: Platform;
  repo: string;
  pr: number;
  /** `closed` or `merged`. */
  how: 'closed' | 'merged';
}

/**
 * A person resolved or unresolved a review thread on a pull request (GitHub
 * `pull_request_review_thread`). The thread's comments name the finding: agentflow recorded the id of
 * the inline comment it posted (`notifier_inline_comments`).
 */
export interface ThreadResolutionEvent {
  kind: 'thread';
  platform: Platform;
  repo: string;
  pr: number;
  resolved: boolean;
  /** Ids of the thread's comments, the first (the one that opened it) first. */
  commentIds: string[];
  actor: string;
}

export interface IgnoredEvent {
  kind: 'ignored';
  reason: string;
}

export type IngressEvent =
  | ChangeEvent
  | CommandEvent
  | CiReport
  | PushEvent
  | ClosedEvent
  | ReactionEvent
  | ThreadResolutionEvent
  | IgnoredEvent;

/** A file a change touches, as the platform API reports it. */
export interface ChangedFile {
  path: string;
  status: 'added' | 'modified' | 'removed' | 'renamed';
  additions: number;
  deletions: number;
  previousPath?: string;
}
