-- What a later phase's prompt was told of the earlier phases (the digest the agent recorded), so
-- the step record shows why a plan, an impact analysis or a guide says what it says.
ALTER TABLE steps ADD COLUMN phase_digest text;
