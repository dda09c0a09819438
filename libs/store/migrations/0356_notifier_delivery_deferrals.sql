-- Deliveries of one (sink, target, run, kind) that ended because the platform asked to wait (a
-- rate limit's Retry-After or reset) rather than because the call failed. They are not counted
-- against NOTIFIER_MAX_ATTEMPTS: a rate limit that outlasts a few redeliveries must delay a
-- review comment, never drop it.
ALTER TABLE notifier_deliveries ADD COLUMN deferrals integer NOT NULL DEFAULT 0;
