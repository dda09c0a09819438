/**
 * `workflows/gateway.yml`: budgets, policy, tiers and the gateway's own tuning. Read and checked
 * once at start-up; every field has a default so an empty file is a working gateway.
 */
import { ConfigError } from '@agentflow/contracts';

export type BudgetScope = 'global' | 'team' | 'project' | 'repo' | 'workflow';
export type BudgetPeriod = 'day' | 'month';
export type Tier = 'simple' | 'medium' | 'complex';
export const TIERS: readonly Tier[] = ['simple', 'medium', 'complex'];

export interface BudgetRule {
  scope: BudgetScope;
  /** The project/workflow/... name, or `*` for each one separately. Absent for `global`. */
  key?: string;
  period: BudgetPeriod;
  limitUsd: number;
}

export interface GatewaySettings {
  budgets: BudgetRule[];
  /** Fractions of a budget at which an alert is raised once per period. @default [0.5, 0.8, 1] */
  alertThresholds: number[];
  /** Size of one budget lease a replica takes from the shared budget, USD. Overshoot is at most one lease. @default 0.5 */
  budgetLeaseUsd: number;
  /** Fraction of a per-minute limit one replica leases at a time. @default 0.1 */
  rateLeaseFraction: number;
  /** Below this fraction of budget left, requests drop one complexity tier. @default 0.2 */
  downgradeBelow: number;
  cache: {
    /** @default 86400 */
    ttlSeconds: number;
    /** Entries kept in memory per replica. @default 10000 */
    maxLocalEntries: number;
  };
  retry: {
    /** Calls to one provider+model before moving along the chain. @default 3 */
    maxAttemptsPerProvider: number;
    /** @default 250 */
    baseDelayMs: number;
    /** @default 8000 */
    maxDelayMs: number;
  };
  breaker: {
    /** Consecutive outage failures that open the breaker. @default 5 */
    failureThreshold: number;
    /** How long it stays open before one probe is let through. @default 30000 */
    cooldownMs: number;
  };
  policy: {
    /** Globs never sent, added to the security-owned list (GATEWAY_POLICY_FILE) and the defaults. */
    neverSent: string[];
    /** Start in rules-only mode (no vendor calls). The KV switch or the policy file can change it at run time. @default false */
    rulesOnly: boolean;
  };
  /** Expected gateway replicas: per-replica share of a provider's `concurrency`. @default 1 */
  replicas: number;
}

export const DEFAULT_SETTINGS: GatewaySettings = {
  budgets: [],
  alertThresholds: [0.5, 0.8, 1],
  budgetLeaseUsd: 0.5,
  rateLeaseFraction: 0.1,
  downgradeBelow: 0.2,
  cache: { ttlSeconds: 86_400, maxLocalEntries: 10_000 },
  retry: { maxAttemptsPerProvider: 3, baseDelayMs: 250, maxDelayMs: 8_000 },
  breaker: { failureThreshold: 5, cooldownMs: 30_000 },
  policy: { neverSent: [], rulesOnly: false },
  replicas: 1,
};

function num(value: unknown, path: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min)
    throw new ConfigError(`gateway.yml ${path}: expected a number >= ${min}, got ${JSON.stringify(value)}`);
  return value;
}

/** Checks a parsed gateway.yml (`gateway:` section or the object itself) and fills defaults. */
export function readGatewaySettings(raw: unknown): GatewaySettings {
  const root =
    (raw && typeof raw === 'object' && 'gateway' in raw ? (raw as { gateway: unknown }).gateway : raw) ?? {};
  if (typeof root !== 'object') throw new ConfigError('gateway.yml: expected a mapping under `gateway:`');
  const r = root as Record<string, Record<string, unknown> | undefined> & Record<string, unknown>;
  const budgets = ((r.budgets as unknown[] | undefined) ?? []).map((b, i): BudgetRule => {
    const rule = b as Record<string, unknown>;
    const scope = rule.scope as BudgetScope;
    if (!['global', 'team', 'project', 'repo', 'workflow'].includes(scope))
      throw new ConfigError(`gateway.yml budgets[${i}].scope: one of global, team, project, repo, workflow`);
    if (rule.period !== 'day' && rule.period !== 'month')
      throw new ConfigError(`gateway.yml budgets[${i}].period: day or month`);
    if (scope !== 'global' && typeof rule.key !== 'string')
      throw new ConfigError(`gateway.yml budgets[${i}].key: the ${scope} name, or "*" for each ${scope}`);
    return {
      scope,
      key: scope === 'global' ? undefined : String(rule.key),
      period: rule.period,
      limitUsd: num(rule.limitUsd, `budgets[${i}].limitUsd`, NaN),
    };
  });
  const d = DEFAULT_SETTINGS;
  const policy = (r.policy ?? {}) as Record<string, unknown>;
  return {
    budgets,
    alertThresholds: Array.isArray(r.alertThresholds)
      ? (r.alertThresholds as number[]).map((t, i) => num(t, `alertThresholds[${i}]`, 0))
      : d.alertThresholds,
    budgetLeaseUsd: num(r.budgetLeaseUsd, 'budgetLeaseUsd', d.budgetLeaseUsd, 0.0001),
    rateLeaseFraction: num(r.rateLeaseFraction, 'rateLeaseFraction', d.rateLeaseFraction, 0.001),
    downgradeBelow: num(r.downgradeBelow, 'downgradeBelow', d.downgradeBelow),
    cache: {
      ttlSeconds: num(r.cache?.ttlSeconds, 'cache.ttlSeconds', d.cache.ttlSeconds, 1),
      maxLocalEntries: num(r.cache?.maxLocalEntries, 'cache.maxLocalEntries', d.cache.maxLocalEntries, 1),
    },
    retry: {
      maxAttemptsPerProvider: num(
        r.retry?.maxAttemptsPerProvider,
        'retry.maxAttemptsPerProvider',
        d.retry.maxAttemptsPerProvider,
        1,
      ),
      baseDelayMs: num(r.retry?.baseDelayMs, 'retry.baseDelayMs', d.retry.baseDelayMs),
      maxDelayMs: num(r.retry?.maxDelayMs, 'retry.maxDelayMs', d.retry.maxDelayMs),
    },
    breaker: {
      failureThreshold: num(
        r.breaker?.failureThreshold,
        'breaker.failureThreshold',
        d.breaker.failureThreshold,
        1,
      ),
      cooldownMs: num(r.breaker?.cooldownMs, 'breaker.cooldownMs', d.breaker.cooldownMs, 1),
    },
    policy: {
      neverSent: Array.isArray(policy.neverSent)
        ? (policy.neverSent as unknown[]).map(String)
        : d.policy.neverSent,
      rulesOnly: policy.rulesOnly === true,
    },
    replicas: num(r.replicas, 'replicas', d.replicas, 1),
  };
}
