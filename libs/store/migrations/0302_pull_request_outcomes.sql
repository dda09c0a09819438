-- How each pull/merge request ended, as the ingress saw its close event. `agentflow cost` divides
-- the spend on merged PRs by their count (cost per merged PR); without this table it could only
-- count PRs that had a run. One row per PR: a PR closed, reopened and then merged ends `merged`.
CREATE TABLE pull_request_outcomes (
  platform     text NOT NULL,
  repo         text NOT NULL,
  pr           integer NOT NULL,
  outcome      text NOT NULL CHECK (outcome IN ('merged', 'closed')),
  -- When the ingress received the close event (the delivery's receivedAt).
  ended_at     timestamptz NOT NULL,
  -- The delivery that set the outcome, to trace a figure back to its webhook.
  delivery_id  text NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, repo, pr)
);
-- Merged PRs by month, for the cost report.
CREATE INDEX pull_request_outcomes_ended_idx ON pull_request_outcomes (outcome, ended_at);
