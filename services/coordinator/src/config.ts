/** The coordinator's settings, read and validated once at start-up from the environment. */
import { ConfigError } from '@agentflow/contracts';
import { crashHookFromEnv, type CrashHook } from './crash-points';

export interface CoordinatorConfig {
  /** Messages handled at once per consumer. @default 64 (env COORDINATOR_CONCURRENCY) */
  concurrency: number;
  /** Pending commands older than this are re-published by the sweeper. @default 3000 (env COORDINATOR_SWEEP_AFTER_MS) */
  sweepAfterMs: number;
  /** How often the sweeper looks. @default 1000 (env COORDINATOR_SWEEP_INTERVAL_MS) */
  sweepIntervalMs: number;
  /** Ack wait of the coordinator's consumers: how soon a message held by a replica that died goes to another. @default 30000 (env COORDINATOR_ACK_WAIT_MS) */
  ackWaitMs: number;
  /** A timer is nak'ed for at most this long before it is looked at again. @default 30000 */
  maxTimerNakMs: number;
  /** Deferred steps retried at once across the deployment after an outage. @default 4 (env COORDINATOR_DEFERRED_CONCURRENCY) */
  deferredConcurrency: number;
  /** Shortest wait before a deferred step is retried. @default 30000 (env COORDINATOR_MIN_DEFER_MS) */
  minDeferMs: number;
  /**
   * Backoff before the retry of a transient step failure (`gateway_unavailable`, `timeout`,
   * `agent_crashed`): the n-th retry waits half to all of `min(max, base * 2^(n-1))`.
   * @default 5000 and 60000 (env COORDINATOR_RETRY_BACKOFF_MS, 0 = retry at once; COORDINATOR_RETRY_BACKOFF_MAX_MS)
   */
  retryBackoff: { baseMs: number; maxMs: number };
  /**
   * An ended run's record is removed from the `runs` bucket this long after it ended: its report
   * is in PostgreSQL and its events in the HISTORY stream. @default 7 days (env COORDINATOR_KEEP_ENDED_RUNS_MS)
   */
  keepEndedRunsMs: number;
  /** How often ended runs and stale early-cancel marks are looked for. @default 1 hour (env COORDINATOR_RETENTION_INTERVAL_MS; 0 = off) */
  retentionIntervalMs: number;
  crash: CrashHook;
}

function int(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  fallback: number,
  min = 0,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new ConfigError(`${name}=${raw} must be an integer >= ${min}`);
  return value;
}

export function readCoordinatorConfig(env: Readonly<Record<string, string | undefined>>): CoordinatorConfig {
  return {
    concurrency: int(env, 'COORDINATOR_CONCURRENCY', 64, 1),
    sweepAfterMs: int(env, 'COORDINATOR_SWEEP_AFTER_MS', 3000, 1),
    sweepIntervalMs: int(env, 'COORDINATOR_SWEEP_INTERVAL_MS', 1000, 10),
    ackWaitMs: int(env, 'COORDINATOR_ACK_WAIT_MS', 30_000, 100),
    maxTimerNakMs: 30_000,
    deferredConcurrency: int(env, 'COORDINATOR_DEFERRED_CONCURRENCY', 4, 1),
    minDeferMs: int(env, 'COORDINATOR_MIN_DEFER_MS', 30_000, 1),
    retryBackoff: {
      baseMs: int(env, 'COORDINATOR_RETRY_BACKOFF_MS', 5_000, 0),
      maxMs: int(env, 'COORDINATOR_RETRY_BACKOFF_MAX_MS', 60_000, 0),
    },
    keepEndedRunsMs: int(env, 'COORDINATOR_KEEP_ENDED_RUNS_MS', 7 * 86_400_000, 60_000),
    retentionIntervalMs: int(env, 'COORDINATOR_RETENTION_INTERVAL_MS', 3_600_000, 0),
    crash: crashHookFromEnv(env.AF_CRASH_AT),
  };
}
