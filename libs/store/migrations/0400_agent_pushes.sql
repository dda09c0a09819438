-- Pushes of proposed files by the test runner, for the per-repository daily cap (each push costs the team CI minutes).
CREATE TABLE IF NOT EXISTS agent_pushes (
  run_id text PRIMARY KEY,
  repo text NOT NULL,
  day date NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS agent_pushes_repo_day ON agent_pushes (repo, day);
