-- The gateway's audit trail: one row per vendor call and per refused request. Where code went
-- (provider, region, model), what was sent by path and hash (never content), redaction counts,
-- the vendor's request id and the policy decision. Append-only: updates and deletes are refused.
CREATE TABLE gateway_audit (
  id                 text PRIMARY KEY,
  occurred_at        timestamptz NOT NULL,
  request_id         text NOT NULL,
  repo               text,
  pr                 integer,
  commit_sha         text,
  run_id             text,
  provider           text NOT NULL,
  region             text,
  retention          text,
  model              text NOT NULL,
  data_class         text NOT NULL,
  -- [{"path": ..., "sha256": ...}] of what the request carried from the repository.
  paths              jsonb NOT NULL DEFAULT '[]'::jsonb,
  secrets_redacted   integer NOT NULL DEFAULT 0,
  emails_redacted    integer NOT NULL DEFAULT 0,
  vendor_request_id  text,
  -- 'allowed' or 'denied:<rule>'.
  decision           text NOT NULL,
  outcome            text NOT NULL
);
CREATE INDEX gateway_audit_time_idx ON gateway_audit (occurred_at);
CREATE INDEX gateway_audit_repo_idx ON gateway_audit (repo, occurred_at);
CREATE INDEX gateway_audit_run_idx ON gateway_audit (run_id) WHERE run_id IS NOT NULL;

CREATE FUNCTION gateway_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'gateway_audit is append-only: % refused', TG_OP;
END;
$$;
CREATE TRIGGER gateway_audit_no_change BEFORE UPDATE OR DELETE ON gateway_audit
  FOR EACH ROW EXECUTE FUNCTION gateway_audit_append_only();
