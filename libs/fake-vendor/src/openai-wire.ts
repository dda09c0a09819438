/**
 * OpenAI Chat Completions wire format: `chat.completion` bodies, `chat.completion.chunk` SSE
 * streams ending in `data: [DONE]`, error bodies (`{error: {message, type, param, code}}`), usage
 * with `prompt_tokens_details.cached_tokens` (included in `prompt_tokens`, as the real API counts).
 */
import type { UsageOverride } from './script';
import { chunk } from './anthropic-wire';

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number; audio_tokens: number };
  completion_tokens_details: {
    reasoning_tokens: number;
    audio_tokens: number;
    accepted_prediction_tokens: number;
    rejected_prediction_tokens: number;
  };
}

const ERROR_SHAPES: Record<number, { type: string; code: string | null }> = {
  400: { type: 'invalid_request_error', code: null },
  401: { type: 'invalid_request_error', code: 'invalid_api_key' },
  403: { type: 'invalid_request_error', code: 'unsupported_country_region_territory' },
  404: { type: 'invalid_request_error', code: 'model_not_found' },
  429: { type: 'requests', code: 'rate_limit_exceeded' },
  500: { type: 'server_error', code: null },
  503: { type: 'server_error', code: null },
};

export function openaiErrorBody(status: number, message: string, code?: string | null): string {
  const shape = ERROR_SHAPES[status] ?? {
    type: status >= 500 ? 'server_error' : 'invalid_request_error',
    code: null,
  };
  return JSON.stringify({
    error: {
      message,
      type: shape.type,
      param: code === 'context_length_exceeded' ? 'messages' : null,
      code: code === undefined ? shape.code : code,
    },
  });
}

function text(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content.map((p) => (p && typeof p.text === 'string' ? p.text : '')).join('');
  return '';
}

export function openaiPrompt(body: Record<string, unknown>): string {
  return ((body.messages as Array<{ content: unknown }> | undefined) ?? [])
    .map((m) => text(m.content))
    .join('\n');
}

/** The leading system/developer message: what OpenAI's automatic prefix cache would reuse. */
export function openaiCachedPrefix(body: Record<string, unknown>): string {
  const first = (body.messages as Array<{ role: string; content: unknown }> | undefined)?.[0];
  return first && (first.role === 'system' || first.role === 'developer') ? text(first.content) : '';
}

export function openaiSchema(
  body: Record<string, unknown>,
): { name: string; schema: Record<string, unknown> } | null {
  const format = body.response_format as
    { type?: string; json_schema?: { name?: string; schema?: Record<string, unknown> } } | undefined;
  if (format?.type === 'json_schema')
    return {
      name: format.json_schema?.name ?? 'output',
      schema: format.json_schema?.schema ?? { type: 'object' },
    };
  if (format?.type === 'json_object')
    return { name: 'output', schema: { type: 'object', properties: { summary: { type: 'string' } } } };
  return null;
}

export function openaiUsage(
  prompt: number,
  completion: number,
  cached: number,
  o?: UsageOverride,
): OpenAIUsage {
  const cachedTokens = o?.cacheReadTokens ?? cached;
  const uncached = o?.inputTokens ?? prompt - cached;
  const promptTokens = uncached + cachedTokens;
  const completionTokens = o?.outputTokens ?? completion;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: cachedTokens, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

export function openaiCompletion(
  id: string,
  model: string,
  content: string,
  usage: OpenAIUsage,
  created: number,
): string {
  return JSON.stringify({
    id,
    object: 'chat.completion',
    created,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage,
    service_tier: 'default',
    system_fingerprint: 'fp_simulated',
  });
}

/** SSE lines of a streamed completion; the usage chunk only when `stream_options.include_usage`. */
export function openaiStreamEvents(
  id: string,
  model: string,
  content: string,
  usage: OpenAIUsage | null,
  created: number,
): string[] {
  const base = { id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_simulated' };
  const line = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;
  const out = [
    line({
      ...base,
      choices: [
        {
          index: 0,
          delta: { role: 'assistant', content: '', refusal: null },
          logprobs: null,
          finish_reason: null,
        },
      ],
    }),
  ];
  for (const piece of chunk(content, 24))
    out.push(
      line({
        ...base,
        choices: [{ index: 0, delta: { content: piece }, logprobs: null, finish_reason: null }],
      }),
    );
  out.push(line({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] }));
  if (usage) out.push(line({ ...base, choices: [], usage }));
  out.push('data: [DONE]\n\n');
  return out;
}

export function openaiStreamError(message: string): string {
  return `data: ${JSON.stringify({ error: { message, type: 'server_error', param: null, code: null } })}\n\n`;
}
