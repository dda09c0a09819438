-- Findings dismissed on a pull request (`/agentflow dismiss <id>` or a thumbs-down on an inline
-- comment). Kept apart from `findings` because a dismissal may arrive before the notifier has
-- stored the finding; the notifier checks both. The id people type is a fingerprint prefix.
CREATE TABLE finding_dismissals (
  platform            text NOT NULL,
  repo                text NOT NULL,
  pr                  integer NOT NULL,
  fingerprint_prefix  text NOT NULL,
  dismissed_by        text NOT NULL,
  source              text NOT NULL CHECK (source IN ('command', 'reaction')),
  created_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, repo, pr, fingerprint_prefix)
);
