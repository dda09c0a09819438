/**
 * Token estimates for fitting a prompt into a model's window. `gpt-tokenizer` (o200k) is exact for
 * OpenAI models and close for Anthropic's (within ~10-15% on code); the budget keeps a margin for that.
 */
import { countTokens } from 'gpt-tokenizer';

export interface TokenCounter {
  count(text: string): number;
}

/** Texts shorter than this are counted every time: the lookup would cost about as much. */
const REMEMBER_FROM_CHARS = 256;
/** Longer texts are counted every time too: holding them would cost more memory than counting saves time. */
const REMEMBER_UP_TO_CHARS = 256 * 1024;
/** Characters of remembered texts held at most (about twice as many bytes). */
const REMEMBERED_CHARS = 8 * 1024 * 1024;

/**
 * Counts with the o200k encoding, with a safety margin for other vendors' tokenizers. The same
 * texts come back task after task (each agent's system prompt, the diff every step of a run sees),
 * so the counts of the last `remembered` longer texts are kept.
 */
export class BpeTokenCounter implements TokenCounter {
  private readonly counts = new Map<string, number>();
  private chars = 0;

  /** @param remembered texts whose counts are kept, least recently used dropped first. @default 512 */
  constructor(
    private readonly margin = 1.15,
    private readonly remembered = 512,
  ) {}

  count(text: string): number {
    if (!text) return 0;
    if (text.length < REMEMBER_FROM_CHARS || text.length > REMEMBER_UP_TO_CHARS)
      return Math.ceil(countTokens(text) * this.margin);
    const known = this.counts.get(text);
    if (known !== undefined) {
      this.counts.delete(text);
      this.counts.set(text, known);
      return known;
    }
    const counted = Math.ceil(countTokens(text) * this.margin);
    this.counts.set(text, counted);
    this.chars += text.length;
    while (this.counts.size > this.remembered || this.chars > REMEMBERED_CHARS) {
      const oldest = this.counts.keys().next().value!;
      this.counts.delete(oldest);
      this.chars -= oldest.length;
    }
    return counted;
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
