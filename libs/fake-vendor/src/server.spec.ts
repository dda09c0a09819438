import Anthropic from '@anthropic-ai/sdk';
import AnthropicBedrock from '@anthropic-ai/bedrock-sdk';
import OpenAI from 'openai';
import { FORCED_TOOL_CHOICE_MESSAGE } from './anthropic-wire';
import { FakeVendorServer } from './server';
import { SIMULATED_LABEL } from './simulated-reviewer';

const KEY = 'sk-ant-test-0123456789abcdef';
const OPENAI_KEY = 'sk-proj-test-abcdef0123456789';

const findingsSchema = {
  type: 'object',
  properties: {
    summary: { type: 'string' },
    findings: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          file: { type: 'string' },
          startLine: { type: 'integer' },
          endLine: { type: 'integer' },
          severity: { type: 'string', enum: ['blocker', 'major', 'minor', 'info'] },
          category: { type: 'string' },
          message: { type: 'string' },
        },
        required: ['file', 'startLine', 'endLine', 'severity', 'category', 'message'],
      },
    },
  },
  required: ['summary', 'findings'],
};

const diff = [
  'diff --git a/App/Login.swift b/App/Login.swift',
  '--- a/App/Login.swift',
  '+++ b/App/Login.swift',
  '@@ -10,3 +12,5 @@ final class Login {',
  '+    let token = UserDefaults.standard.string(forKey: "token")',
].join('\n');

describe('FakeVendorServer', () => {
  let vendor: FakeVendorServer;
  let anthropic: Anthropic;
  let openai: OpenAI;

  beforeAll(async () => {
    vendor = new FakeVendorServer({ apiKeys: [KEY, OPENAI_KEY], contextWindows: { 'small-model': 50 } });
    await vendor.start();
    anthropic = new Anthropic({ apiKey: KEY, baseURL: vendor.anthropicBaseUrl, maxRetries: 0 });
    openai = new OpenAI({ apiKey: OPENAI_KEY, baseURL: vendor.openaiBaseUrl, maxRetries: 0 });
  });
  afterEach(() => vendor.reset());
  afterAll(() => vendor.close());

  it('answers an Anthropic message with usage, a request id, and simulated findings through tool use', async () => {
    const { data, request_id } = await anthropic.messages
      .create({
        model: 'claude-sonnet-4-5',
        max_tokens: 512,
        messages: [{ role: 'user', content: `Review:\n${diff}` }],
        tools: [{ name: 'report', input_schema: findingsSchema as Anthropic.Tool.InputSchema }],
        tool_choice: { type: 'tool', name: 'report' },
      })
      .withResponse();
    expect(request_id).toMatch(/^req_/);
    const block = data.content[0];
    expect(block.type).toBe('tool_use');
    const input = (block as Anthropic.ToolUseBlock).input as {
      summary: string;
      findings: Array<{ file: string; message: string; severity: string }>;
    };
    expect(input.findings[0].file).toBe('App/Login.swift');
    expect(input.findings[0].message).toContain(SIMULATED_LABEL);
    expect(['blocker', 'major', 'minor', 'info']).toContain(input.findings[0].severity);
    expect(data.usage.input_tokens).toBeGreaterThan(0);
    expect(data.usage.cache_read_input_tokens).toBe(0);
    expect(vendor.count('anthropic', 200)).toBe(1);
  });

  it('is deterministic for the same prompt', async () => {
    const ask = () =>
      openai.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: diff }] });
    const [a, b] = await Promise.all([ask(), ask()]);
    expect(a.choices[0].message.content).toBe(b.choices[0].message.content);
  });

  it('reports Anthropic cache writes then reads for a cache_control prefix', async () => {
    const ask = () =>
      anthropic.messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 100,
        system: [
          { type: 'text', text: 'You review Swift code. '.repeat(40), cache_control: { type: 'ephemeral' } },
        ],
        messages: [{ role: 'user', content: 'hello' }],
      });
    const first = await ask();
    const second = await ask();
    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(first.usage.cache_read_input_tokens).toBe(0);
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(second.usage.cache_creation_input_tokens).toBe(0);
  });

  it('streams Anthropic SSE that the SDK assembles, usage included', async () => {
    const stream = anthropic.messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: diff }],
    });
    const message = await stream.finalMessage();
    expect((message.content[0] as Anthropic.TextBlock).text).toContain(SIMULATED_LABEL);
    expect(message.usage.output_tokens).toBeGreaterThan(1);
  });

  it('streams OpenAI chunks ending in [DONE] with a usage chunk when asked', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gpt-4.1',
      messages: [{ role: 'user', content: diff }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toContain('App/Login.swift');
    expect(usage?.prompt_tokens).toBeGreaterThan(0);
  });

  it('answers OpenAI json_schema output with the simulated findings', async () => {
    const res = await openai.chat.completions.create({
      model: 'gpt-4.1',
      messages: [{ role: 'user', content: diff }],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'report', schema: findingsSchema, strict: true },
      },
    });
    const parsed = JSON.parse(res.choices[0].message.content!);
    expect(parsed.findings[0].file).toBe('App/Login.swift');
    expect(res.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
  });

  it('fails in each vendor shape: 429 with Retry-After, 529, 500, context length', async () => {
    vendor.enqueue(
      'anthropic',
      { kind: 'rate-limit', retryAfterSeconds: 7 },
      { kind: 'overloaded' },
      { kind: 'server-error' },
    );
    const call = () =>
      anthropic.messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'x' }],
      });
    const rate = await call().catch((e: unknown) => e);
    expect(rate).toBeInstanceOf(Anthropic.RateLimitError);
    expect((rate as InstanceType<typeof Anthropic.APIError>).headers?.get('retry-after')).toBe('7');
    expect((rate as InstanceType<typeof Anthropic.APIError>).requestID).toMatch(/^req_/);
    const overloaded = await call().catch((e: unknown) => e);
    expect((overloaded as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    expect(await call().catch((e: unknown) => e)).toBeInstanceOf(Anthropic.InternalServerError);

    const tooLong = await openai.chat.completions
      .create({ model: 'small-model', messages: [{ role: 'user', content: 'x'.repeat(1000) }] })
      .catch((e: unknown) => e);
    expect(tooLong).toBeInstanceOf(OpenAI.BadRequestError);
    expect((tooLong as InstanceType<typeof OpenAI.APIError>).code).toBe('context_length_exceeded');
  });

  it('refuses a forced tool_choice on the Claude 5.5 models with a 400 invalid_request_error, as Anthropic does', async () => {
    const tools = [{ name: 'report', input_schema: { type: 'object' as const, properties: {} } }];
    for (const tool_choice of [{ type: 'tool' as const, name: 'report' }, { type: 'any' as const }]) {
      const res = await fetch(`${vendor.anthropicBaseUrl}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'claude-sonnet-5-5',
          max_tokens: 64,
          messages: [{ role: 'user', content: 'x' }],
          tools,
          tool_choice,
        }),
      });
      expect(res.status).toBe(400);
      const requestId = res.headers.get('request-id');
      expect(requestId).toMatch(/^req_/);
      expect(await res.json()).toEqual({
        type: 'error',
        error: { type: 'invalid_request_error', message: FORCED_TOOL_CHOICE_MESSAGE },
        request_id: requestId,
      });
    }
    const viaSdk = await anthropic.messages
      .create({
        model: 'claude-opus-5-5',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'x' }],
        tools,
        tool_choice: { type: 'tool', name: 'report' },
      })
      .catch((e: unknown) => e);
    expect(viaSdk).toBeInstanceOf(Anthropic.BadRequestError);
    // tool_choice auto is accepted, and so is a forced tool on a model that allows it.
    const auto = await anthropic.messages.create({
      model: 'claude-sonnet-5-5',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'x' }],
      tools,
      tool_choice: { type: 'auto' },
    });
    expect(auto.type).toBe('message');
    const older = await anthropic.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'x' }],
      tools,
      tool_choice: { type: 'tool', name: 'report' },
    });
    expect(older.content[0].type).toBe('tool_use');
    expect(vendor.served('anthropic').map((r) => r.status)).toEqual([400, 400, 400, 200, 200]);
  });

  it('answers output_config.format with the simulated findings as JSON text', async () => {
    const message = await anthropic.messages.create({
      model: 'claude-sonnet-5-5',
      max_tokens: 512,
      messages: [{ role: 'user', content: `Review:\n${diff}` }],
      output_config: { format: { type: 'json_schema', schema: findingsSchema } },
    });
    expect(message.content).toHaveLength(1);
    const block = message.content[0];
    expect(block.type).toBe('text');
    const answer = JSON.parse((block as Anthropic.TextBlock).text) as {
      summary: string;
      findings: Array<{ file: string }>;
    };
    expect(answer.summary).toContain(SIMULATED_LABEL);
    expect(answer.findings[0].file).toBe('App/Login.swift');
  });

  it('rejects an unknown key with a 401 that echoes it, as the real OpenAI API does', async () => {
    const wrong = new OpenAI({ apiKey: 'sk-wrong-key-123', baseURL: vendor.openaiBaseUrl, maxRetries: 0 });
    const error = await wrong.chat.completions
      .create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(String((error as Error).message)).toContain('sk-wrong-key-123');
  });

  it('hangs until the client aborts, and cuts streams midway', async () => {
    vendor.enqueue('openai', { kind: 'hang' }, { kind: 'cut', afterEvents: 2 });
    const aborted = await openai.chat.completions
      .create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'x' }] }, { timeout: 200 })
      .catch((e: unknown) => e);
    // A timeout is a connection error (APIConnectionTimeoutError outside Jest's realm, where the DOMException is recognised).
    expect(aborted).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(vendor.served('openai')[0].outcome).toBe('hang');
    const stream = await openai.chat.completions.create({
      model: 'gpt-4.1',
      messages: [{ role: 'user', content: diff }],
      stream: true,
    });
    const consumed = (async () => {
      for await (const _ of stream) void _;
    })();
    await expect(consumed).rejects.toThrow();
  });

  it('streams each SSE event as its own write, held until released, in both wire formats', async () => {
    const events: string[] = [];
    let open!: () => void;
    const release = new Promise<void>((resolve) => {
      open = resolve;
    });
    vendor.enqueue('openai', {
      kind: 'reply',
      text: 'x'.repeat(100),
      chunkDelayMs: 1,
      holdAfterEvents: 2,
      release,
      onStream: (e) => events.push(e),
    });
    const stream = await openai.chat.completions.create({
      model: 'gpt-4.1',
      messages: [{ role: 'user', content: diff }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) {
      const piece = chunk.choices[0]?.delta.content ?? '';
      if (piece && !text) {
        events.push('client saw the first piece');
        open();
      }
      text += piece;
    }
    expect(text).toBe('x'.repeat(100));
    expect(events).toEqual(['held', 'client saw the first piece', 'released', 'finished']);

    const anthropicEvents: string[] = [];
    vendor.enqueue('anthropic', {
      kind: 'reply',
      text: 'held answer',
      holdAfterEvents: 3,
      onStream: (e) => anthropicEvents.push(e),
    });
    const held = anthropic.messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 50,
      messages: [{ role: 'user', content: diff }],
    });
    // Never released: the client leaves while the vendor holds, and the vendor writes nothing more.
    held.on('streamEvent', (e) => {
      if (e.type === 'content_block_start') held.abort();
    });
    await held.done().catch(() => undefined);
    for (let i = 0; i < 200 && !anthropicEvents.includes('client-closed'); i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(anthropicEvents).toEqual(['held', 'client-closed']);
  });

  it('serves the Bedrock path with a Bedrock API key', async () => {
    const bedrock = new AnthropicBedrock({
      apiKey: KEY,
      baseURL: vendor.url,
      awsRegion: 'eu-central-1',
      maxRetries: 0,
    });
    const msg = await bedrock.messages.create({
      model: 'anthropic.claude-sonnet-4-5',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(msg.content[0].type).toBe('text');
    expect(vendor.served('anthropic')[0].dialect).toBe('bedrock');
  });

  it('counts only, without bodies, in count mode', async () => {
    const quiet = new FakeVendorServer({ log: 'count' });
    const base = await quiet.start();
    const client = new OpenAI({ apiKey: 'any', baseURL: `${base}/v1`, maxRetries: 0 });
    await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'secret-ish' }] });
    expect(quiet.count('openai', 200)).toBe(1);
    expect(quiet.served()).toHaveLength(0);
    await quiet.close();
  });
});
