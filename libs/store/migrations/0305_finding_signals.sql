-- What people did with a finding, as the platforms report it, beside the states `findings` keeps
-- (fixed by a later push, dismissed): a review thread resolved by a person, and a finding still
-- open when its pull request merged. One row per finding and signal; `agentflow usefulness` and
-- the notifier's usefulness gauges read them (libs/store/src/usefulness.ts).
CREATE TABLE finding_signals (
  finding_id   bigint NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
  -- `thread_resolved`: a person resolved the finding's review thread (GitHub
  -- `pull_request_review_thread`; agentflow's own resolving of fixed findings is not counted).
  -- `open_at_merge`: written for every finding of a pull request when its merge is recorded,
  -- active when the finding was still open then (ignored), inactive when it was fixed or dismissed;
  -- so the findings of merges seen since this table exists are the ignored rate's sample.
  signal       text NOT NULL CHECK (signal IN ('thread_resolved', 'open_at_merge')),
  -- Whether the signal holds: false once undone (the thread unresolved again; the latest event by
  -- `occurred_at` stands), or for `open_at_merge` when the finding was not open at the merge.
  active       boolean NOT NULL DEFAULT true,
  actor        text,
  -- When the platform's event was received, and which delivery said so.
  occurred_at  timestamptz NOT NULL,
  delivery_id  text NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (finding_id, signal)
);
CREATE INDEX finding_signals_signal_idx ON finding_signals (signal, occurred_at);
