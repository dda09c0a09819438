/**
 * Prices per provider and model with the date each took effect; a call is priced with the newest
 * price not after the call. Cache reads and writes have their own prices (defaults by vendor, as
 * documented on `ModelPrice`), and each token is priced once: `inputTokens` excludes cached ones.
 * A request whose prompt is longer than a price's `longContext.aboveInputTokens` is priced wholly
 * at the long-context prices, as the vendors bill it.
 */
import { vendorWire, type ModelPrice, type ProviderKind, type ProvidersConfig } from '@agentflow/contracts';
import type { TokenCounts } from '../providers/chat-provider';

export interface ResolvedPrice {
  inputPerMTok: number;
  outputPerMTok: number;
  cacheReadPerMTok: number;
  cacheWritePerMTok: number;
  effectiveFrom: string;
  /** Prices of a request whose prompt is longer than `aboveInputTokens` (every token at them). */
  longContext?: Omit<ResolvedPrice, 'effectiveFrom' | 'longContext'> & { aboveInputTokens: number };
}

function isAnthropic(kind: ProviderKind): boolean {
  return vendorWire(kind) === 'anthropic';
}

export class PriceBook {
  /** The last price resolved per provider and model, with the UTC day it holds for: asked three times a request. */
  private readonly resolved = new Map<string, { dayStart: number; price: ResolvedPrice | undefined }>();

  constructor(private readonly config: ProvidersConfig) {}

  /** The price in force at `at` (epoch ms), or undefined when the model has none that early. */
  price(provider: string, model: string, at: number): ResolvedPrice | undefined {
    const key = `${provider}\u0000${model}`;
    const dayStart = at - (at % 86_400_000);
    const hit = this.resolved.get(key);
    if (hit && hit.dayStart === dayStart) return hit.price;
    const price = this.resolve(provider, model, at);
    this.resolved.set(key, { dayStart, price });
    return price;
  }

  private resolve(provider: string, model: string, at: number): ResolvedPrice | undefined {
    const p = this.config.providers[provider];
    const prices: ModelPrice[] | undefined = p?.models[model]?.prices;
    if (!p || !prices?.length) return undefined;
    const day = new Date(at).toISOString().slice(0, 10);
    const inForce = prices
      .filter((x) => x.effectiveFrom <= day)
      .sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? 1 : -1))[0];
    if (!inForce) return undefined;
    const anthropic = isAnthropic(p.kind);
    const base = {
      inputPerMTok: inForce.inputPerMTok,
      outputPerMTok: inForce.outputPerMTok,
      cacheReadPerMTok: inForce.cacheReadPerMTok ?? inForce.inputPerMTok * (anthropic ? 0.1 : 0.5),
      cacheWritePerMTok: inForce.cacheWritePerMTok ?? inForce.inputPerMTok * (anthropic ? 1.25 : 1),
    };
    const long = inForce.longContext;
    // Cache prices of a long request keep the base ratio to input unless the vendor lists them.
    const scale = long && base.inputPerMTok > 0 ? long.inputPerMTok / base.inputPerMTok : 1;
    return {
      ...base,
      effectiveFrom: inForce.effectiveFrom,
      ...(long
        ? {
            longContext: {
              aboveInputTokens: long.aboveInputTokens,
              inputPerMTok: long.inputPerMTok,
              outputPerMTok: long.outputPerMTok,
              cacheReadPerMTok: long.cacheReadPerMTok ?? base.cacheReadPerMTok * scale,
              cacheWritePerMTok: long.cacheWritePerMTok ?? base.cacheWritePerMTok * scale,
            },
          }
        : {}),
    };
  }

  /** USD for `usage` at `at`. A model without a price costs 0 here and is flagged by the caller. */
  cost(provider: string, model: string, usage: TokenCounts, at: number): number {
    const resolved = this.price(provider, model, at);
    if (!resolved) return 0;
    const prompt = usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
    const price =
      resolved.longContext && prompt > resolved.longContext.aboveInputTokens
        ? resolved.longContext
        : resolved;
    const usd =
      (usage.inputTokens * price.inputPerMTok +
        usage.outputTokens * price.outputPerMTok +
        usage.cacheReadTokens * price.cacheReadPerMTok +
        usage.cacheWriteTokens * price.cacheWritePerMTok) /
      1_000_000;
    return Math.round(usd * 1e9) / 1e9;
  }

  /** Upper-bound estimate before the call: the prompt's tokens at the input price, plus every allowed output token. */
  estimate(provider: string, model: string, promptTokens: number, maxTokens: number, at: number): number {
    return this.cost(
      provider,
      model,
      { inputTokens: promptTokens, outputTokens: maxTokens, cacheReadTokens: 0, cacheWriteTokens: 0 },
      at,
    );
  }
}

/**
 * Tokens a prompt will take, on the high side (about three characters a token, where vendors
 * average nearer four on code), so reservations cover the real cost.
 */
export function estimatePromptTokens(
  system: string | undefined,
  messages: ReadonlyArray<{ content: string }>,
): number {
  let chars = system?.length ?? 0;
  for (const m of messages) chars += m.content.length + 8;
  return Math.ceil(chars / 3) + 16;
}
