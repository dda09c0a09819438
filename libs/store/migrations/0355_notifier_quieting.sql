-- Quieting (NOTIFIER_QUIET_*): a rule or agent whose findings were dismissed at more than the
-- threshold in a repository, over a minimum sample, is quieted there (its findings go to the
-- summary instead of inline comments, or show one severity lower). Every change is a row: when a
-- group becomes quieted and when it is restored; the latest row per group is its state.
CREATE TABLE quieting_changes (
  id          bigserial PRIMARY KEY,
  platform    text NOT NULL,
  repo        text NOT NULL,
  -- `rule` (a rule id, or `category:<name>` for a model's finding) or `agent`.
  kind        text NOT NULL CHECK (kind IN ('rule', 'agent')),
  key         text NOT NULL,
  change      text NOT NULL CHECK (change IN ('quieted', 'restored')),
  -- `summary` or `lower-severity`, as configured when the change was made.
  action      text NOT NULL,
  -- The counts the decision was made on: dismissed of findings, in the window, in this repository.
  dismissed   integer NOT NULL,
  findings    integer NOT NULL,
  -- The run whose delivery made the decision.
  run_id      text,
  changed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX quieting_changes_group_idx ON quieting_changes (platform, repo, kind, key, id DESC);
