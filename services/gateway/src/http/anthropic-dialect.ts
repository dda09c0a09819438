/**
 * Anthropic Messages on the wire: `/v1/messages` requests, `message` answers, the
 * `message_start` ... `message_stop` event stream, and `{ type: 'error', error: { type, message } }`.
 * Structured output is tool use: a forced `tool_choice` names the tool whose `input_schema` is
 * the schema, and the answer is that tool's `tool_use` block.
 */
import type { ChatMessage, GatewayResponse } from '@agentflow/contracts';
import { checkAnthropicSampling } from './sampling';
import {
  answerText,
  sse,
  textOf,
  type ClientCall,
  type Dialect,
  type FrontError,
  type FrontErrorKind,
  type WireError,
} from './dialect';

interface AnthropicBody {
  model?: unknown;
  system?: unknown;
  messages?: unknown;
  max_tokens?: unknown;
  temperature?: unknown;
  stream?: unknown;
  tools?: Array<{ name?: unknown; description?: unknown; input_schema?: unknown }>;
  tool_choice?: { type?: unknown; name?: unknown };
}

const WIRE: Record<FrontErrorKind, { status: number; type: string }> = {
  invalid_request: { status: 400, type: 'invalid_request_error' },
  authentication: { status: 401, type: 'authentication_error' },
  permission: { status: 403, type: 'permission_error' },
  not_found: { status: 404, type: 'not_found_error' },
  rate_limited: { status: 429, type: 'rate_limit_error' },
  // Anthropic has no quota error of its own; a spent budget is a rate limit that lifts at Retry-After.
  budget_exceeded: { status: 429, type: 'rate_limit_error' },
  overloaded: { status: 529, type: 'overloaded_error' },
  upstream_failed: { status: 502, type: 'api_error' },
  unavailable: { status: 503, type: 'api_error' },
  timeout: { status: 504, type: 'api_error' },
  too_large: { status: 413, type: 'request_too_large' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error' },
};

function usageOf(r: GatewayResponse) {
  return {
    input_tokens: r.usage.inputTokens,
    output_tokens: r.usage.outputTokens,
    cache_read_input_tokens: r.usage.cacheReadTokens,
    cache_creation_input_tokens: r.usage.cacheWriteTokens,
  };
}

function content(call: ClientCall, r: GatewayResponse, id: string) {
  if (call.responseSchema)
    return {
      type: 'tool_use',
      id: `toolu_${id.slice(4)}`,
      name: call.responseSchema.name,
      input: r.structured ?? {},
    };
  return { type: 'text', text: answerText(r) };
}

export const anthropicDialect: Dialect = {
  name: 'anthropic',

  checkSampling: checkAnthropicSampling,

  parse(raw) {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      return 'the request body must be a JSON object';
    const body = raw as AnthropicBody;
    if (typeof body.model !== 'string' || !body.model) return 'model: Field required';
    if (!Number.isInteger(body.max_tokens) || (body.max_tokens as number) < 1)
      return 'max_tokens: Field required (a whole number >= 1)';
    if (!Array.isArray(body.messages) || body.messages.length === 0)
      return 'messages: at least one message is required';
    let system: string | undefined;
    if (body.system !== undefined) {
      const text = textOf(body.system, 'system');
      if (typeof text !== 'string') return text.error;
      system = text;
    }
    const messages: ChatMessage[] = [];
    for (const [i, m] of (body.messages as Array<{ role?: unknown; content?: unknown }>).entries()) {
      if (m?.role !== 'user' && m?.role !== 'assistant')
        return `messages.${i}.role: Input should be 'user' or 'assistant'`;
      const text = textOf(m.content, `messages.${i}.content`);
      if (typeof text !== 'string') return text.error;
      messages.push({ role: m.role, content: text });
    }
    const call: ClientCall = {
      model: body.model,
      system,
      messages,
      maxTokens: body.max_tokens as number,
      temperature: body.temperature as number | undefined,
      stream: body.stream === true,
      includeUsage: true,
    };
    if (body.tools !== undefined) {
      const choice = body.tool_choice;
      const tool =
        Array.isArray(body.tools) && choice?.type === 'tool'
          ? body.tools.find((t) => t?.name === choice.name)
          : undefined;
      if (
        !tool ||
        typeof tool.name !== 'string' ||
        !tool.input_schema ||
        typeof tool.input_schema !== 'object'
      ) {
        return 'tools are served as structured output only: force one tool with tool_choice { type: "tool", name } whose input_schema is the schema';
      }
      call.responseSchema = {
        name: tool.name,
        description: typeof tool.description === 'string' ? tool.description : undefined,
        schema: tool.input_schema as Record<string, unknown>,
      };
    }
    return call;
  },

  answer(call, r, id) {
    return JSON.stringify({
      id,
      type: 'message',
      role: 'assistant',
      model: call.model,
      content: [content(call, r, id)],
      stop_reason: call.responseSchema ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage: usageOf(r),
    });
  },

  events(call, r, id) {
    const usage = usageOf(r);
    const block = content(call, r, id);
    const start = block.type === 'tool_use' ? { ...block, input: {} } : { type: 'text', text: '' };
    const delta =
      block.type === 'tool_use'
        ? { type: 'input_json_delta', partial_json: JSON.stringify(r.structured ?? {}) }
        : { type: 'text_delta', text: answerText(r) };
    return [
      sse(
        {
          type: 'message_start',
          message: {
            id,
            type: 'message',
            role: 'assistant',
            model: call.model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { ...usage, output_tokens: 0 },
          },
        },
        'message_start',
      ),
      sse({ type: 'content_block_start', index: 0, content_block: start }, 'content_block_start'),
      sse({ type: 'content_block_delta', index: 0, delta }, 'content_block_delta'),
      sse({ type: 'content_block_stop', index: 0 }, 'content_block_stop'),
      sse(
        {
          type: 'message_delta',
          delta: { stop_reason: call.responseSchema ? 'tool_use' : 'end_turn', stop_sequence: null },
          usage: { output_tokens: usage.output_tokens },
        },
        'message_delta',
      ),
      sse({ type: 'message_stop' }, 'message_stop'),
    ];
  },

  error(e: FrontError, requestId: string): WireError {
    const w = WIRE[e.kind];
    return {
      status: w.status,
      body: { type: 'error', error: { type: w.type, message: e.message }, request_id: requestId },
    };
  },
  live(call, id) {
    const tool = call.responseSchema;
    const deltaHead = tool
      ? 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":'
      : 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":';
    return {
      open: (u) => {
        const usage = {
          input_tokens: u?.inputTokens ?? 0,
          output_tokens: u?.outputTokens ?? 0,
          cache_read_input_tokens: u?.cacheReadTokens ?? 0,
          cache_creation_input_tokens: u?.cacheWriteTokens ?? 0,
        };
        const block = tool
          ? { type: 'tool_use', id: `toolu_${id.slice(4)}`, name: tool.name, input: {} }
          : { type: 'text', text: '' };
        return (
          sse(
            {
              type: 'message_start',
              message: {
                id,
                type: 'message',
                role: 'assistant',
                model: call.model,
                content: [],
                stop_reason: null,
                stop_sequence: null,
                usage,
              },
            },
            'message_start',
          ) + sse({ type: 'content_block_start', index: 0, content_block: block }, 'content_block_start')
        );
      },
      piece: (text) => `${deltaHead}${JSON.stringify(text)}}}\n\n`,
      // message_delta carries the whole message's usage: the input side too, since message_start may have gone out before the vendor said it.
      close: (r) =>
        sse({ type: 'content_block_stop', index: 0 }, 'content_block_stop') +
        sse(
          {
            type: 'message_delta',
            delta: { stop_reason: tool ? 'tool_use' : 'end_turn', stop_sequence: null },
            usage: usageOf(r),
          },
          'message_delta',
        ) +
        sse({ type: 'message_stop' }, 'message_stop'),
      error: (e) => sse({ type: 'error', error: { type: WIRE[e.kind].type, message: e.message } }, 'error'),
    };
  },
};
