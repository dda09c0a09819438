/**
 * Budgets per day and month, globally and per team, project, repository or workflow. A request
 * reserves its estimated cost from every budget that applies before the vendor is called and
 * settles with the real cost after; the reservation comes from a slice leased from NATS KV, so the
 * hot path never waits on the network while the slice lasts.
 */
import type { Attribution } from '@agentflow/contracts';
import type { KeyValueStore } from '@agentflow/bus';
import type { BudgetRule, GatewaySettings } from '../config/gateway-settings';
import { BudgetExceeded } from '../errors';
import type { Clock } from '../shared/clock';
import {
  AllowanceExhausted,
  LeasedAllowance,
  type AllowanceRecord,
  type Reservation,
} from '../shared/leased-allowance';
import { keyToken, windowAt } from '../shared/windows';

/** Raised once per budget, period and threshold across all replicas. */
export interface BudgetAlert {
  budget: string;
  threshold: number;
  spentUsd: number;
  limitUsd: number;
  period: string;
}

export type BudgetAlertSink = (alert: BudgetAlert) => void;

export interface BudgetTicket {
  readonly parts: Array<{ allowance: LeasedAllowance; reservation: Reservation }>;
}

function attributionValue(rule: BudgetRule, a: Attribution): string | undefined {
  switch (rule.scope) {
    case 'global':
      return 'all';
    case 'team':
      return a.team;
    case 'project':
      return a.project;
    case 'repo':
      return a.repo;
    case 'workflow':
      return a.workflow;
  }
}

export class BudgetGuard {
  private readonly allowances = new Map<string, LeasedAllowance>();

  constructor(
    private readonly kv: KeyValueStore,
    private readonly settings: Pick<GatewaySettings, 'budgets' | 'budgetLeaseUsd' | 'alertThresholds'>,
    private readonly clock: Clock,
    private readonly onAlert: BudgetAlertSink,
    private readonly onError: (e: unknown) => void = () => undefined,
  ) {}

  /** The budgets that apply to a request, as `scope:name:period` labels with their allowances. */
  private applicable(a: Attribution): Array<{ label: string; allowance: LeasedAllowance }> {
    const out: Array<{ label: string; allowance: LeasedAllowance }> = [];
    for (const rule of this.settings.budgets) {
      const value = attributionValue(rule, a);
      if (value === undefined) continue;
      if (rule.scope !== 'global' && rule.key !== '*' && rule.key !== value) continue;
      const label = `${rule.scope}:${value}:${rule.period}`;
      let allowance = this.allowances.get(label);
      if (!allowance) {
        allowance = new LeasedAllowance({
          kv: this.kv,
          key: `budget.${rule.scope}.${keyToken(value)}.${rule.period}`,
          limit: rule.limitUsd,
          leaseSize: Math.min(this.settings.budgetLeaseUsd, rule.limitUsd),
          window: (now) => windowAt(rule.period, now),
          clock: this.clock,
          thresholds: this.settings.alertThresholds,
          trackSpent: true,
          onThresholds: (crossed: number[], record: AllowanceRecord, windowId: string) => {
            for (const threshold of crossed)
              this.onAlert({
                budget: label,
                threshold,
                spentUsd: record.spent,
                limitUsd: record.limit,
                period: windowId,
              });
          },
          onError: this.onError,
        });
        this.allowances.set(label, allowance);
      }
      out.push({ label, allowance });
    }
    return out;
  }

  /** Reserves `estimateUsd` from every applicable budget, or throws {@link BudgetExceeded} naming the first that has no room. */
  async reserve(attribution: Attribution, estimateUsd: number): Promise<BudgetTicket> {
    const parts: BudgetTicket['parts'] = [];
    for (const { label, allowance } of this.applicable(attribution)) {
      try {
        parts.push({ allowance, reservation: await allowance.reserve(estimateUsd, true) });
      } catch (error) {
        for (const p of parts) p.allowance.settle(p.reservation, 0);
        if (error instanceof AllowanceExhausted) {
          // "Spent" only when it is: a budget with room left, only not enough for this one request,
          // says how much is left and what the request needs, so the caller can make it smaller.
          const leftUsd = allowance.remainingFraction() * allowance.limit;
          const tooLarge =
            allowance.limit > 0 && (estimateUsd > allowance.limit || leftUsd >= allowance.limit * 0.01);
          throw new BudgetExceeded(
            label,
            error.retryAt,
            tooLarge ? { estimateUsd, leftUsd, limitUsd: allowance.limit } : undefined,
          );
        }
        throw error;
      }
    }
    return { parts };
  }

  settle(ticket: BudgetTicket, actualUsd: number): void {
    for (const p of ticket.parts) p.allowance.settle(p.reservation, actualUsd);
  }

  /** Counts spend that was never reserved here (a job reserved by a replica that has since restarted) against every budget that applies. */
  charge(attribution: Attribution, usd: number): void {
    for (const { allowance } of this.applicable(attribution)) allowance.charge(usd);
  }

  /** The smallest fraction left of any budget that applies (1 when none does). */
  remainingFraction(attribution: Attribution): number {
    let min = 1;
    for (const { allowance } of this.applicable(attribution))
      min = Math.min(min, allowance.remainingFraction());
    return min;
  }

  /**
   * Every budget a request has touched in this process, with its limit and what is committed of
   * it (spent or leased out) as this replica last saw the shared record: what `/metrics` shows.
   */
  snapshot(): Array<{ budget: string; limitUsd: number; committedUsd: number }> {
    return [...this.allowances].map(([budget, allowance]) => ({
      budget,
      limitUsd: allowance.limit,
      committedUsd: allowance.limit * (1 - allowance.remainingFraction()),
    }));
  }

  /** Writes every replica-local spend to the shared records (shutdown, tests). */
  async flush(): Promise<void> {
    await Promise.all([...this.allowances.values()].map((a) => a.flush()));
  }

  /** Shared record of a budget's current period, by `scope:name:period` label. */
  async record(label: string): Promise<AllowanceRecord | null> {
    return (await this.allowances.get(label)?.record()) ?? null;
  }
}
