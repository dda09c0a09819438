/**
 * OpenAI Chat Completions on the wire: `/v1/chat/completions` requests, `chat.completion` answers,
 * `chat.completion.chunk` streams ending in `[DONE]`, and `{ error: { message, type, code } }`.
 */
import type { ChatMessage, GatewayResponse } from '@agentflow/contracts';
import { checkOpenAISampling } from './sampling';
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

interface OpenAIBody {
  model?: unknown;
  messages?: unknown;
  max_tokens?: unknown;
  max_completion_tokens?: unknown;
  temperature?: unknown;
  stream?: unknown;
  stream_options?: { include_usage?: unknown };
  response_format?: {
    type?: unknown;
    json_schema?: { name?: unknown; description?: unknown; schema?: unknown };
  };
  n?: unknown;
  tools?: unknown;
}

/** Used when a client sends no max_tokens (OpenAI's own default is the model's maximum). */
const DEFAULT_MAX_TOKENS = 4096;

const WIRE: Record<FrontErrorKind, { status: number; type: string; code: string | null }> = {
  invalid_request: { status: 400, type: 'invalid_request_error', code: null },
  authentication: { status: 401, type: 'invalid_request_error', code: 'invalid_api_key' },
  permission: { status: 403, type: 'invalid_request_error', code: 'model_not_allowed' },
  not_found: { status: 404, type: 'invalid_request_error', code: 'model_not_found' },
  rate_limited: { status: 429, type: 'requests', code: 'rate_limit_exceeded' },
  budget_exceeded: { status: 429, type: 'insufficient_quota', code: 'insufficient_quota' },
  overloaded: { status: 503, type: 'server_error', code: 'overloaded' },
  upstream_failed: { status: 502, type: 'server_error', code: 'upstream_failed' },
  unavailable: { status: 503, type: 'server_error', code: 'gateway_unavailable' },
  timeout: { status: 504, type: 'server_error', code: 'timeout' },
  too_large: { status: 413, type: 'invalid_request_error', code: 'request_too_large' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error', code: 'unsupported_media_type' },
};

function usageOf(r: GatewayResponse) {
  const prompt = r.usage.inputTokens + r.usage.cacheReadTokens + r.usage.cacheWriteTokens;
  return {
    prompt_tokens: prompt,
    completion_tokens: r.usage.outputTokens,
    total_tokens: prompt + r.usage.outputTokens,
    prompt_tokens_details: { cached_tokens: r.usage.cacheReadTokens },
  };
}

export const openaiDialect: Dialect = {
  name: 'openai',

  checkSampling: checkOpenAISampling,

  parse(raw) {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      return 'the request body must be a JSON object';
    const body = raw as OpenAIBody;
    if (typeof body.model !== 'string' || !body.model) return 'model is required';
    if (!Array.isArray(body.messages) || body.messages.length === 0)
      return 'messages must be a non-empty list';
    if (body.n !== undefined && body.n !== 1) return 'n must be 1: the gateway returns one choice';
    if (body.tools !== undefined)
      return 'tools are not served over the gateway; use response_format json_schema for structured output';
    const system: string[] = [];
    const messages: ChatMessage[] = [];
    for (const [i, m] of (body.messages as Array<{ role?: unknown; content?: unknown }>).entries()) {
      const text = textOf(m?.content, `messages[${i}]`);
      if (typeof text !== 'string') return text.error;
      if (m.role === 'system' || m.role === 'developer') system.push(text);
      else if (m.role === 'user' || m.role === 'assistant') messages.push({ role: m.role, content: text });
      else return `messages[${i}].role ${String(m?.role)} is not served (system, developer, user, assistant)`;
    }
    if (!messages.length) return 'messages must hold at least one user message';
    const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? DEFAULT_MAX_TOKENS;
    if (!Number.isInteger(maxTokens) || (maxTokens as number) < 1)
      return 'max_tokens must be a whole number >= 1';
    const call: ClientCall = {
      model: body.model,
      system: system.length ? system.join('\n\n') : undefined,
      messages,
      maxTokens: maxTokens as number,
      temperature: body.temperature as number | undefined,
      stream: body.stream === true,
      includeUsage: body.stream_options?.include_usage === true,
    };
    const format = body.response_format;
    if (format && format.type === 'json_schema') {
      const js = format.json_schema;
      if (!js || typeof js.name !== 'string' || !js.schema || typeof js.schema !== 'object')
        return 'response_format.json_schema needs name and schema';
      call.responseSchema = {
        name: js.name,
        description: typeof js.description === 'string' ? js.description : undefined,
        schema: js.schema as Record<string, unknown>,
      };
    } else if (format && format.type !== 'text') {
      return `response_format ${String(format.type)} is not served; use json_schema`;
    }
    return call;
  },

  // Written as text, not built as an object and serialised: this is every plain call's answer.
  answer(call, r, id) {
    const u = r.usage;
    const prompt = u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens;
    return (
      `{"id":${JSON.stringify(id)},"object":"chat.completion","created":${Math.floor(Date.now() / 1000)},"model":${JSON.stringify(call.model)},` +
      `"choices":[{"index":0,"message":{"role":"assistant","content":${JSON.stringify(answerText(r))},"refusal":null},"logprobs":null,"finish_reason":"stop"}],` +
      `"usage":{"prompt_tokens":${prompt},"completion_tokens":${u.outputTokens},"total_tokens":${prompt + u.outputTokens},"prompt_tokens_details":{"cached_tokens":${u.cacheReadTokens}}}}`
    );
  },

  events(call, r, id) {
    const created = Math.floor(Date.now() / 1000);
    const chunk = (delta: Record<string, unknown>, finish: string | null) =>
      sse({
        id,
        object: 'chat.completion.chunk',
        created,
        model: call.model,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
        ...(call.includeUsage ? { usage: null } : {}),
      });
    const out = [
      chunk({ role: 'assistant', content: '' }, null),
      chunk({ content: answerText(r) }, null),
      chunk({}, 'stop'),
    ];
    if (call.includeUsage)
      out.push(
        sse({
          id,
          object: 'chat.completion.chunk',
          created,
          model: call.model,
          choices: [],
          usage: usageOf(r),
        }),
      );
    out.push('data: [DONE]\n\n');
    return out;
  },

  error(e: FrontError): WireError {
    const w = WIRE[e.kind];
    return {
      status: w.status,
      body: {
        error: {
          message: e.message,
          type: w.type,
          param: e.param ?? null,
          code: e.code !== undefined ? e.code : w.code,
        },
      },
    };
  },
  live(call, id) {
    const created = Math.floor(Date.now() / 1000);
    const head = `data: {"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(call.model)},"choices":[{"index":0,"delta":`;
    // The usage field is null on every chunk but the last when the client asked for usage, as OpenAI sends it.
    const tail = `,"logprobs":null,"finish_reason":null}]${call.includeUsage ? ',"usage":null' : ''}}\n\n`;
    return {
      open: () => `${head}{"role":"assistant","content":""}${tail}`,
      piece: (text) => `${head}{"content":${JSON.stringify(text)}}${tail}`,
      close: (r) => {
        let out = sse({
          id,
          object: 'chat.completion.chunk',
          created,
          model: call.model,
          choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }],
          ...(call.includeUsage ? { usage: null } : {}),
        });
        if (call.includeUsage)
          out += sse({
            id,
            object: 'chat.completion.chunk',
            created,
            model: call.model,
            choices: [],
            usage: usageOf(r),
          });
        return `${out}data: [DONE]\n\n`;
      },
      // The SDK raises an APIError for a chunk that carries `error`; no [DONE] follows a failed stream.
      error: (e) =>
        sse({ error: { message: e.message, type: WIRE[e.kind].type, param: null, code: WIRE[e.kind].code } }),
    };
  },
};
