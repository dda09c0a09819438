/**
 * A streamed Chat Completion read chunk by chunk: each content piece goes to the listener as it
 * arrives, and the whole answer is rebuilt into a completion so the result (structured output,
 * usage, errors) is read by the same {@link fromOpenAICompletion} as a non-streamed call. Usage is
 * the vendor's, from the last chunk that `stream_options.include_usage` asks for.
 */
import type OpenAI from 'openai';
import { estimatePromptTokens } from '../../cost/price-book';
import type { ChatCall, ChatResult, StreamListener, TokenCounts } from '../chat-provider';
import { callVendor, type Scrub } from '../vendor-call';
import type { OpenAICompletionsClient } from './openai-provider';
import { fromOpenAICompletion, toOpenAIParams } from './openai-translation';

/** The request of a streamed call: usage is always asked for, whatever the gateway's own client asked. */
export function toOpenAIStreamParams(call: ChatCall, model: string): OpenAI.ChatCompletionCreateParamsStreaming {
  return { ...toOpenAIParams(call, model), stream: true, stream_options: { include_usage: true } };
}

/** One streamed call through the SDK (`create({ stream: true })`, an async iterable of chunks). */
export function streamOpenAI(
  client: OpenAICompletionsClient, call: ChatCall, model: string, target: { provider: string; model: string }, scrub: Scrub, onPiece: StreamListener,
  headers?: Record<string, string>,
): Promise<ChatResult> {
  const reader = new OpenAIStreamReader(call, onPiece);
  return callVendor(target, call, scrub, async (signal) => {
    const { data, request_id } = await client.chat.completions
      .create(toOpenAIStreamParams(call, model), { signal, timeout: call.timeoutMs, maxRetries: 0, headers })
      .withResponse();
    for await (const chunk of data) reader.add(chunk);
    return reader.result(target, request_id ?? undefined);
  }, () => reader.partialUsage());
}

export class OpenAIStreamReader {
  private text = '';
  private finishReason: OpenAI.ChatCompletionChunk.Choice['finish_reason'] = null;
  private usage: OpenAI.CompletionUsage | undefined;

  constructor(private readonly call: ChatCall, private readonly onPiece: StreamListener) {}

  add(chunk: OpenAI.ChatCompletionChunk): void {
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) return;
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
    const piece = choice.delta?.content;
    if (piece) {
      this.text += piece;
      this.onPiece(piece, undefined);
    }
  }

  /**
   * What was used so far. Before the usage chunk the vendor has said nothing, so the prompt and
   * what streamed are estimated (the gateway's estimate, 3 characters a token, errs high).
   */
  partialUsage(): TokenCounts {
    if (this.usage) return usageOf(this.usage);
    return {
      inputTokens: estimatePromptTokens(this.call.system, this.call.messages), outputTokens: Math.ceil(this.text.length / 3),
      cacheReadTokens: 0, cacheWriteTokens: 0,
    };
  }

  result(target: { provider: string; model: string }, vendorRequestId: string | undefined): ChatResult {
    const completion = {
      choices: [{ index: 0, message: { role: 'assistant', content: this.text, refusal: null }, finish_reason: this.finishReason ?? 'stop', logprobs: null }],
      usage: this.usage,
    } as unknown as OpenAI.ChatCompletion;
    return fromOpenAICompletion(completion, this.call, target, vendorRequestId);
  }
}

function usageOf(u: OpenAI.CompletionUsage): TokenCounts {
  const cached = u.prompt_tokens_details?.cached_tokens ?? 0;
  return { inputTokens: Math.max(0, u.prompt_tokens - cached), outputTokens: u.completion_tokens, cacheReadTokens: cached, cacheWriteTokens: 0 };
}
