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
import { fromOpenAICompletion, toOpenAIParams, usageOf } from './openai-translation';
import { ProviderError } from '../provider-error';
import { AnswerShape, type AnswerTarget } from '../vendor-answer-shape';

/** The request of a streamed call: usage is always asked for, whatever the gateway's own client asked. */
export function toOpenAIStreamParams(
  call: ChatCall,
  model: string,
): OpenAI.ChatCompletionCreateParamsStreaming {
  return { ...toOpenAIParams(call, model), stream: true, stream_options: { include_usage: true } };
}

/** One streamed call through the SDK (`create({ stream: true })`, an async iterable of chunks). */
export function streamOpenAI(
  client: OpenAICompletionsClient,
  call: ChatCall,
  model: string,
  target: { provider: string; model: string },
  scrub: Scrub,
  onPiece: StreamListener,
  headers?: Record<string, string>,
): Promise<ChatResult> {
  const reader = new OpenAIStreamReader(call, onPiece, target);
  return callVendor(
    target,
    call,
    scrub,
    async (signal) => {
      const { data, request_id } = await client.chat.completions
        .create(toOpenAIStreamParams(call, model), {
          signal,
          timeout: call.timeoutMs,
          maxRetries: 0,
          headers,
        })
        .withResponse();
      for await (const chunk of data) reader.add(chunk);
      return reader.result(target, request_id ?? undefined);
    },
    () => reader.partialUsage(),
  );
}

export class OpenAIStreamReader {
  private text = '';
  private finishReason: string | undefined;
  private usage: TokenCounts | undefined;
  private chunks = 0;
  private readonly shape: AnswerShape;

  constructor(
    private readonly call: ChatCall,
    private readonly onPiece: StreamListener,
    target: AnswerTarget,
  ) {
    this.shape = new AnswerShape(target, 'stream chunk');
  }

  add(raw: OpenAI.ChatCompletionChunk): void {
    const shape = this.shape;
    const chunk = shape.object(raw, `chunk ${this.chunks}`);
    this.chunks++;
    if (chunk.usage !== undefined && chunk.usage !== null) this.usage = usageOf(shape, chunk.usage);
    // The usage chunk has no choices (`[]`, or none at all from some compatible servers); any other chunk that has none lost its answer.
    if (chunk.choices === undefined || chunk.choices === null) {
      if (chunk.usage === undefined || chunk.usage === null)
        shape.fail('a chunk has neither choices nor usage');
      return;
    }
    const choices = shape.array(chunk.choices, 'chunk.choices');
    if (choices.length === 0) return;
    const choice = shape.object(choices[0], 'chunk.choices[0]');
    const finish = shape.text(choice.finish_reason, 'chunk.choices[0].finish_reason', true);
    if (finish) this.finishReason = finish;
    const delta =
      choice.delta === undefined || choice.delta === null
        ? {}
        : shape.object(choice.delta, 'chunk.choices[0].delta');
    const piece = shape.text(delta.content, 'chunk.choices[0].delta.content', true);
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
    if (this.usage) return this.usage;
    return {
      inputTokens: estimatePromptTokens(this.call.system, this.call.messages),
      outputTokens: Math.ceil(this.text.length / 3),
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    };
  }

  result(target: { provider: string; model: string }, vendorRequestId: string | undefined): ChatResult {
    // The SDK ends its iteration quietly when the body ends; only a finish_reason says the answer is whole.
    if (!this.finishReason) {
      throw new ProviderError(
        'network',
        `${target.provider}/${target.model}'s stream ended after ${this.chunks} chunk(s) without a finish_reason: the answer is incomplete`,
        {
          ...target,
          vendorRequestId,
          usage: this.partialUsage(),
        },
      );
    }
    // No usage chunk (a compatible server that ignores stream_options): the estimate, not zero, is booked.
    const u = this.partialUsage();
    const completion = {
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: this.text, refusal: null },
          finish_reason: this.finishReason,
          logprobs: null,
        },
      ],
      usage: {
        prompt_tokens: u.inputTokens + u.cacheReadTokens,
        completion_tokens: u.outputTokens,
        prompt_tokens_details: { cached_tokens: u.cacheReadTokens },
      },
    } as unknown as OpenAI.ChatCompletion;
    return fromOpenAICompletion(completion, this.call, target, vendorRequestId);
  }
}
