import type { ProvidersConfig } from '@agentflow/contracts';
import { PriceBook } from './price-book';

const config: ProvidersConfig = {
  providers: {
    anthropic: {
      kind: 'anthropic', dataClasses: ['internal'],
      models: { sonnet: { contextWindow: 200_000, prices: [{ effectiveFrom: '2025-01-01', inputPerMTok: 3, outputPerMTok: 15 }, { effectiveFrom: '2025-06-01', inputPerMTok: 2, outputPerMTok: 10 }] } },
    },
    openai: { kind: 'openai', dataClasses: ['internal'], models: { gpt: { contextWindow: 1000, prices: [{ effectiveFrom: '2025-01-01', inputPerMTok: 2, outputPerMTok: 8 }] } } },
  },
};

describe('PriceBook', () => {
  const book = new PriceBook(config);
  it('prices a call with the newest price not after it', () => {
    expect(book.price('anthropic', 'sonnet', Date.parse('2025-03-01'))?.inputPerMTok).toBe(3);
    expect(book.price('anthropic', 'sonnet', Date.parse('2025-06-01'))?.inputPerMTok).toBe(2);
    expect(book.price('anthropic', 'sonnet', Date.parse('2024-12-31'))).toBeUndefined();
  });
  it('prices cache reads and writes apart, with each vendor\'s defaults', () => {
    const usage = { inputTokens: 1_000_000, outputTokens: 0, cacheReadTokens: 1_000_000, cacheWriteTokens: 1_000_000 };
    // Anthropic: read 0.1x, write 1.25x of input.
    expect(book.cost('anthropic', 'sonnet', usage, Date.parse('2025-03-01'))).toBeCloseTo(3 + 0.3 + 3.75, 9);
    // OpenAI: read 0.5x, write 1x.
    expect(book.cost('openai', 'gpt', usage, Date.parse('2025-03-01'))).toBeCloseTo(2 + 1 + 2, 9);
  });
});
