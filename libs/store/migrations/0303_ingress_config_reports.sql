-- Problems in a repository's own `.agentflow/` files, shown once on a pull request: a GitHub check
-- run per head commit, a GitLab note per base commit (`head_sha` is '' then). The row is claimed
-- before the post, so a redelivered webhook or a second replica never posts the same report twice.
CREATE TABLE ingress_config_reports (
  platform     text NOT NULL,
  repo         text NOT NULL,
  pr           integer NOT NULL,
  base_sha     text NOT NULL,
  head_sha     text NOT NULL,
  problems     integer NOT NULL,
  reported_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, repo, pr, base_sha, head_sha)
);
