-- Notifier: the check-run write budget (issue 19). Progress is written at most once per 30 s and
-- never twice with the same output, so a run makes 2 check-run writes (created, completed) plus at
-- most one per 30 s of its length. The row says when progress was last written, and what it said.
ALTER TABLE notifier_check_runs ADD COLUMN progress_written_at timestamptz;
ALTER TABLE notifier_check_runs ADD COLUMN progress_digest text;
