/**
 * A streamed Anthropic message read event by event (`message_start` ... `message_stop`): the
 * answer's pieces go to the listener as they arrive (text deltas, or the forced tool's
 * `input_json_delta` pieces for structured output), and the message is rebuilt so the result is
 * read by the same {@link fromAnthropicMessage} as a non-streamed call. Usage is the vendor's:
 * `message_start` carries the input side, each `message_delta` the output so far.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { ChatCall, ChatResult, StreamListener, TokenCounts } from '../chat-provider';
import { callVendor, type Scrub } from '../vendor-call';
import type { AnthropicMessagesClient } from './anthropic-provider';
import { fromAnthropicMessage, toAnthropicParams } from './anthropic-translation';

export function toAnthropicStreamParams(call: ChatCall, model: string): Anthropic.MessageCreateParamsStreaming {
  return { ...toAnthropicParams(call), model, stream: true };
}

/** One streamed call through the SDK (`messages.create({ stream: true })`, an async iterable of raw events). */
export function streamAnthropic(
  client: AnthropicMessagesClient, call: ChatCall, model: string, target: { provider: string; model: string }, scrub: Scrub, onPiece: StreamListener,
  headers?: Record<string, string>,
): Promise<ChatResult> {
  const reader = new AnthropicStreamReader(call, onPiece);
  return callVendor(target, call, scrub, async (signal) => {
    const { data, request_id } = await client.messages
      .create(toAnthropicStreamParams(call, model), { signal, timeout: call.timeoutMs, maxRetries: 0, headers })
      .withResponse();
    for await (const event of data) reader.add(event);
    return reader.result(target, request_id ?? undefined);
  }, () => reader.partialUsage());
}

type Block = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; json: string } | { type: 'other' };

export class AnthropicStreamReader {
  private readonly blocks: Block[] = [];
  private usage: TokenCounts | undefined;
  private stopReason: Anthropic.StopReason | null = null;
  private streamed = 0;

  constructor(private readonly call: ChatCall, private readonly onPiece: StreamListener) {}

  add(event: Anthropic.RawMessageStreamEvent): void {
    switch (event.type) {
      case 'message_start': {
        const u = event.message.usage;
        this.usage = { inputTokens: u.input_tokens, outputTokens: u.output_tokens, cacheReadTokens: u.cache_read_input_tokens ?? 0, cacheWriteTokens: u.cache_creation_input_tokens ?? 0 };
        return;
      }
      case 'content_block_start': {
        const b = event.content_block;
        this.blocks[event.index] = b.type === 'text' ? { type: 'text', text: b.text } : b.type === 'tool_use' ? { type: 'tool_use', id: b.id, name: b.name, json: '' } : { type: 'other' };
        return;
      }
      case 'content_block_delta': {
        const block = this.blocks[event.index];
        const d = event.delta;
        if (d.type === 'text_delta' && block?.type === 'text') {
          block.text += d.text;
          // JSON output (output_config.format) arrives as text: its pieces are the structured answer's.
          if (!this.call.responseSchema || this.call.structuredOutput === 'json-schema') this.emit(d.text);
        } else if (d.type === 'input_json_delta' && block?.type === 'tool_use') {
          block.json += d.partial_json;
          if (this.call.responseSchema && block.name === this.call.responseSchema.name) this.emit(d.partial_json);
        }
        return;
      }
      case 'message_delta': {
        this.stopReason = event.delta.stop_reason;
        const u = event.usage;
        const was = this.usage ?? { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
        // Totals for the whole message: each overrides, never adds to, what message_start said.
        this.usage = {
          inputTokens: u.input_tokens ?? was.inputTokens, outputTokens: u.output_tokens,
          cacheReadTokens: u.cache_read_input_tokens ?? was.cacheReadTokens, cacheWriteTokens: u.cache_creation_input_tokens ?? was.cacheWriteTokens,
        };
        return;
      }
      default:
        return;
    }
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
    const content = this.blocks.flatMap((b): Anthropic.ContentBlock[] => {
      if (b.type === 'text') return [{ type: 'text', text: b.text, citations: null }];
      if (b.type === 'tool_use') return [{ type: 'tool_use', id: b.id, name: b.name, input: parseInput(b.json), caller: undefined } as unknown as Anthropic.ToolUseBlock];
      return [];
    });
    const usage = this.usage ?? { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
    const message = {
      content, stop_reason: this.stopReason,
      usage: { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens, cache_read_input_tokens: usage.cacheReadTokens, cache_creation_input_tokens: usage.cacheWriteTokens },
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
