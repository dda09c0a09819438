-- Every start of an agentflow process (a service replica or `agentflow up`) and whether it stopped
-- cleanly: the operator sees at start-up if the last run on this host crashed, and support can
-- tell which releases ran against a database.
CREATE TABLE service_instances (
  id           text PRIMARY KEY,
  -- `agentflow` for `agentflow up`, else the service name.
  name         text NOT NULL,
  services     text[] NOT NULL,
  host         text NOT NULL,
  pid          integer NOT NULL,
  bus          text NOT NULL CHECK (bus IN ('jetstream', 'embedded')),
  started_at   timestamptz NOT NULL DEFAULT now(),
  -- Set by a graceful shutdown; NULL after a crash or SIGKILL (or while running).
  stopped_at   timestamptz,
  stop_reason  text
);
CREATE INDEX service_instances_host_idx ON service_instances (name, host, started_at DESC);
