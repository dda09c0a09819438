/**
 * Chooses the models actually called. A request's complexity picks the cheapest tier that serves
 * it (a `simple` request does not need the provider's `complex` model); when a budget that applies
 * runs low, every target drops one tier more. Retired models map to their successors. After a
 * context-length error it names the models with a larger window.
 */
import type { ProviderTarget, ProvidersConfig } from '@agentflow/contracts';
import { TIERS, type Tier } from '../config/gateway-settings';
import type { ModelAvailability, ModelOff } from '../models/model-availability';

/** Told about a target the router would not call: the model is off; `instead` serves it, or none does. */
export type OnModelOff = (target: ProviderTarget, off: ModelOff, instead: ProviderTarget | undefined) => void;

export interface RoutedTarget extends ProviderTarget {
  /** Why it differs from what was asked: `retired`, `tier`, `budget-low`, `larger-window`, `model_retired`, `model_not_in_account`. */
  reason?: string;
}

export class ModelRouter {
  constructor(
    private readonly config: ProvidersConfig,
    private readonly downgradeBelow: number,
    /** Models that must not be called (retired by date, missing from the account); none when absent. */
    private readonly availability?: ModelAvailability,
  ) {}

  tierOf(provider: string, model: string): Tier | undefined {
    return this.config.providers[provider]?.models[model]?.tier;
  }

  contextWindow(provider: string, model: string): number {
    return this.config.providers[provider]?.models[model]?.contextWindow ?? 0;
  }

  route(
    chain: ProviderTarget[],
    complexity: Tier | undefined,
    budgetLeft: number,
    onOff?: OnModelOff,
  ): RoutedTarget[] {
    const low = budgetLeft < this.downgradeBelow;
    const out: RoutedTarget[] = [];
    const seen = new Set<string>();
    for (const target of chain) {
      const provider = this.config.providers[target.provider];
      let model = target.model;
      let reason: string | undefined;
      const successor = provider?.retired?.[model];
      if (successor) {
        model = successor;
        reason = 'retired';
      }
      const off = this.availability?.off(target.provider, model);
      if (off) {
        const instead = this.availability!.replacement(target.provider, model);
        onOff?.(
          { provider: target.provider, model },
          off,
          instead ? { provider: target.provider, model: instead } : undefined,
        );
        if (!instead) continue;
        model = instead;
        reason = off.reason;
      }
      const current = this.tierOf(target.provider, model);
      let wanted: Tier | undefined = complexity ?? current;
      if (wanted && low) wanted = TIERS[Math.max(0, TIERS.indexOf(wanted) - 1)];
      if (provider && wanted && current && TIERS.indexOf(wanted) < TIERS.indexOf(current)) {
        const cheaper = Object.entries(provider.models).find(
          ([name, m]) => m.tier === wanted && !this.availability?.off(target.provider, name),
        )?.[0];
        if (cheaper) {
          model = cheaper;
          reason = low ? 'budget-low' : 'tier';
        }
      }
      const key = `${target.provider}/${model}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ provider: target.provider, model, ...(reason ? { reason } : {}) });
    }
    return out;
  }

  /**
   * Models with a window larger than `window` the request may use: the same provider first, then
   * others that accept the data class, smallest sufficient window first (the cheapest fit).
   */
  largerWindow(
    from: ProviderTarget,
    window: number,
    dataClass: string,
    exclude: ReadonlySet<string>,
  ): RoutedTarget[] {
    const candidates: Array<{ target: RoutedTarget; window: number; same: boolean }> = [];
    for (const [name, provider] of Object.entries(this.config.providers)) {
      if (provider.enabled === false || !provider.dataClasses.includes(dataClass)) continue;
      for (const [model, m] of Object.entries(provider.models)) {
        if (
          m.contextWindow <= window ||
          exclude.has(`${name}/${model}`) ||
          this.availability?.off(name, model)
        )
          continue;
        candidates.push({
          target: { provider: name, model, reason: 'larger-window' },
          window: m.contextWindow,
          same: name === from.provider,
        });
      }
    }
    candidates.sort((a, b) => Number(b.same) - Number(a.same) || a.window - b.window);
    return candidates.map((c) => c.target);
  }
}
