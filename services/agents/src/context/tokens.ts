/**
 * Token estimates for fitting a prompt into a model's window. `gpt-tokenizer` (o200k) is exact for
 * OpenAI models and close for Anthropic's (within ~10-15% on code); the budget keeps a margin for that.
 */
import { countTokens } from 'gpt-tokenizer';

export interface TokenCounter {
  count(text: string): number;
}

/** Counts with the o200k encoding, with a safety margin for other vendors' tokenizers. */
export class BpeTokenCounter implements TokenCounter {
  constructor(private readonly margin = 1.15) {}
  count(text: string): number {
    if (!text) return 0;
    return Math.ceil(countTokens(text) * this.margin);
  }
}

/** Known context windows by model id prefix (tokens); the step's options can override. */
const CONTEXT_WINDOWS: Array<[RegExp, number]> = [
  [/^claude-(opus|sonnet)-4/, 200_000],
  [/^claude/, 200_000],
  [/^gpt-4\.1/, 1_000_000],
  [/^gpt-5/, 400_000],
  [/^gpt-4o/, 128_000],
  [/^o[134]/, 200_000],
  [/^gemini/, 1_000_000],
];

/** @default 128000 for an unknown model */
export function contextWindowOf(model: string): number {
  for (const [pattern, size] of CONTEXT_WINDOWS) if (pattern.test(model)) return size;
  return 128_000;
}
