/**
 * Anthropic Messages wire format as the real API speaks it: response bodies, SSE events, error
 * bodies (`{type: "error", error: {type, message}, request_id}`), usage with cache fields.
 */
import type { UsageOverride } from './script';

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

export type AnthropicContent =
  { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown };

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

export function anthropicErrorBody(status: number, message: string, requestId: string): string {
  const type = ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  return JSON.stringify({ type: 'error', error: { type, message }, request_id: requestId });
}

/** The text the model would read: system plus every message's text blocks. */
export function anthropicPrompt(body: Record<string, unknown>): string {
  const parts: string[] = [];
  const system = body.system;
  if (typeof system === 'string') parts.push(system);
  else if (Array.isArray(system))
    for (const b of system) if (b && typeof b.text === 'string') parts.push(b.text);
  for (const m of (body.messages as Array<{ content: unknown }> | undefined) ?? []) {
    if (typeof m.content === 'string') parts.push(m.content);
    else if (Array.isArray(m.content))
      for (const b of m.content) if (b && typeof b.text === 'string') parts.push(b.text);
  }
  return parts.join('\n');
}

/** Text of the prefix marked with `cache_control` (system blocks up to the last marked one). */
export function anthropicCachedPrefix(body: Record<string, unknown>): string {
  const system = body.system;
  if (!Array.isArray(system)) return '';
  let last = -1;
  system.forEach((b, i) => {
    if (b && b.cache_control) last = i;
  });
  return last < 0
    ? ''
    : system
        .slice(0, last + 1)
        .map((b) => String(b.text ?? ''))
        .join('\n');
}

/** The JSON Schema of an `output_config.format` request (JSON output: the answer is JSON text). */
export function anthropicOutputFormat(body: Record<string, unknown>): Record<string, unknown> | null {
  const format = (
    body.output_config as { format?: { type?: string; schema?: Record<string, unknown> } } | undefined
  )?.format;
  return format?.type === 'json_schema' ? (format.schema ?? { type: 'object' }) : null;
}

/** A `tool_choice` that forces a tool (`tool` or `any`), which the Claude 5.5 models refuse. */
export function forcesTool(body: Record<string, unknown>): boolean {
  const type = (body.tool_choice as { type?: string } | undefined)?.type;
  return type === 'tool' || type === 'any';
}

/**
 * The models that answer a forced `tool_choice` with a 400 `invalid_request_error`: Anthropic's
 * "What's new" and migration pages for Opus 5.5 and Sonnet 5.5 list it among the breaking changes
 * ("Forced tool use returns an error"; only `auto` and `none` are accepted), and the Opus 5.5 page
 * says it applies to Fable 5.1 as well.
 */
export const REFUSE_FORCED_TOOL_CHOICE: readonly string[] = [
  'claude-sonnet-5-5',
  'claude-opus-5-5',
  'claude-fable-5-1',
];

/**
 * The refusal's message. Those models always think, and this is the message Anthropic's API
 * answers a forced tool_choice with while thinking is on; the pages above give no other wording
 * for the 5.5 models' refusal.
 */
export const FORCED_TOOL_CHOICE_MESSAGE = 'Thinking may not be enabled when tool_choice forces tool use.';

/** The JSON Schema the caller forces through a tool, and the tool's name. */
export function anthropicToolSchema(
  body: Record<string, unknown>,
): { name: string; schema: Record<string, unknown> } | null {
  const tools = body.tools as Array<{ name: string; input_schema?: Record<string, unknown> }> | undefined;
  if (!tools?.length) return null;
  const choice = body.tool_choice as { type?: string; name?: string } | undefined;
  const tool = (choice?.type === 'tool' && tools.find((t) => t.name === choice.name)) || tools[0];
  return { name: tool.name, schema: tool.input_schema ?? { type: 'object' } };
}

export function anthropicUsage(
  input: number,
  output: number,
  cacheRead: number,
  cacheWrite: number,
  o?: UsageOverride,
): AnthropicUsage {
  return {
    input_tokens: o?.inputTokens ?? input,
    output_tokens: o?.outputTokens ?? output,
    cache_creation_input_tokens: o?.cacheWriteTokens ?? cacheWrite,
    cache_read_input_tokens: o?.cacheReadTokens ?? cacheRead,
  };
}

export function anthropicMessage(
  id: string,
  model: string,
  content: AnthropicContent[],
  usage: AnthropicUsage,
): string {
  const stop = content.some((c) => c.type === 'tool_use') ? 'tool_use' : 'end_turn';
  return JSON.stringify({
    id,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stop,
    stop_sequence: null,
    usage,
  });
}

function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The SSE events of a streamed message, in the order the API sends them. */
export function anthropicStreamEvents(
  id: string,
  model: string,
  content: AnthropicContent[],
  usage: AnthropicUsage,
): string[] {
  const stop = content.some((c) => c.type === 'tool_use') ? 'tool_use' : 'end_turn';
  const out = [
    event('message_start', {
      type: 'message_start',
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
    }),
  ];
  content.forEach((block, index) => {
    if (block.type === 'text') {
      out.push(
        event('content_block_start', {
          type: 'content_block_start',
          index,
          content_block: { type: 'text', text: '' },
        }),
      );
      if (index === 0) out.push(event('ping', { type: 'ping' }));
      for (const piece of chunk(block.text, 24)) {
        out.push(
          event('content_block_delta', {
            type: 'content_block_delta',
            index,
            delta: { type: 'text_delta', text: piece },
          }),
        );
      }
    } else {
      out.push(
        event('content_block_start', {
          type: 'content_block_start',
          index,
          content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
        }),
      );
      if (index === 0) out.push(event('ping', { type: 'ping' }));
      for (const piece of chunk(JSON.stringify(block.input), 32)) {
        out.push(
          event('content_block_delta', {
            type: 'content_block_delta',
            index,
            delta: { type: 'input_json_delta', partial_json: piece },
          }),
        );
      }
    }
    out.push(event('content_block_stop', { type: 'content_block_stop', index }));
  });
  out.push(
    event('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stop, stop_sequence: null },
      usage: { output_tokens: usage.output_tokens },
    }),
  );
  out.push(event('message_stop', { type: 'message_stop' }));
  return out;
}

export function anthropicStreamError(status: number, message: string): string {
  return event('error', { type: 'error', error: { type: ERROR_TYPES[status] ?? 'api_error', message } });
}

export function chunk(text: string, size: number): string[] {
  if (!text) return [''];
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}
