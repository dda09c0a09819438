/**
 * The one interface every vendor implements. The gateway speaks it; each folder under providers/
 * translates it to a vendor's SDK (structured output, prompt caching, usage fields, errors).
 */
import type { ChatMessage, ProviderKind } from '@agentflow/contracts';

/** The JSON Schema wanted back; each vendor gets it in its own form (tool use, json_schema). */
export interface OutputSchema {
  name: string;
  description?: string;
  schema: Record<string, unknown>;
}

export interface ChatCall {
  model: string;
  system?: string;
  messages: ChatMessage[];
  maxTokens: number;
  temperature?: number;
  responseSchema?: OutputSchema;
  /** How the model takes `responseSchema` (providers.yml `structuredOutput`); Anthropic only. @default 'tool' */
  structuredOutput?: 'tool' | 'json-schema';
  /** Mark the system prompt as a reusable prefix (Anthropic `cache_control`; OpenAI caches prefixes by itself). */
  cachePrompt: boolean;
  /** Aborts the vendor call: the caller's cancel or the attempt's timeout. */
  signal: AbortSignal;
  /** Upper bound for this attempt, already capped by the request's deadline. */
  timeoutMs: number;
}

/** Tokens as billed, each counted once: `inputTokens` excludes cache reads and writes. */
export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export interface ChatResult {
  text: string;
  /** Parsed structured output when a schema was asked for. */
  structured?: Record<string, unknown>;
  usage: TokenCounts;
  vendorRequestId?: string;
  /** The vendor's stop reason (`end_turn`, `stop`, `tool_use`, `max_tokens`, `length`). */
  finishReason: string;
}

/**
 * Called with each piece of a streamed answer as the vendor sends it: text, or for structured output
 * the pieces of the JSON (OpenAI `content` deltas, Anthropic `input_json_delta`). Empty pieces are
 * not reported. `usage` is what the vendor has reported so far (Anthropic's `message_start`).
 */
export type StreamListener = (piece: string, usage: TokenCounts | undefined) => void;

export interface ChatProvider {
  /** Name from the providers config. */
  readonly name: string;
  readonly kind: ProviderKind;
  generate(call: ChatCall): Promise<ChatResult>;
  /**
   * The same call streamed: `onPiece` sees the answer as it arrives, and the promise settles with the
   * whole result and the vendor's own usage. A stream that breaks rejects with a {@link ProviderError}
   * whose `details.usage` is what was used until then. Absent: the pipeline calls `generate` instead.
   */
  stream?(call: ChatCall, onPiece: StreamListener): Promise<ChatResult>;
}
