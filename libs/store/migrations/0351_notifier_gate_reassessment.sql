-- Notifier: a dismissal clears a failed gate without a push (ADR 0075). It needs to know what each
-- check said, which inline comments the reaction sweep read last, and one sweep at a time.

-- The conclusion last written on the check run (GitHub) or commit status (GitLab) of this head and
-- workflow. The reaction sweep looks only at PRs whose latest check failed; a dismissal rewrites
-- the check only when the conclusion changes. GitLab rows carry the status name as check_run_id.
ALTER TABLE notifier_check_runs ADD COLUMN conclusion text;

-- When the reaction sweep last read this comment's 👎 reactions: least recently read first, so a
-- bounded sweep still reaches every comment in turn.
ALTER TABLE notifier_inline_comments ADD COLUMN reactions_checked_at timestamptz;

-- One row per periodic job: a replica runs it only after moving started_at forward itself (a
-- conditional upsert), so replicas never sweep the same period twice.
CREATE TABLE notifier_sweeps (
  name        text PRIMARY KEY,
  started_at  timestamptz NOT NULL
);
