/**
 * Gateway call <-> OpenAI Chat Completions. Structured output is `response_format: json_schema`
 * (not strict: the one schema the caller gives is not rewritten to strict mode's subset). OpenAI's
 * `prompt_tokens` include the cached ones, so cache reads are taken out of input: never counted twice.
 */
import type OpenAI from 'openai';
import type { ChatCall, ChatResult } from '../chat-provider';
import { ProviderError } from '../provider-error';

export function toOpenAIParams(call: ChatCall, model: string): OpenAI.ChatCompletionCreateParamsNonStreaming {
  const messages: OpenAI.ChatCompletionMessageParam[] = [];
  if (call.system) messages.push({ role: 'system', content: call.system });
  for (const m of call.messages) messages.push({ role: m.role, content: m.content });
  const params: OpenAI.ChatCompletionCreateParamsNonStreaming = { model, messages, max_completion_tokens: call.maxTokens };
  if (call.temperature !== undefined) params.temperature = call.temperature;
  if (call.responseSchema) {
    params.response_format = {
      type: 'json_schema',
      json_schema: { name: call.responseSchema.name, description: call.responseSchema.description, schema: call.responseSchema.schema, strict: false },
    };
  }
  return params;
}

export function fromOpenAICompletion(completion: OpenAI.ChatCompletion, call: ChatCall, target: { provider: string; model: string }, vendorRequestId?: string): ChatResult {
  const cached = completion.usage?.prompt_tokens_details?.cached_tokens ?? 0;
  const usage = {
    inputTokens: Math.max(0, (completion.usage?.prompt_tokens ?? 0) - cached),
    outputTokens: completion.usage?.completion_tokens ?? 0,
    cacheReadTokens: cached,
    cacheWriteTokens: 0,
  };
  const choice = completion.choices[0];
  const text = choice?.message?.content ?? '';
  const finishReason = choice?.finish_reason ?? 'stop';
  if (!call.responseSchema) return { text, usage, vendorRequestId, finishReason };
  try {
    const structured = JSON.parse(text) as unknown;
    if (!structured || typeof structured !== 'object' || Array.isArray(structured)) throw new Error('not an object');
    return { text, structured: structured as Record<string, unknown>, usage, vendorRequestId, finishReason };
  } catch {
    throw new ProviderError('bad_output', `${target.provider}/${target.model} returned output that is not a JSON object for ${call.responseSchema.name} (finish ${finishReason})`, { ...target, vendorRequestId, usage, text });
  }
}
