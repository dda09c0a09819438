/**
 * Gateway call <-> Anthropic Messages. Structured output goes through a forced tool (`tool_choice`
 * names it), so the model's answer arrives as the tool's `input`; models that refuse a forced tool
 * (the Claude 5.5 family, `structuredOutput: json-schema` in providers.yml) get the schema as
 * `output_config.format` and answer JSON text. The system prompt is marked with `cache_control` so
 * repeated review prompts are read from Anthropic's prompt cache.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { ChatCall, ChatResult } from '../chat-provider';
import { ProviderError } from '../provider-error';
import { AnswerShape } from '../vendor-answer-shape';

export function toAnthropicParams(call: ChatCall): Anthropic.MessageCreateParamsNonStreaming {
  const params: Anthropic.MessageCreateParamsNonStreaming = {
    model: call.model,
    max_tokens: call.maxTokens,
    messages: call.messages.map((m) => ({ role: m.role, content: m.content })),
  };
  if (call.system) {
    params.system = call.cachePrompt
      ? [{ type: 'text', text: call.system, cache_control: { type: 'ephemeral' } }]
      : call.system;
  }
  // SDK 1.14's Messages API has no sampling temperature: the request's temperature applies to OpenAI-style vendors only.
  if (call.responseSchema && call.structuredOutput === 'json-schema') {
    params.output_config = { format: { type: 'json_schema', schema: call.responseSchema.schema } };
  } else if (call.responseSchema) {
    params.tools = [
      {
        name: call.responseSchema.name,
        description: call.responseSchema.description ?? `Report the result as ${call.responseSchema.name}.`,
        input_schema: call.responseSchema.schema as Anthropic.Tool.InputSchema,
      },
    ];
    params.tool_choice = { type: 'tool', name: call.responseSchema.name };
  }
  return params;
}

export function fromAnthropicMessage(
  message: Anthropic.Message,
  call: ChatCall,
  target: { provider: string; model: string },
  vendorRequestId?: string,
): ChatResult {
  const shape = new AnswerShape(target, 'message', vendorRequestId);
  const m = shape.object(message, 'the body');
  const u = shape.object(m.usage, 'usage');
  const usage = {
    inputTokens: shape.tokens(u.input_tokens, 'usage.input_tokens'),
    outputTokens: shape.tokens(u.output_tokens, 'usage.output_tokens'),
    cacheReadTokens: shape.tokens(u.cache_read_input_tokens, 'usage.cache_read_input_tokens', 0),
    cacheWriteTokens: shape.tokens(u.cache_creation_input_tokens, 'usage.cache_creation_input_tokens', 0),
  };
  const content = shape.array(m.content, 'content').map((b, i) => {
    const block = shape.object(b, `content[${i}]`);
    shape.text(block.type, `content[${i}].type`);
    if (block.type === 'text') shape.text(block.text, `content[${i}].text`);
    if (block.type === 'tool_use') shape.text(block.name, `content[${i}].name`);
    return block as unknown as Anthropic.ContentBlock;
  });
  // An empty stop reason says as little as none.
  const stopReason = shape.text(m.stop_reason, 'stop_reason', true) || undefined;
  const text = content
    .filter((b): b is Anthropic.TextBlock => b.type === 'text')
    .map((b) => b.text)
    .join('');
  if (!call.responseSchema) return { text, usage, vendorRequestId, finishReason: stopReason ?? 'end_turn' };
  if (call.structuredOutput === 'json-schema') {
    const structured = parseObject(text);
    if (!structured)
      throw new ProviderError(
        'bad_output',
        `${target.provider}/${target.model} answered no JSON object for ${call.responseSchema.name} (stop reason ${stopReason})`,
        { ...target, vendorRequestId, usage, text },
      );
    return { text, structured, usage, vendorRequestId, finishReason: stopReason ?? 'end_turn' };
  }
  const tool = content.find(
    (b): b is Anthropic.ToolUseBlock => b.type === 'tool_use' && b.name === call.responseSchema!.name,
  );
  if (!tool || !tool.input || typeof tool.input !== 'object' || Array.isArray(tool.input)) {
    throw new ProviderError(
      'bad_output',
      `${target.provider}/${target.model} did not call the ${call.responseSchema.name} tool with an object (stop reason ${stopReason})`,
      { ...target, vendorRequestId, usage, text },
    );
  }
  const structured = tool.input as Record<string, unknown>;
  return {
    text: JSON.stringify(structured),
    structured,
    usage,
    vendorRequestId,
    finishReason: stopReason ?? 'tool_use',
  };
}

/** The JSON object of an `output_config.format` answer, or undefined when it is none (cut short by max_tokens). */
function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
