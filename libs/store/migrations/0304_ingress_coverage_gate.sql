-- Coverage CI reported for a commit (`POST /api/coverage`), read when a later event for that head
-- is matched, so a `test_coverage` condition is decided at once.
CREATE TABLE ingress_coverage (
  platform       text NOT NULL,
  repo           text NOT NULL,
  head_sha       text NOT NULL,
  line_coverage  numeric(6, 3) NOT NULL CHECK (line_coverage >= 0 AND line_coverage <= 100),
  -- What the number came from: `value` (sent as a number) or the report's format (`lcov`, ...).
  source         text NOT NULL,
  reported_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, repo, head_sha)
);

-- Workflows a change would start but for its unknown coverage, waiting for CI's upload until
-- `deadline`. The state moves once, by an UPDATE that claims the row: `waiting` -> `fired`
-- (the upload met the condition), `skipped` (it did not) or `expired` (none came in time).
CREATE TABLE ingress_coverage_waits (
  platform           text NOT NULL,
  repo               text NOT NULL,
  head_sha           text NOT NULL,
  workflow           text NOT NULL,
  trigger_key        text NOT NULL,
  pr                 integer,
  source             text NOT NULL,
  source_id          text NOT NULL,
  trigger            text NOT NULL,
  change             jsonb NOT NULL,
  event              jsonb NOT NULL,
  previous_head_sha  text,
  deadline           timestamptz NOT NULL,
  state              text NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'fired', 'skipped', 'expired')),
  reason             text,
  run_id             text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  settled_at         timestamptz,
  PRIMARY KEY (platform, repo, head_sha, workflow, trigger_key)
);
CREATE INDEX ingress_coverage_waits_due_idx ON ingress_coverage_waits (deadline) WHERE state = 'waiting';
