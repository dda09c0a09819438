-- Gateway detail on the cost ledger: how much of a row's cost was waste (the extra of a fallback
-- over the first choice, a failed attempt, a superseded run), which gateway request it belongs to,
-- and the date of the price used, so a later price change never rewrites history.
ALTER TABLE cost_ledger ADD COLUMN waste_usd numeric(14, 6) NOT NULL DEFAULT 0 CHECK (waste_usd >= 0);
ALTER TABLE cost_ledger ADD COLUMN gateway_request_id text;
ALTER TABLE cost_ledger ADD COLUMN price_effective_from date;
CREATE INDEX cost_ledger_waste_idx ON cost_ledger (waste_kind, occurred_at) WHERE waste_kind IS NOT NULL;
