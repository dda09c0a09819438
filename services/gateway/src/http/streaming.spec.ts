import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { FakeVendorServer, type StreamEvent } from '@agentflow/fake-vendor';
import type { LedgerEntry } from '../cost/ledger-entry';
import { MemoryRecordSink } from '../cost/record-sink';
import { Gateway } from '../gateway';
import { MemoryKv } from '../testing/memory-kv';
import { ANTHROPIC_KEY, OPENAI_KEY, testEnv, testProviders, testSettings } from '../testing/fixtures';
import { KeyRequestRate } from '../virtual-keys/request-rate';
import { checkVirtualKeysFile, hashVirtualKey } from '../virtual-keys/virtual-keys';
import { GatewayHttpFront } from './http-front';
import { createGatewayHttpServer } from './node-server';
import type { PooledProvider } from './vendor-pool';

const TEAM_KEY = 'vk-stream-0123456789abcdef';

/** Waits for something the gateway does after the client's stream ended (ledger, vendor close). */
async function until<T>(what: string, probe: () => T | undefined): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** A gate the fake vendor holds its stream on, opened by the test once it saw the first chunk. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  // Only a safety net so a buffering gateway fails the ordering assertion instead of hanging the suite.
  const release = Promise.race([opened, new Promise((r) => setTimeout(r, 5_000))]);
  return { open, release };
}

describe('gateway HTTP front streams through', () => {
  let vendor: FakeVendorServer;
  let gateway: Gateway;
  let server: Server;
  let base: string;
  let records: MemoryRecordSink;
  let pools: PooledProvider[];

  beforeAll(async () => {
    vendor = new FakeVendorServer({ apiKeys: [ANTHROPIC_KEY, OPENAI_KEY, 'no-key'] });
    const vendorUrl = await vendor.start();
    const providers = testProviders(vendorUrl);
    records = new MemoryRecordSink();
    gateway = new Gateway({
      providersConfig: providers,
      settings: testSettings(),
      state: {
        limits: new MemoryKv('limits'),
        budgets: new MemoryKv('budgets'),
        cache: new MemoryKv('cache'),
      },
      records,
      env: testEnv,
      logLevel: 'silent',
      pooledClients: true,
    });
    pools = [...gateway.pooledProviders];
    await gateway.start();
    const keys = checkVirtualKeysFile(
      {
        keys: [{ name: 'streamer', sha256: hashVirtualKey(TEAM_KEY), team: 'ios', project: 'shop-ios' }],
        routes: {
          'gpt-4.1': [
            { provider: 'openai', model: 'gpt-4.1' },
            { provider: 'anthropic', model: 'claude-sonnet-4-5' },
          ],
          'claude-review': [
            { provider: 'anthropic', model: 'claude-sonnet-4-5' },
            { provider: 'openai', model: 'gpt-4.1' },
          ],
        },
      },
      'test keys',
      providers,
    );
    server = createGatewayHttpServer(
      new GatewayHttpFront({
        gateway,
        keys,
        rate: new KeyRequestRate(),
        logger: gateway.logger,
        requestTimeoutMs: 20_000,
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await gateway.stop();
    await Promise.all(pools.map((p) => p.close()));
    await vendor.close();
  });

  beforeEach(() => vendor.reset());

  const openai = () => new OpenAI({ apiKey: TEAM_KEY, baseURL: `${base}/v1`, maxRetries: 0 });
  const anthropic = () => new Anthropic({ apiKey: TEAM_KEY, baseURL: base, maxRetries: 0 });
  const ask = (n: string) => [
    { role: 'user' as const, content: `Review this Swift change ${n} ${Math.random()}` },
  ];
  const ledgerOf = (requestId: string) => records.entries.filter((e) => e.requestId === requestId);
  const settledLedger = (requestId: string) =>
    until<LedgerEntry[]>(`the ledger entry of ${requestId}`, () =>
      ledgerOf(requestId).length ? ledgerOf(requestId) : undefined,
    );

  describe('OpenAI dialect', () => {
    it('sends the first chunk while the vendor is still holding the rest of its stream', async () => {
      const events: string[] = [];
      const { open, release } = gate();
      vendor.enqueue('openai', {
        kind: 'reply',
        text: 'first words, then the rest of the review',
        holdAfterEvents: 2,
        release,
        onStream: (e: StreamEvent) => events.push(`vendor:${e}`),
      });
      const stream = await openai().chat.completions.create({
        model: 'gpt-4.1',
        messages: ask('hold'),
        max_tokens: 200,
        stream: true,
      });
      let text = '';
      for await (const chunk of stream) {
        const piece = chunk.choices[0]?.delta.content ?? '';
        if (piece && !text) {
          events.push('client:first-chunk');
          open();
        }
        text += piece;
      }
      expect(events).toEqual(['vendor:held', 'client:first-chunk', 'vendor:released', 'vendor:finished']);
      expect(text).toBe('first words, then the rest of the review');
    });

    it('falls back to the next provider when the vendor fails before the first content byte, unseen by the client', async () => {
      vendor.enqueue(
        'openai',
        { kind: 'overloaded' },
        { kind: 'cut', afterEvents: 1 },
        { kind: 'stream-error', afterEvents: 1 },
      );
      vendor.enqueue('anthropic', { kind: 'reply', text: 'answered by the fallback' });
      const { data: stream, response } = await openai()
        .chat.completions.create({
          model: 'gpt-4.1',
          messages: ask('fallback'),
          max_tokens: 200,
          stream: true,
        })
        .withResponse();
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      expect(text).toBe('answered by the fallback');
      expect(response.headers.get('x-agentflow-provider')).toBe('anthropic');
      expect(vendor.served('openai').map((r) => r.outcome)).toEqual(['overloaded', 'cut', 'stream-error']);
      expect(vendor.count('anthropic', 200)).toBe(1);
    });

    it('ends the stream with an error chunk when the vendor breaks after the first byte, books the partial spend and caches nothing', async () => {
      const messages = ask('cut-midway');
      // The role chunk and two content chunks, then the connection drops.
      vendor.enqueue('openai', { kind: 'cut', afterEvents: 3 });
      const { data: stream, response } = await openai()
        .chat.completions.create({ model: 'gpt-4.1', messages, max_tokens: 200, stream: true })
        .withResponse();
      let text = '';
      const error = await (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      })().catch((e: unknown) => e);
      expect(text.length).toBeGreaterThan(0);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect((error as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
        type: 'server_error',
        code: 'upstream_failed',
      });
      // No retry and no fallback once the client had bytes.
      expect(vendor.count()).toBe(1);
      const [entry] = await settledLedger(response.headers.get('x-request-id')!);
      expect(entry.usage.inputTokens).toBeGreaterThan(0);
      expect(entry.usage.outputTokens).toBeGreaterThan(0);
      expect(entry.costUsd).toBeGreaterThan(0);
      // The same request again reaches the vendor: the broken answer was not cached.
      await openai().chat.completions.create({ model: 'gpt-4.1', messages, max_tokens: 200 });
      expect(vendor.count('openai', 200)).toBe(2);
    });

    it('stops the vendor stream when the client aborts, and books what was used', async () => {
      const events: StreamEvent[] = [];
      vendor.enqueue('openai', {
        kind: 'reply',
        text: 'the start of an answer nobody will read to the end',
        holdAfterEvents: 2,
        onStream: (e) => events.push(e),
      });
      const { data: stream, response } = await openai()
        .chat.completions.create({ model: 'gpt-4.1', messages: ask('abort'), max_tokens: 200, stream: true })
        .withResponse();
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) break; // leaving the loop aborts the SDK's request
      }
      await until('the vendor to see its client go', () =>
        events.includes('client-closed') ? true : undefined,
      );
      expect(events).toEqual(['held', 'client-closed']);
      const [entry] = await settledLedger(response.headers.get('x-request-id')!);
      expect(entry.usage.inputTokens).toBeGreaterThan(0);
      expect(entry.costUsd).toBeGreaterThan(0);
    });

    it('books exactly the usage the vendor reported in its stream, and the cost of it', async () => {
      vendor.enqueue('openai', {
        kind: 'reply',
        text: 'short',
        usage: { inputTokens: 1234, outputTokens: 56 },
      });
      const { data: stream, response } = await openai()
        .chat.completions.create({
          model: 'gpt-4.1',
          messages: ask('usage'),
          max_tokens: 200,
          stream: true,
          stream_options: { include_usage: true },
        })
        .withResponse();
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of stream) usage = chunk.usage ?? usage;
      expect(usage).toMatchObject({ prompt_tokens: 1234, completion_tokens: 56 });
      const [entry] = ledgerOf(response.headers.get('x-request-id')!);
      expect(entry.usage).toEqual({
        inputTokens: 1234,
        outputTokens: 56,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
      });
      expect(entry.costUsd).toBeCloseTo((1234 * 2 + 56 * 8) / 1e6, 12);
      expect(vendor.served('openai')[0].body).toMatchObject({
        stream: true,
        stream_options: { include_usage: true },
      });
    });

    it('ends a stream that outlives the request deadline with a timeout error event, and stops the vendor', async () => {
      const events: StreamEvent[] = [];
      vendor.enqueue('openai', {
        kind: 'reply',
        text: 'a start, then the vendor stalls',
        holdAfterEvents: 2,
        onStream: (e) => events.push(e),
      });
      const keys = checkVirtualKeysFile(
        { keys: [{ name: 'streamer', sha256: hashVirtualKey(TEAM_KEY), team: 'ios' }] },
        'test keys',
        testProviders(vendor.url),
      );
      const short = createGatewayHttpServer(
        new GatewayHttpFront({
          gateway,
          keys,
          rate: new KeyRequestRate(),
          logger: gateway.logger,
          requestTimeoutMs: 300,
        }),
      );
      await new Promise<void>((resolve) => short.listen(0, '127.0.0.1', resolve));
      try {
        const client = new OpenAI({
          apiKey: TEAM_KEY,
          baseURL: `http://127.0.0.1:${(short.address() as AddressInfo).port}/v1`,
          maxRetries: 0,
        });
        const stream = await client.chat.completions.create({
          model: 'gpt-4.1',
          messages: ask('deadline'),
          max_tokens: 200,
          stream: true,
        });
        let text = '';
        const error = await (async () => {
          for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
        })().catch((e: unknown) => e);
        expect(text.length).toBeGreaterThan(0);
        expect((error as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
          type: 'server_error',
          code: 'timeout',
        });
        await until('the vendor to see the gateway go', () =>
          events.includes('client-closed') ? true : undefined,
        );
      } finally {
        short.closeAllConnections();
        await new Promise<void>((resolve) => short.close(() => resolve()));
      }
    });

    it('caches a completed stream and replays it as SSE', async () => {
      const messages = ask('cache');
      vendor.enqueue('openai', { kind: 'reply', text: 'worth keeping' });
      const first = await openai().chat.completions.create({
        model: 'gpt-4.1',
        messages,
        max_tokens: 200,
        stream: true,
      });
      for await (const chunk of first) void chunk;
      const { data: again, response } = await openai()
        .chat.completions.create({ model: 'gpt-4.1', messages, max_tokens: 200, stream: true })
        .withResponse();
      let text = '';
      for await (const chunk of again) text += chunk.choices[0]?.delta.content ?? '';
      expect(response.headers.get('x-agentflow-cache')).toBe('hit');
      expect(text).toBe('worth keeping');
      expect(vendor.count()).toBe(1);
    });
  });

  describe('Anthropic dialect', () => {
    it('sends the first text delta while the vendor is still holding the rest of its stream', async () => {
      const events: string[] = [];
      const { open, release } = gate();
      // message_start, content_block_start, ping, first delta: then hold.
      vendor.enqueue('anthropic', {
        kind: 'reply',
        text: 'first words, then the rest of the review',
        holdAfterEvents: 4,
        release,
        onStream: (e: StreamEvent) => events.push(`vendor:${e}`),
      });
      const stream = anthropic().messages.stream({
        model: 'claude-review',
        max_tokens: 200,
        messages: ask('hold'),
      });
      stream.on('text', () => {
        if (!events.includes('client:first-chunk')) events.push('client:first-chunk');
        open();
      });
      const final = await stream.finalMessage();
      expect(events).toEqual(['vendor:held', 'client:first-chunk', 'vendor:released', 'vendor:finished']);
      expect(final.content[0]).toMatchObject({
        type: 'text',
        text: 'first words, then the rest of the review',
      });
    });

    it('falls back to the next provider when the vendor stream breaks before the first content byte', async () => {
      vendor.enqueue(
        'anthropic',
        { kind: 'cut', afterEvents: 2 },
        { kind: 'cut', afterEvents: 3 },
        { kind: 'overloaded' },
      );
      vendor.enqueue('openai', { kind: 'reply', text: 'answered by the fallback' });
      const stream = anthropic().messages.stream({
        model: 'claude-review',
        max_tokens: 200,
        messages: ask('fallback'),
      });
      const final = await stream.finalMessage();
      expect(final.content[0]).toMatchObject({ type: 'text', text: 'answered by the fallback' });
      expect(vendor.served('anthropic').map((r) => r.outcome)).toEqual(['cut', 'cut', 'overloaded']);
      expect(vendor.count('openai', 200)).toBe(1);
    });

    it('ends the stream with event: error when the vendor breaks after the first byte, booking the input the vendor reported', async () => {
      vendor.enqueue('anthropic', { kind: 'cut', afterEvents: 5, usage: { inputTokens: 321 } });
      const { data: stream, response } = await anthropic()
        .messages.create({
          model: 'claude-review',
          max_tokens: 200,
          messages: ask('cut-midway'),
          stream: true,
        })
        .withResponse();
      const seen: string[] = [];
      const error = await (async () => {
        for await (const event of stream) seen.push(event.type);
      })().catch((e: unknown) => e);
      expect(seen).toContain('content_block_delta');
      expect(seen).not.toContain('message_stop');
      expect(error).toBeInstanceOf(Anthropic.APIError);
      expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
        type: 'error',
        error: { type: 'api_error' },
      });
      expect(vendor.count()).toBe(1);
      const [entry] = await settledLedger(response.headers.get('x-request-id')!);
      expect(entry.provider).toBe('anthropic');
      expect(entry.usage.inputTokens).toBe(321);
      expect(entry.usage.outputTokens).toBeGreaterThan(0);
      expect(entry.costUsd).toBeGreaterThan(0);
    });

    it('stops the vendor stream when the client aborts, and books the input the vendor reported', async () => {
      const events: StreamEvent[] = [];
      vendor.enqueue('anthropic', {
        kind: 'reply',
        text: 'the start of an answer nobody will read to the end',
        holdAfterEvents: 4,
        usage: { inputTokens: 99 },
        onStream: (e) => events.push(e),
      });
      const { data: stream, response } = await anthropic()
        .messages.create({ model: 'claude-review', max_tokens: 200, messages: ask('abort'), stream: true })
        .withResponse();
      for await (const event of stream) {
        if (event.type === 'content_block_delta') break;
      }
      await until('the vendor to see its client go', () =>
        events.includes('client-closed') ? true : undefined,
      );
      expect(events).toEqual(['held', 'client-closed']);
      const [entry] = await settledLedger(response.headers.get('x-request-id')!);
      expect(entry.usage.inputTokens).toBe(99);
    });

    it('books exactly the usage the vendor reported in message_start and message_delta, and the cost of it', async () => {
      vendor.enqueue('anthropic', {
        kind: 'reply',
        text: 'short',
        usage: { inputTokens: 777, outputTokens: 88, cacheReadTokens: 100, cacheWriteTokens: 40 },
      });
      const { data: stream, response } = await anthropic()
        .messages.stream({ model: 'claude-review', max_tokens: 200, messages: ask('usage') })
        .withResponse();
      const final = await stream.finalMessage();
      expect(final.usage).toMatchObject({
        input_tokens: 777,
        output_tokens: 88,
        cache_read_input_tokens: 100,
        cache_creation_input_tokens: 40,
      });
      const [entry] = ledgerOf(response.headers.get('x-request-id')!);
      expect(entry.usage).toEqual({
        inputTokens: 777,
        outputTokens: 88,
        cacheReadTokens: 100,
        cacheWriteTokens: 40,
      });
      expect(entry.costUsd).toBeCloseTo((777 * 3 + 88 * 15 + 100 * 0.3 + 40 * 3.75) / 1e6, 12);
    });

    it('streams structured output as input_json deltas as they arrive', async () => {
      vendor.enqueue('anthropic', {
        kind: 'reply',
        json: {
          summary: 'one finding',
          findings: [{ file: 'a.swift', startLine: 3, severity: 'minor', message: 'unused' }],
        },
      });
      const stream = anthropic().messages.stream({
        model: 'claude-review',
        max_tokens: 400,
        messages: ask('tool'),
        tools: [
          { name: 'report', input_schema: { type: 'object', properties: { summary: { type: 'string' } } } },
        ],
        tool_choice: { type: 'tool', name: 'report' },
      });
      const pieces: string[] = [];
      stream.on('inputJson', (piece) => pieces.push(piece));
      const final = await stream.finalMessage();
      expect(pieces.length).toBeGreaterThan(1);
      expect(final.content[0]).toMatchObject({
        type: 'tool_use',
        name: 'report',
        input: { summary: 'one finding' },
      });
    });
  });
});
