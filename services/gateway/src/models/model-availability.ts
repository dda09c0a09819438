/**
 * Which configured models the gateway must not call, and why: a model past its `retiresOn` (the
 * vendor refuses it from that day), or one the account's model list lacks (the last account
 * check). The router asks it per target and sends the step to the model's declared replacement,
 * else on along the chain.
 */
import type { ProvidersConfig } from '@agentflow/contracts';
import type { Clock } from '../shared/clock';

export type ModelOffReason = 'model_retired' | 'model_not_in_account';

export interface ModelOff {
  reason: ModelOffReason;
  /** One line for logs, attempts and the audit trail: what is off and what to do. */
  message: string;
}

export interface OffModel extends ModelOff {
  provider: string;
  model: string;
  /** The declared replacement that serves it, when that one is on. */
  servedBy?: string;
}

export class ModelAvailability {
  /** provider -> model -> message, from the newest account check of that provider. */
  private readonly missing = new Map<string, Map<string, string>>();

  constructor(
    private readonly config: ProvidersConfig,
    private readonly clock: Clock,
  ) {}

  /** Replaces what the account check found for `provider`: the configured models its account lacks. */
  setAccountMissing(provider: string, models: ReadonlyMap<string, string>): void {
    this.missing.set(provider, new Map(models));
  }

  /** Why `model` of `provider` must not be called now, or undefined when it may. */
  off(provider: string, model: string): ModelOff | undefined {
    const config = this.config.providers[provider]?.models[model];
    const retiresOn = config?.retiresOn;
    if (retiresOn && retiresOn <= new Date(this.clock.now()).toISOString().slice(0, 10)) {
      return {
        reason: 'model_retired',
        message: `${provider}/${model} retired on ${retiresOn}; the vendor refuses it`,
      };
    }
    const lacking = this.missing.get(provider)?.get(model);
    if (lacking !== undefined) return { reason: 'model_not_in_account', message: lacking };
    return undefined;
  }

  /** The declared replacement of a model, when it is configured and on. */
  replacement(provider: string, model: string): string | undefined {
    const replacement = this.config.providers[provider]?.models[model]?.replacement;
    if (!replacement || !this.config.providers[provider]?.models[replacement]) return undefined;
    return this.off(provider, replacement) ? undefined : replacement;
  }

  /** Every configured model that is off now, with what serves it instead. */
  offModels(): OffModel[] {
    const out: OffModel[] = [];
    for (const [provider, p] of Object.entries(this.config.providers)) {
      if (p.enabled === false) continue;
      for (const model of Object.keys(p.models)) {
        const off = this.off(provider, model);
        if (off)
          out.push({
            provider,
            model,
            ...off,
            ...(this.replacement(provider, model) ? { servedBy: this.replacement(provider, model) } : {}),
          });
      }
    }
    return out;
  }

  /** What `/ready` lists beside its checks (informational: the gateway still serves), or undefined. */
  readinessNote(): string | undefined {
    const off = this.offModels();
    if (off.length === 0) return undefined;
    return off
      .map(
        (m) =>
          `${m.provider}/${m.model} off (${m.reason === 'model_retired' ? 'retired' : 'not in the account'})${m.servedBy ? `, served by ${m.servedBy}` : ', the next model of the chain serves its steps'}`,
      )
      .join('; ');
  }
}
