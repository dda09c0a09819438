/**
 * Prices a Batch API answer: the model's price in force at the time, less the price's
 * `batchDiscount` (default 0.5, what both Anthropic and OpenAI give for batches).
 */
import type { BatchItem, ProvidersConfig } from '@agentflow/contracts';
import { estimatePromptTokens, PriceBook } from '../cost/price-book';
import type { TokenCounts } from '../providers/chat-provider';

export const DEFAULT_BATCH_DISCOUNT = 0.5;

export class BatchPricer {
  private readonly book: PriceBook;

  constructor(private readonly config: ProvidersConfig) {
    this.book = new PriceBook(config);
  }

  discount(provider: string, model: string, at: number): number {
    const day = new Date(at).toISOString().slice(0, 10);
    const inForce = (this.config.providers[provider]?.models[model]?.prices ?? [])
      .filter((p) => p.effectiveFrom <= day)
      .sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? 1 : -1))[0];
    return inForce?.batchDiscount ?? DEFAULT_BATCH_DISCOUNT;
  }

  /** Upper bound for a batch before it is sent: each request's prompt and every allowed output token, at the batch rate. */
  estimate(provider: string, items: readonly BatchItem[], at: number): number {
    let usd = 0;
    for (const item of items) {
      const inputTokens = estimatePromptTokens(item.system, item.messages);
      usd += this.cost(
        provider,
        item.model,
        { inputTokens, outputTokens: item.maxTokens, cacheReadTokens: 0, cacheWriteTokens: 0 },
        at,
      );
    }
    return Math.round(usd * 1e9) / 1e9;
  }

  cost(provider: string, model: string, usage: TokenCounts, at: number): number {
    const full = this.book.cost(provider, model, usage, at);
    return Math.round(full * (1 - this.discount(provider, model, at)) * 1e9) / 1e9;
  }
}
