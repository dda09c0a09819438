-- Replicas of one service on one host (docker-compose, `agentflow up --only` on a VM) share a name
-- and a host, so "the previous start" was often a sibling that is alive. A live process stamps
-- `heartbeat_at`; a start without `stopped_at` whose heartbeat went stale is one that crashed or
-- was killed. The start that reports a crashed predecessor claims it in `succeeded_by`, so one
-- crash is reported once, by one successor.
ALTER TABLE service_instances ADD COLUMN heartbeat_at timestamptz;
-- Rows from before this migration last showed life when they stopped or, if they never did, when
-- they started: a crashed one is stale at once instead of looking alive for a heartbeat window.
UPDATE service_instances SET heartbeat_at = coalesce(stopped_at, started_at);
ALTER TABLE service_instances ALTER COLUMN heartbeat_at SET DEFAULT now();
ALTER TABLE service_instances ALTER COLUMN heartbeat_at SET NOT NULL;
ALTER TABLE service_instances ADD COLUMN succeeded_by text;
CREATE INDEX service_instances_unclaimed_idx ON service_instances (name, host, started_at DESC)
  WHERE succeeded_by IS NULL;
