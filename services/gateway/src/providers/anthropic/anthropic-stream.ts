/**
 * A streamed Anthropic message read event by event (`message_start` ... `message_stop`): the
 * answer's pieces go to the listener as they arrive (text deltas, or the forced tool's
 * `input_json_delta` pieces for structured output), and the message is rebuilt so the result is
 * read by the same {@link fromAnthropicMessage} as a non-streamed call. Usage is the vendor's:
 * `message_start` carries the input side, each `message_delta` the output so far.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { ChatCall, ChatResult, StreamListener, TokenCounts } from '../chat-provider';
import { ProviderError } from '../provider-error';
import { AnswerShape, type AnswerTarget } from '../vendor-answer-shape';
import { callVendor, type Scrub } from '../vendor-call';
import type { AnthropicMessagesClient } from './anthropic-provider';
import { fromAnthropicMessage, toAnthropicParams } from './anthropic-translation';

export function toAnthropicStreamParams(
  call: ChatCall,
  model: string,
): Anthropic.MessageCreateParamsStreaming {
  return { ...toAnthropicParams(call), model, stream: true };
}

/** One streamed call through the SDK (`messages.create({ stream: true })`, an async iterable of raw events). */
export function streamAnthropic(
  client: AnthropicMessagesClient,
  call: ChatCall,
  model: string,
  target: { provider: string; model: string },
  scrub: Scrub,
  onPiece: StreamListener,
  headers?: Record<string, string>,
): Promise<ChatResult> {
  const reader = new AnthropicStreamReader(call, onPiece, target);
  return callVendor(
    target,
    call,
    scrub,
    async (signal) => {
      const { data, request_id } = await client.messages
        .create(toAnthropicStreamParams(call, model), {
          signal,
          timeout: call.timeoutMs,
          maxRetries: 0,
          headers,
        })
        .withResponse();
      for await (const event of data) reader.add(event);
      return reader.result(target, request_id ?? undefined);
    },
    () => reader.partialUsage(),
  );
}

type Block =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; json: string }
  | { type: 'other' };

export class AnthropicStreamReader {
  private readonly blocks: Block[] = [];
  private usage: TokenCounts | undefined;
  private stopReason: Anthropic.StopReason | null = null;
  private streamed = 0;
  private events = 0;
  /** `message_stop` arrived: the SDK ends its iteration quietly when the body ends, so only this says the answer is whole. */
  private stopped = false;
  private readonly shape: AnswerShape;

  constructor(
    private readonly call: ChatCall,
    private readonly onPiece: StreamListener,
    target: AnswerTarget,
  ) {
    this.shape = new AnswerShape(target, 'stream event');
  }

  add(raw: Anthropic.RawMessageStreamEvent): void {
    const shape = this.shape;
    const event = shape.object(raw, `event ${this.events}`);
    this.events++;
    switch (event.type) {
      case 'message_start': {
        const u = shape.object(
          shape.object(event.message, 'message_start.message').usage,
          'message_start.message.usage',
        );
        this.usage = {
          inputTokens: shape.tokens(u.input_tokens, 'message_start usage.input_tokens'),
          outputTokens: shape.tokens(u.output_tokens, 'message_start usage.output_tokens', 0),
          cacheReadTokens: shape.tokens(
            u.cache_read_input_tokens,
            'message_start usage.cache_read_input_tokens',
            0,
          ),
          cacheWriteTokens: shape.tokens(
            u.cache_creation_input_tokens,
            'message_start usage.cache_creation_input_tokens',
            0,
          ),
        };
        return;
      }
      case 'content_block_start': {
        const index = this.index(event.index, 'content_block_start');
        const b = shape.object(event.content_block, 'content_block_start.content_block');
        this.blocks[index] =
          b.type === 'text'
            ? { type: 'text', text: shape.text(b.text, 'content_block_start text', true) ?? '' }
            : b.type === 'tool_use'
              ? {
                  type: 'tool_use',
                  id: String(b.id ?? ''),
                  name: shape.text(b.name, 'content_block_start tool name')!,
                  json: '',
                }
              : { type: 'other' };
        return;
      }
      case 'content_block_delta': {
        const block = this.blocks[this.index(event.index, 'content_block_delta')];
        const d = shape.object(event.delta, 'content_block_delta.delta');
        if (d.type === 'text_delta') {
          const text = shape.text(d.text, 'text_delta.text')!;
          if (block?.type !== 'text') return;
          block.text += text;
          // JSON output (output_config.format) arrives as text: its pieces are the structured answer's.
          if (!this.call.responseSchema || this.call.structuredOutput === 'json-schema') this.emit(text);
        } else if (d.type === 'input_json_delta') {
          const json = shape.text(d.partial_json, 'input_json_delta.partial_json')!;
          if (block?.type !== 'tool_use') return;
          block.json += json;
          if (this.call.responseSchema && block.name === this.call.responseSchema.name) this.emit(json);
        }
        return;
      }
      case 'message_delta': {
        const delta = shape.object(event.delta, 'message_delta.delta');
        this.stopReason = (shape.text(delta.stop_reason, 'message_delta.stop_reason', true) ||
          null) as Anthropic.StopReason | null;
        const u = shape.object(event.usage, 'message_delta.usage');
        const was = this.usage ?? {
          inputTokens: 0,
          outputTokens: 0,
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
        };
        // Totals for the whole message: each overrides, never adds to, what message_start said.
        this.usage = {
          inputTokens: shape.tokens(u.input_tokens, 'message_delta usage.input_tokens', was.inputTokens),
          outputTokens: shape.tokens(u.output_tokens, 'message_delta usage.output_tokens'),
          cacheReadTokens: shape.tokens(
            u.cache_read_input_tokens,
            'message_delta usage.cache_read_input_tokens',
            was.cacheReadTokens,
          ),
          cacheWriteTokens: shape.tokens(
            u.cache_creation_input_tokens,
            'message_delta usage.cache_creation_input_tokens',
            was.cacheWriteTokens,
          ),
        };
        return;
      }
      case 'message_stop':
        this.stopped = true;
        return;
      default:
        return;
    }
  }

  private index(value: unknown, event: string): number {
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value < 1024) return value;
    return this.shape.fail(`${event}.index is ${JSON.stringify(value) ?? 'missing'}, not a block index`);
  }

  private emit(piece: string): void {
    if (!piece) return;
    this.streamed += piece.length;
    this.onPiece(piece, this.usage);
  }

  /** What was used so far: the input `message_start` reported, and the output at least as long as what streamed. */
  partialUsage(): TokenCounts | undefined {
    if (!this.usage) return undefined;
    return { ...this.usage, outputTokens: Math.max(this.usage.outputTokens, Math.ceil(this.streamed / 3)) };
  }

  result(target: { provider: string; model: string }, vendorRequestId: string | undefined): ChatResult {
    if (!this.stopped) {
      throw new ProviderError(
        'network',
        `${target.provider}/${target.model}'s stream ended after ${this.events} event(s) without message_stop: the answer is incomplete`,
        {
          ...target,
          vendorRequestId,
          usage: this.partialUsage(),
        },
      );
    }
    const content = this.blocks.flatMap((b): Anthropic.ContentBlock[] => {
      if (b.type === 'text') return [{ type: 'text', text: b.text, citations: null }];
      if (b.type === 'tool_use')
        return [
          {
            type: 'tool_use',
            id: b.id,
            name: b.name,
            input: parseInput(b.json),
            caller: undefined,
          } as unknown as Anthropic.ToolUseBlock,
        ];
      return [];
    });
    const usage = this.usage ?? { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
    const message = {
      content,
      stop_reason: this.stopReason,
      usage: {
        input_tokens: usage.inputTokens,
        output_tokens: usage.outputTokens,
        cache_read_input_tokens: usage.cacheReadTokens,
        cache_creation_input_tokens: usage.cacheWriteTokens,
      },
    } as unknown as Anthropic.Message;
    return fromAnthropicMessage(message, this.call, target, vendorRequestId);
  }
}

/** A tool's streamed input; not JSON (cut short, malformed) reads as no input, which the translation reports as bad output. */
function parseInput(json: string): unknown {
  try {
    return json ? JSON.parse(json) : {};
  } catch {
    return undefined;
  }
}
