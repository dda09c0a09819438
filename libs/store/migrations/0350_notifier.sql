-- Notifier: the per-(sink, target, run) delivery ledger, and what was posted where, so a
-- redelivered message never posts twice and later pushes update instead of repeating.

-- A claim is written before a sink calls its platform and the result after it. A redelivered
-- message finds `delivered` and does nothing; a `claimed` row left by a crash is claimed again
-- (the sinks find their earlier post by its hidden marker).
CREATE TABLE notifier_deliveries (
  sink        text NOT NULL,
  target      text NOT NULL,
  run_id      text NOT NULL,
  -- `completed`, `failed`, `push-files:<stepId>`.
  kind        text NOT NULL,
  state       text NOT NULL CHECK (state IN ('claimed', 'delivered', 'skipped', 'failed')),
  attempts    integer NOT NULL DEFAULT 1,
  result      jsonb,
  error       text,
  claimed_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sink, target, run_id, kind)
);
CREATE INDEX notifier_deliveries_failed_idx ON notifier_deliveries (updated_at) WHERE state = 'failed';

-- The one summary comment (GitHub) or note (GitLab) per pull request and workflow, and the head
-- it reflects: a run for an older head never overwrites a newer one.
CREATE TABLE notifier_summaries (
  platform     text NOT NULL,
  repo         text NOT NULL,
  pr           integer NOT NULL,
  workflow     text NOT NULL,
  comment_id   text NOT NULL,
  head_sha     text NOT NULL,
  run_id       text NOT NULL,
  finished_at  timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, repo, pr, workflow)
);

-- Inline comments posted per finding: a finding still open on the next push is not posted again,
-- a fixed one's thread is resolved, a thumbs-down on it dismisses it.
CREATE TABLE notifier_inline_comments (
  platform      text NOT NULL,
  repo          text NOT NULL,
  pr            integer NOT NULL,
  workflow      text NOT NULL,
  fingerprint   text NOT NULL,
  comment_id    text NOT NULL,
  -- GitHub review thread node id or GitLab discussion id, for resolving.
  thread_id     text,
  run_id        text NOT NULL,
  head_sha      text NOT NULL,
  resolved      boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, repo, pr, workflow, fingerprint)
);

-- Check runs (GitHub) created for a head and workflow: progress updates the same one, and stops
-- once the run's final result is written.
CREATE TABLE notifier_check_runs (
  platform      text NOT NULL,
  repo          text NOT NULL,
  head_sha      text NOT NULL,
  workflow      text NOT NULL,
  check_run_id  text NOT NULL,
  run_id        text NOT NULL,
  completed     boolean NOT NULL DEFAULT false,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, repo, head_sha, workflow)
);

-- Alerts sent once per key (`budget:2026-11:80`), and the vendor-outage state: one message when
-- an outage starts and one when it ends.
CREATE TABLE notifier_alerts (
  key         text PRIMARY KEY,
  state       text NOT NULL DEFAULT 'sent',
  detail      text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
