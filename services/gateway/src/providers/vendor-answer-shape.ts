/**
 * Checks of what a vendor sent before the translations read it. The SDKs type their answers but
 * do not check them: a proxy's HTML page, a body cut short or a field of the wrong type reached the
 * translations as is and broke them with a TypeError that read as a network failure. Each check
 * here throws a `bad_response` {@link ProviderError} that names the field and what it held.
 */
import { ProviderError } from './provider-error';

export interface AnswerTarget {
  provider: string;
  model: string;
}

/** A short, printable account of a value: its type and the start of its text. */
function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string')
    return `the text ${JSON.stringify(value.slice(0, 60))}${value.length > 60 ? '...' : ''}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

export class AnswerShape {
  constructor(
    private readonly target: AnswerTarget,
    /** What is being read, for the message: `message`, `chat completion`, `stream event`. */
    private readonly what: string,
    private readonly vendorRequestId?: string,
  ) {}

  fail(problem: string): never {
    throw new ProviderError(
      'bad_response',
      `${this.target.provider}/${this.target.model} answered a malformed ${this.what}: ${problem}`,
      {
        ...this.target,
        vendorRequestId: this.vendorRequestId,
      },
    );
  }

  object(value: unknown, field: string): Record<string, unknown> {
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    return this.fail(`${field} is ${shown(value)}, not an object`);
  }

  array(value: unknown, field: string): unknown[] {
    if (Array.isArray(value)) return value;
    return this.fail(`${field} is ${shown(value)}, not an array`);
  }

  /** A string, or absent (null, undefined) when `optional`. */
  text(value: unknown, field: string, optional = false): string | undefined {
    if (typeof value === 'string') return value;
    if (optional && (value === null || value === undefined)) return undefined;
    return this.fail(`${field} is ${shown(value)}, not a string`);
  }

  /** A token count: a whole number, not negative; absent reads as `absent` when given, else fails. */
  tokens(value: unknown, field: string, absent?: number): number {
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
    if (absent !== undefined && (value === null || value === undefined)) return absent;
    return this.fail(`${field} is ${shown(value)}, not a token count`);
  }
}
