/**
 * What the HTTP front needs from a vendor's wire format: read its request into the gateway's
 * terms, write an answer (JSON or SSE) and write an error in the shape that vendor's SDK parses.
 * One file per vendor implements it (`openai-dialect.ts`, `anthropic-dialect.ts`).
 */
import type { ChatMessage, GatewayResponse } from '@agentflow/contracts';
import type { OutputSchema, TokenCounts } from '../providers/chat-provider';

/** A client request in the gateway's terms. */
export interface ClientCall {
  model: string;
  system?: string;
  messages: ChatMessage[];
  maxTokens: number;
  temperature?: number;
  responseSchema?: OutputSchema;
  stream: boolean;
  /** OpenAI `stream_options.include_usage`. */
  includeUsage: boolean;
}

/** Why the front refuses or fails a request, independent of the vendor's words for it. */
export type FrontErrorKind =
  | 'invalid_request'
  | 'authentication'
  | 'permission'
  | 'not_found'
  | 'rate_limited'
  | 'budget_exceeded'
  | 'overloaded'
  | 'upstream_failed'
  | 'unavailable'
  | 'timeout'
  /** 413: the body is over the front's limit. 415: the body is not JSON by its content type. */
  | 'too_large'
  | 'unsupported_media_type';

export interface FrontError {
  kind: FrontErrorKind;
  message: string;
  retryAfterSeconds?: number;
  /** OpenAI's `param`: the request field at fault. */
  param?: string;
  /** OpenAI's `code`, when it differs from the kind's usual one (`invalid_value`, `decimal_below_min_value`). */
  code?: string | null;
}

/** An error as a vendor writes it: status and JSON body. */
export interface WireError {
  status: number;
  body: unknown;
}

export interface Dialect {
  readonly name: 'openai' | 'anthropic';
  /** Reads the body; a string is why it is not a valid request (answered 400). */
  parse(body: unknown): ClientCall | string;
  /** Sampling parameters out of the vendor's documented ranges, in its words (sampling.ts); checked before `parse`. */
  checkSampling(body: Record<string, unknown>): FrontError | null;
  /** The non-streaming answer body, as JSON text. */
  answer(call: ClientCall, response: GatewayResponse, id: string): string;
  /** The SSE events of a streamed answer, each already framed (`event:`/`data:` lines and a blank line). */
  events(call: ClientCall, response: GatewayResponse, id: string): string[];
  /** An error in the vendor's shape, sent instead of an answer (before the first byte). */
  error(e: FrontError, requestId: string): WireError;
  /** The framing of an answer streamed live, piece by piece, as the vendor sends it. */
  live(call: ClientCall, id: string): LiveStream;
}

/** The SSE text of a live stream, each part already framed. */
export interface LiveStream {
  /** The opening events, sent with the first piece; `usage` is what the vendor reported so far. */
  open(usage: TokenCounts | undefined): string;
  /** One piece of the answer: text, or a piece of the JSON for structured output. */
  piece(text: string): string;
  /** The closing events of a completed answer, with its usage. */
  close(response: GatewayResponse): string;
  /** The dialect's own error event, ending a stream that broke after the first byte. */
  error(e: FrontError): string;
}

/** Plain text of a message content that is either a string or a list of typed parts. */
export function textOf(content: unknown, where: string): string | { error: string } {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return { error: `${where}: content must be a string or a list of text parts` };
  let out = '';
  for (const part of content as Array<{ type?: unknown; text?: unknown }>) {
    if (part?.type !== 'text' || typeof part.text !== 'string') {
      return { error: `${where}: only text parts are served by the gateway (got ${String(part?.type)})` };
    }
    out += out ? `\n${part.text}` : part.text;
  }
  return out;
}

export function sse(data: unknown, event?: string): string {
  return `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;
}

/** The text a client sees: the structured output as JSON when one was asked for. */
export function answerText(response: GatewayResponse): string {
  return response.structured !== undefined ? JSON.stringify(response.structured) : (response.text ?? '');
}
