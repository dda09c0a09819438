/**
 * Sampling parameters range-checked as each vendor documents them, so a request the vendor would
 * refuse with a 400 is refused here with the same words, before any budget is reserved.
 *
 * OpenAI (Chat Completions reference): temperature 0..2, top_p 0..1, presence_penalty and
 * frequency_penalty -2..2, top_logprobs 0..20, at most 4 stop sequences, seed an integer.
 * Anthropic (Messages reference): temperature 0..1, top_p 0..1, top_k a whole number >= 0,
 * stop_sequences a list of strings.
 * Parameters the gateway does not forward are still checked: an out-of-range value is the client's
 * mistake whether or not it would have mattered.
 */
import type { FrontError } from './dialect';

interface NumberRule {
  name: string;
  min: number;
  max?: number;
  integer?: boolean;
}

const OPENAI_NUMBERS: NumberRule[] = [
  { name: 'temperature', min: 0, max: 2 },
  { name: 'top_p', min: 0, max: 1 },
  { name: 'presence_penalty', min: -2, max: 2 },
  { name: 'frequency_penalty', min: -2, max: 2 },
  { name: 'top_logprobs', min: 0, max: 20, integer: true },
  { name: 'seed', min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER, integer: true },
];

const ANTHROPIC_NUMBERS: NumberRule[] = [
  { name: 'temperature', min: 0, max: 1 },
  { name: 'top_p', min: 0, max: 1 },
  { name: 'top_k', min: 0, integer: true },
];

function invalid(message: string, param: string, code: string): FrontError {
  return { kind: 'invalid_request', message, param, code };
}

/** OpenAI's words: "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 3 instead." */
export function checkOpenAISampling(body: Record<string, unknown>): FrontError | null {
  for (const rule of OPENAI_NUMBERS) {
    const v = body[rule.name];
    if (v === undefined || v === null) continue;
    const kind = rule.integer ? 'integer' : 'decimal';
    if (typeof v !== 'number' || !Number.isFinite(v) || (rule.integer && !Number.isInteger(v))) {
      return invalid(
        `Invalid type for '${rule.name}': expected ${rule.integer ? 'an integer' : 'a number'}, but got ${typeof v === 'number' ? String(v) : typeof v} instead.`,
        rule.name,
        'invalid_type',
      );
    }
    if (v < rule.min)
      return invalid(
        `Invalid '${rule.name}': ${kind} below minimum value. Expected a value >= ${rule.min}, but got ${v} instead.`,
        rule.name,
        `${kind}_below_min_value`,
      );
    if (rule.max !== undefined && v > rule.max)
      return invalid(
        `Invalid '${rule.name}': ${kind} above maximum value. Expected a value <= ${rule.max}, but got ${v} instead.`,
        rule.name,
        `${kind}_above_max_value`,
      );
  }
  const stop = body.stop;
  if (stop !== undefined && stop !== null) {
    const list = typeof stop === 'string' ? [stop] : stop;
    if (!Array.isArray(list) || !list.every((s) => typeof s === 'string'))
      return invalid(
        `Invalid type for 'stop': expected a string or an array of strings.`,
        'stop',
        'invalid_type',
      );
    if (list.length > 4)
      return invalid(
        `Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length ${list.length} instead.`,
        'stop',
        'array_above_max_length',
      );
  }
  return null;
}

/** Anthropic's words: "temperature: Input should be less than or equal to 1". */
export function checkAnthropicSampling(body: Record<string, unknown>): FrontError | null {
  for (const rule of ANTHROPIC_NUMBERS) {
    const v = body[rule.name];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isFinite(v))
      return invalid(
        `${rule.name}: Input should be a valid ${rule.integer ? 'integer' : 'number'}`,
        rule.name,
        'invalid_type',
      );
    if (rule.integer && !Number.isInteger(v))
      return invalid(
        `${rule.name}: Input should be a valid integer, got a number with a fractional part`,
        rule.name,
        'invalid_type',
      );
    if (v < rule.min)
      return invalid(
        `${rule.name}: Input should be greater than or equal to ${rule.min}`,
        rule.name,
        'below_min_value',
      );
    if (rule.max !== undefined && v > rule.max)
      return invalid(
        `${rule.name}: Input should be less than or equal to ${rule.max}`,
        rule.name,
        'above_max_value',
      );
  }
  const stop = body.stop_sequences;
  if (stop !== undefined && (!Array.isArray(stop) || !stop.every((s) => typeof s === 'string')))
    return invalid(
      'stop_sequences: Input should be a valid list of strings',
      'stop_sequences',
      'invalid_type',
    );
  return null;
}
