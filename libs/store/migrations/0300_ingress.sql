-- Ingress: the delivery spool, CI API tokens, trigger outcomes and CI artifacts.
-- Delivery ids themselves live in webhook_deliveries (0001): that is what recognises a redelivery.

-- Deliveries the bus could not take when they arrived. They were answered 202 (GitHub does not
-- redeliver by itself; GitLab disables a hook that keeps failing), so they wait here until the
-- forwarder publishes them, and are deleted then.
CREATE TABLE ingress_spool (
  platform         text NOT NULL,
  delivery_id      text NOT NULL,
  event            text NOT NULL,
  -- The raw body as received (signatures are over these exact bytes).
  payload          text NOT NULL,
  received_at      timestamptz NOT NULL,
  attempts         integer NOT NULL DEFAULT 0,
  last_error       text,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, delivery_id)
);
CREATE INDEX ingress_spool_due_idx ON ingress_spool (next_attempt_at);

-- Bearer tokens for the CI API, stored only as sha256. `repos` lists the repositories the token may
-- act on ('*' for all); `role` says what it may do.
CREATE TABLE ingress_api_tokens (
  id             text PRIMARY KEY,
  name           text NOT NULL,
  token_sha256   text NOT NULL UNIQUE,
  role           text NOT NULL CHECK (role IN ('admin', 'ci', 'reader')),
  repos          text[] NOT NULL DEFAULT '{}',
  created_at     timestamptz NOT NULL DEFAULT now(),
  last_used_at   timestamptz,
  revoked_at     timestamptz
);

-- For every delivery (or CI API call, or reconciler pass) and workflow: did it fire, with which run,
-- or why was it skipped. Nothing is dropped silently.
CREATE TABLE ingress_trigger_outcomes (
  source        text NOT NULL,
  source_id     text NOT NULL,
  workflow      text NOT NULL,
  outcome       text NOT NULL CHECK (outcome IN ('fired', 'skipped')),
  run_id        text,
  reason        text,
  platform      text NOT NULL,
  repo          text,
  pr            integer,
  head_sha      text,
  trigger       text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, source_id, workflow)
);
CREATE INDEX ingress_trigger_outcomes_change_idx ON ingress_trigger_outcomes (platform, repo, pr, head_sha);
CREATE INDEX ingress_trigger_outcomes_run_idx ON ingress_trigger_outcomes (run_id);

-- Coverage and SARIF uploaded by CI for a run; the body is in the bus object store.
CREATE TABLE ingress_artifacts (
  run_id       text NOT NULL,
  name         text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('coverage', 'sarif', 'other')),
  ref          text NOT NULL,
  sha256       text NOT NULL,
  size         bigint NOT NULL,
  uploaded_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, name)
);
