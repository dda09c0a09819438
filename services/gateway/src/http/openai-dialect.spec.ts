import type { GatewayResponse } from '@agentflow/contracts';
import { openaiDialect } from './openai-dialect';

describe('openaiDialect.answer', () => {
  it('writes a chat.completion whose JSON holds the text as sent, quotes, newlines and all', () => {
    const call = openaiDialect.parse({ model: 'gpt-"4.1"', messages: [{ role: 'user', content: 'hi' }] });
    if (typeof call === 'string') throw new Error(call);
    const text = 'line "one"\nline \\two\\ \u2028 ✓';
    const response = {
      requestId: 'r',
      status: 'ok',
      text,
      cached: false,
      attempts: [],
      vendorMs: 1,
      costUsd: 0,
      usage: { inputTokens: 10, outputTokens: 5, cacheReadTokens: 3, cacheWriteTokens: 2 },
    } as GatewayResponse;
    const body = JSON.parse(openaiDialect.answer(call, response, 'chatcmpl-1')) as Record<string, unknown>;
    expect(body).toEqual({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: expect.any(Number),
      model: 'gpt-"4.1"',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: text, refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: 15,
        completion_tokens: 5,
        total_tokens: 20,
        prompt_tokens_details: { cached_tokens: 3 },
      },
    });
  });
});
