/**
 * Gateway call <-> OpenAI Chat Completions. Structured output is `response_format: json_schema`
 * (not strict: the one schema the caller gives is not rewritten to strict mode's subset). OpenAI's
 * `prompt_tokens` include the cached ones, so cache reads are taken out of input: never counted twice.
 */
import type OpenAI from 'openai';
import type { ChatCall, ChatResult, TokenCounts } from '../chat-provider';
import { ProviderError } from '../provider-error';
import { AnswerShape } from '../vendor-answer-shape';

export function toOpenAIParams(call: ChatCall, model: string): OpenAI.ChatCompletionCreateParamsNonStreaming {
  const messages: OpenAI.ChatCompletionMessageParam[] = [];
  if (call.system) messages.push({ role: 'system', content: call.system });
  for (const m of call.messages) messages.push({ role: m.role, content: m.content });
  const params: OpenAI.ChatCompletionCreateParamsNonStreaming = {
    model,
    messages,
    max_completion_tokens: call.maxTokens,
  };
  if (call.temperature !== undefined) params.temperature = call.temperature;
  if (call.responseSchema) {
    params.response_format = {
      type: 'json_schema',
      json_schema: {
        name: call.responseSchema.name,
        description: call.responseSchema.description,
        schema: call.responseSchema.schema,
        strict: false,
      },
    };
  }
  return params;
}

export function fromOpenAICompletion(
  completion: OpenAI.ChatCompletion,
  call: ChatCall,
  target: { provider: string; model: string },
  vendorRequestId?: string,
): ChatResult {
  const shape = new AnswerShape(target, 'chat completion', vendorRequestId);
  const body = shape.object(completion, 'the body');
  const usage = usageOf(shape, body.usage);
  const choices = shape.array(body.choices, 'choices');
  if (choices.length === 0) shape.fail('choices is empty: no answer');
  const choice = shape.object(choices[0], 'choices[0]');
  const message =
    choice.message === undefined || choice.message === null
      ? {}
      : shape.object(choice.message, 'choices[0].message');
  const text = shape.text(message.content, 'choices[0].message.content', true) ?? '';
  const finishReason = shape.text(choice.finish_reason, 'choices[0].finish_reason', true) || 'stop';
  if (!call.responseSchema) return { text, usage, vendorRequestId, finishReason };
  try {
    const structured = JSON.parse(text) as unknown;
    if (!structured || typeof structured !== 'object' || Array.isArray(structured))
      throw new Error('not an object');
    return { text, structured: structured as Record<string, unknown>, usage, vendorRequestId, finishReason };
  } catch {
    throw new ProviderError(
      'bad_output',
      `${target.provider}/${target.model} returned output that is not a JSON object for ${call.responseSchema.name} (finish ${finishReason})`,
      { ...target, vendorRequestId, usage, text },
    );
  }
}

/** OpenAI's usage, each token counted once: `prompt_tokens` include the cached ones. Absent usage (some compatible servers) reads as zero. */
export function usageOf(shape: AnswerShape, value: unknown): TokenCounts {
  if (value === undefined || value === null)
    return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  const u = shape.object(value, 'usage');
  const details =
    u.prompt_tokens_details === undefined || u.prompt_tokens_details === null
      ? {}
      : shape.object(u.prompt_tokens_details, 'usage.prompt_tokens_details');
  const cached = shape.tokens(details.cached_tokens, 'usage.prompt_tokens_details.cached_tokens', 0);
  const prompt = shape.tokens(u.prompt_tokens, 'usage.prompt_tokens');
  return {
    inputTokens: Math.max(0, prompt - cached),
    outputTokens: shape.tokens(u.completion_tokens, 'usage.completion_tokens'),
    cacheReadTokens: cached,
    cacheWriteTokens: 0,
  };
}
