import type { ProvidersConfig } from '@agentflow/contracts';
import { PriceBook } from './price-book';

const config: ProvidersConfig = {
  providers: {
    anthropic: {
      kind: 'anthropic',
      dataClasses: ['internal'],
      models: {
        sonnet: {
          contextWindow: 200_000,
          prices: [
            { effectiveFrom: '2025-01-01', inputPerMTok: 3, outputPerMTok: 15 },
            { effectiveFrom: '2025-06-01', inputPerMTok: 2, outputPerMTok: 10 },
          ],
        },
      },
    },
    openai: {
      kind: 'openai',
      dataClasses: ['internal'],
      models: {
        gpt: {
          contextWindow: 1000,
          prices: [{ effectiveFrom: '2025-01-01', inputPerMTok: 2, outputPerMTok: 8 }],
        },
      },
    },
  },
};

describe('PriceBook', () => {
  const book = new PriceBook(config);
  it('prices a call with the newest price not after it', () => {
    expect(book.price('anthropic', 'sonnet', Date.parse('2025-03-01'))?.inputPerMTok).toBe(3);
    expect(book.price('anthropic', 'sonnet', Date.parse('2025-06-01'))?.inputPerMTok).toBe(2);
    expect(book.price('anthropic', 'sonnet', Date.parse('2024-12-31'))).toBeUndefined();
  });
  it("prices cache reads and writes apart, with each vendor's defaults", () => {
    const usage = {
      inputTokens: 1_000_000,
      outputTokens: 0,
      cacheReadTokens: 1_000_000,
      cacheWriteTokens: 1_000_000,
    };
    // Anthropic: read 0.1x, write 1.25x of input.
    expect(book.cost('anthropic', 'sonnet', usage, Date.parse('2025-03-01'))).toBeCloseTo(3 + 0.3 + 3.75, 9);
    // OpenAI: read 0.5x, write 1x.
    expect(book.cost('openai', 'gpt', usage, Date.parse('2025-03-01'))).toBeCloseTo(2 + 1 + 2, 9);
  });

  describe('long prompts', () => {
    const long: ProvidersConfig = {
      providers: {
        anthropic: {
          kind: 'anthropic',
          dataClasses: ['internal'],
          models: {
            haiku: {
              contextWindow: 1_000_000,
              prices: [
                {
                  effectiveFrom: '2026-10-07',
                  inputPerMTok: 0.1,
                  outputPerMTok: 0.5,
                  cacheWritePerMTok: 0.125,
                  longContext: { aboveInputTokens: 100_000, inputPerMTok: 0.5, outputPerMTok: 2.5 },
                },
              ],
            },
          },
        },
      },
    };
    const priced = new PriceBook(long);
    const at = Date.parse('2026-12-07');

    it('a prompt up to the threshold is priced at the base prices', () => {
      expect(
        priced.cost(
          'anthropic',
          'haiku',
          { inputTokens: 100_000, outputTokens: 1_000_000, cacheReadTokens: 0, cacheWriteTokens: 0 },
          at,
        ),
      ).toBeCloseTo(0.01 + 0.5, 9);
    });

    it('a longer prompt, cached tokens counted, is priced wholly at the long-context prices; cache prices scale with input', () => {
      const usage = {
        inputTokens: 50_000,
        outputTokens: 1_000_000,
        cacheReadTokens: 40_000,
        cacheWriteTokens: 20_000,
      };
      // 5x input: cache read 0.01 -> 0.05, cache write 0.125 -> 0.625.
      const expected = (50_000 * 0.5 + 1_000_000 * 2.5 + 40_000 * 0.05 + 20_000 * 0.625) / 1e6;
      expect(priced.cost('anthropic', 'haiku', usage, at)).toBeCloseTo(expected, 9);
      const longPrice = priced.price('anthropic', 'haiku', at)?.longContext;
      expect(longPrice).toMatchObject({ aboveInputTokens: 100_000, inputPerMTok: 0.5, outputPerMTok: 2.5 });
      expect(longPrice?.cacheReadPerMTok).toBeCloseTo(0.05, 12);
      expect(longPrice?.cacheWritePerMTok).toBeCloseTo(0.625, 12);
    });

    it('the estimate before a long call reserves at the long-context price', () => {
      expect(priced.estimate('anthropic', 'haiku', 200_000, 1000, at)).toBeCloseTo(
        (200_000 * 0.5 + 1000 * 2.5) / 1e6,
        9,
      );
    });
  });
});
