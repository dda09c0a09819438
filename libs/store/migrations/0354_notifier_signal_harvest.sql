-- Signals GitHub and GitLab send no webhook for, read by the notifier once a pull request has
-- ended (services/notifier/src/usefulness/signal-harvest.ts): reactions on agentflow's inline
-- comments and summary, suggestions applied, and (GitLab) discussions resolved by a person.

-- `reacted_up`: a person reacted 👍, ❤️, 🎉 or 🚀 (GitHub `+1`, `heart`, `hooray`, `rocket`; GitLab
-- `thumbsup`, `heart`, `tada`, `rocket`) on the finding's inline comment. `reacted_down`: 👎 or 😕
-- (`-1`, `confused`; `thumbsdown`, `confused`). `suggestion_applied`: the finding's suggested code
-- is in the file at the pull request's last head and was not at the head it was posted on.
ALTER TABLE finding_signals DROP CONSTRAINT finding_signals_signal_check;
ALTER TABLE finding_signals ADD CONSTRAINT finding_signals_signal_check
  CHECK (signal IN ('thread_resolved', 'open_at_merge', 'reacted_up', 'reacted_down', 'suggestion_applied'));

-- Reactions by people on the summary comment (GitHub) or note (GitLab) of a pull request and
-- workflow: they judge the review as a whole, not one finding.
CREATE TABLE summary_reactions (
  platform    text NOT NULL,
  repo        text NOT NULL,
  pr          integer NOT NULL,
  workflow    text NOT NULL,
  -- People who reacted positively / negatively (one person counts once per side).
  positive    integer NOT NULL,
  negative    integer NOT NULL,
  read_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, repo, pr, workflow)
);

-- One harvest per ended pull request: what it read, so a later sweep does not read it again.
CREATE TABLE notifier_signal_harvests (
  platform      text NOT NULL,
  repo          text NOT NULL,
  pr            integer NOT NULL,
  -- Platform requests made.
  requests      integer NOT NULL,
  -- Why it read less than everything (the per-PR cap), or null.
  partial       text,
  harvested_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, repo, pr)
);
