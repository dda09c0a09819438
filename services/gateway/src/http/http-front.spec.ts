import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { FakeVendorServer } from '@agentflow/fake-vendor';
import { MemoryRecordSink } from '../cost/record-sink';
import { Gateway } from '../gateway';
import { MemoryKv } from '../testing/memory-kv';
import {
  ANTHROPIC_KEY,
  OPENAI_KEY,
  reportSchema,
  testEnv,
  testProviders,
  testSettings,
} from '../testing/fixtures';
import { KeyRequestRate } from '../virtual-keys/request-rate';
import { checkVirtualKeysFile, hashVirtualKey } from '../virtual-keys/virtual-keys';
import { GatewayHttpFront } from './http-front';
import { createGatewayHttpServer, MAX_BODY_BYTES } from './node-server';
import type { PooledProvider } from './vendor-pool';

const TEAM_KEY = 'vk-mobile-0123456789abcdef';
const BROKE_KEY = 'vk-broke-0123456789abcdef';
const SLOW_KEY = 'vk-one-a-minute-0123456789';
const NARROW_KEY = 'vk-only-claude-0123456789';

describe('gateway HTTP front through the vendor SDKs', () => {
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
      settings: testSettings({ budgets: [{ scope: 'team', key: 'broke', period: 'day', limitUsd: 0 }] }),
      state: {
        limits: new MemoryKv('limits'),
        budgets: new MemoryKv('budgets'),
        cache: new MemoryKv('cache'),
      },
      records,
      env: testEnv,
      logLevel: 'silent',
      // The hot-path client for OpenAI-wire vendors, as `agentflow up` installs it.
      pooledClients: true,
    });
    pools = [...gateway.pooledProviders];
    await gateway.start();
    const keys = checkVirtualKeysFile(
      {
        keys: [
          { name: 'mobile', sha256: hashVirtualKey(TEAM_KEY), team: 'ios', project: 'shop-ios' },
          { name: 'broke', sha256: hashVirtualKey(BROKE_KEY), team: 'broke' },
          { name: 'slow', sha256: hashVirtualKey(SLOW_KEY), team: 'ios', requestsPerMinute: 1 },
          { name: 'narrow', sha256: hashVirtualKey(NARROW_KEY), team: 'ios', models: ['claude-*'] },
        ],
        routes: {
          'gpt-4.1': [
            { provider: 'openai', model: 'gpt-4.1' },
            { provider: 'anthropic', model: 'claude-sonnet-4-5' },
          ],
        },
      },
      'test keys',
      providers,
    );
    const front = new GatewayHttpFront({
      gateway,
      keys,
      rate: new KeyRequestRate(),
      logger: gateway.logger,
      requestTimeoutMs: 20_000,
    });
    server = createGatewayHttpServer(front);
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

  const openai = (apiKey = TEAM_KEY) => new OpenAI({ apiKey, baseURL: `${base}/v1`, maxRetries: 0 });
  const anthropic = (apiKey = TEAM_KEY) => new Anthropic({ apiKey, baseURL: base, maxRetries: 0 });
  const ask = (n: string) => [
    { role: 'user' as const, content: `Review this Swift change ${n} ${Math.random()}` },
  ];

  describe('OpenAI SDK', () => {
    it('makes a plain call that reaches the vendor once and is booked to the key', async () => {
      const done = await openai().chat.completions.create({
        model: 'gpt-4.1',
        messages: ask('plain'),
        max_tokens: 200,
      });
      expect(done.object).toBe('chat.completion');
      expect(done.choices[0].message.content).toEqual(expect.any(String));
      expect(done.choices[0].message.content!.length).toBeGreaterThan(0);
      expect(done.usage!.prompt_tokens).toBeGreaterThan(0);
      expect(vendor.count('openai', 200)).toBe(1);
      expect(records.entries.at(-1)!.attribution).toMatchObject({
        team: 'ios',
        project: 'shop-ios',
        service: 'http:mobile',
      });
    });

    it('streams: chunks with the text, usage, then the end', async () => {
      const stream = await openai().chat.completions.create({
        model: 'gpt-4.1',
        messages: ask('stream'),
        max_tokens: 200,
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let usage: OpenAI.CompletionUsage | null | undefined;
      let finish: string | null = null;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
        usage = chunk.usage ?? usage;
      }
      expect(text.length).toBeGreaterThan(0);
      expect(finish).toBe('stop');
      expect(usage!.completion_tokens).toBeGreaterThan(0);
    });

    it('returns structured output for response_format json_schema', async () => {
      const done = await openai().chat.completions.create({
        model: 'gpt-4.1',
        messages: ask('structured'),
        max_tokens: 400,
        response_format: {
          type: 'json_schema',
          json_schema: { name: reportSchema.name, schema: reportSchema.schema, strict: true },
        },
      });
      const parsed = JSON.parse(done.choices[0].message.content!) as { summary: unknown; findings: unknown };
      expect(typeof parsed.summary).toBe('string');
      expect(Array.isArray(parsed.findings)).toBe(true);
      expect(vendor.served('openai')[0].body?.response_format).toMatchObject({ type: 'json_schema' });
    });

    it('lists the models the key may call', async () => {
      const ids: string[] = [];
      for await (const m of openai(NARROW_KEY).models.list()) ids.push(m.id);
      expect(ids).toContain('claude-sonnet-4-5');
      expect(ids).not.toContain('gpt-4.1');
    });

    it('answers an unknown key with 401 in OpenAI shape and never calls the vendor', async () => {
      const error = await openai('sk-not-a-gateway-key')
        .chat.completions.create({ model: 'gpt-4.1', messages: ask('401'), max_tokens: 10 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
      expect((error as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
      expect(vendor.count()).toBe(0);
    });

    it('answers a key over its request rate with 429 and Retry-After', async () => {
      await openai(SLOW_KEY)
        .chat.completions.create({ model: 'gpt-4.1', messages: ask('first'), max_tokens: 10 })
        .catch(() => undefined);
      const error = await openai(SLOW_KEY)
        .chat.completions.create({ model: 'gpt-4.1', messages: ask('second'), max_tokens: 10 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      const e = error as InstanceType<typeof OpenAI.RateLimitError>;
      expect(e.code).toBe('rate_limit_exceeded');
      expect(Number(e.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
    });

    it('answers a spent budget with 429 insufficient_quota and Retry-After', async () => {
      const error = await openai(BROKE_KEY)
        .chat.completions.create({ model: 'gpt-4.1', messages: ask('budget'), max_tokens: 10 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      const e = error as InstanceType<typeof OpenAI.RateLimitError>;
      expect(e.code).toBe('insufficient_quota');
      expect(Number(e.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(vendor.count()).toBe(0);
    });

    it('refuses a model the key may not call with 403', async () => {
      const error = await openai(NARROW_KEY)
        .chat.completions.create({ model: 'gpt-4.1', messages: ask('403'), max_tokens: 10 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    });

    it('falls back along the chain when the vendor cuts the response midway, before the client sees a byte', async () => {
      // One event is the role chunk: no content has gone to the client yet.
      vendor.enqueue(
        'openai',
        { kind: 'cut', afterEvents: 1 },
        { kind: 'cut', afterEvents: 1 },
        { kind: 'cut', afterEvents: 1 },
      );
      const stream = await openai().chat.completions.create({
        model: 'gpt-4.1',
        messages: ask('cut'),
        max_tokens: 200,
        stream: true,
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      expect(text.length).toBeGreaterThan(0);
      expect(vendor.count('anthropic', 200)).toBe(1);
    });

    it('surfaces a stream cut on every provider as an error to the SDK, never a truncated success', async () => {
      vendor
        .setScript('openai', () => ({ kind: 'cut', afterEvents: 1 }))
        .setScript('anthropic', () => ({ kind: 'stream-error', afterEvents: 1 }));
      vendor.enqueue(
        'anthropic',
        { kind: 'cut', afterEvents: 1 },
        { kind: 'cut', afterEvents: 1 },
        { kind: 'cut', afterEvents: 1 },
      );
      try {
        const error = await (async () => {
          const stream = await openai().chat.completions.create({
            model: 'gpt-4.1',
            messages: ask('cut-all'),
            max_tokens: 200,
            stream: true,
          });
          for await (const chunk of stream) void chunk;
        })().catch((e: unknown) => e);
        // A cut is a network failure: every provider unavailable is a 503 the SDK raises, with when to come back.
        expect(error).toBeInstanceOf(OpenAI.InternalServerError);
        const e = error as InstanceType<typeof OpenAI.InternalServerError>;
        expect(e.status).toBe(503);
        expect(Number(e.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
      } finally {
        vendor.setScript('openai', undefined).setScript('anthropic', undefined);
      }
    });
  });

  describe('node:http server', () => {
    it('answers a body that is not JSON with 400, and one over the size limit with 413, in OpenAI shape', async () => {
      const post = (body: string | Buffer) =>
        fetch(`${base}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TEAM_KEY}`, 'content-type': 'application/json' },
          body,
        });
      const bad = await post('{"model":');
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({
        error: { message: 'the request body is not valid JSON', type: 'invalid_request_error' },
      });
      const huge = await post(Buffer.alloc(MAX_BODY_BYTES + 1, 0x20)).catch((e: unknown) => e);
      // The gateway answers 413 and closes without reading the rest; the client may see either.
      if (huge instanceof Response) expect(huge.status).toBe(413);
      else expect(huge).toBeInstanceOf(Error);
      expect(vendor.count()).toBe(0);
    });
  });

  describe('Anthropic SDK', () => {
    it('makes a plain call', async () => {
      const message = await anthropic().messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 200,
        messages: ask('plain'),
      });
      expect(message.type).toBe('message');
      expect(message.stop_reason).toBe('end_turn');
      const block = message.content[0];
      expect(block.type === 'text' && block.text.length > 0).toBe(true);
      expect(vendor.count('anthropic', 200)).toBe(1);
    });

    it("passes the client's anthropic-beta header through to the vendor", async () => {
      await anthropic().messages.create(
        { model: 'claude-sonnet-4-5', max_tokens: 50, messages: ask('beta') },
        { headers: { 'anthropic-beta': 'prompt-caching-2024-07-31' } },
      );
      const served = vendor.served('anthropic')[0];
      expect(served.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31');
      expect(served.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    });

    it('streams text through the SDK stream helper', async () => {
      const stream = anthropic().messages.stream({
        model: 'claude-sonnet-4-5',
        max_tokens: 200,
        messages: ask('stream'),
      });
      const deltas: string[] = [];
      stream.on('text', (t) => deltas.push(t));
      const final = await stream.finalMessage();
      expect(deltas.join('').length).toBeGreaterThan(0);
      expect(final.usage.output_tokens).toBeGreaterThan(0);
    });

    it('returns structured output as the forced tool use', async () => {
      const message = await anthropic().messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 400,
        messages: ask('tool'),
        tools: [
          {
            name: 'report',
            description: 'the review',
            input_schema: reportSchema.schema as Anthropic.Tool.InputSchema,
          },
        ],
        tool_choice: { type: 'tool', name: 'report' },
      });
      expect(message.stop_reason).toBe('tool_use');
      const block = message.content[0];
      expect(block.type).toBe('tool_use');
      expect(block.type === 'tool_use' && typeof (block.input as { summary?: unknown }).summary).toBe(
        'string',
      );
    });

    it('streams structured output as input_json deltas', async () => {
      const stream = anthropic().messages.stream({
        model: 'claude-sonnet-4-5',
        max_tokens: 400,
        messages: ask('tool-stream'),
        tools: [{ name: 'report', input_schema: reportSchema.schema as Anthropic.Tool.InputSchema }],
        tool_choice: { type: 'tool', name: 'report' },
      });
      const final = await stream.finalMessage();
      const block = final.content[0];
      expect(
        block.type === 'tool_use' && Array.isArray((block.input as { findings?: unknown }).findings),
      ).toBe(true);
    });

    it('answers an unknown key with 401 in Anthropic shape', async () => {
      const error = await anthropic('nope')
        .messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: ask('401') })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
      expect((error as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({
        type: 'error',
        error: { type: 'authentication_error' },
      });
    });

    it('answers a key over its rate with 429 rate_limit_error and Retry-After', async () => {
      await anthropic(SLOW_KEY)
        .messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: ask('a') })
        .catch(() => undefined);
      const error = await anthropic(SLOW_KEY)
        .messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: ask('b') })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Anthropic.RateLimitError);
      const e = error as InstanceType<typeof Anthropic.RateLimitError>;
      expect(e.error).toMatchObject({ error: { type: 'rate_limit_error' } });
      expect(Number(e.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
    });

    it('answers a spent budget with 429 in Anthropic shape, naming the budget', async () => {
      const error = await anthropic(BROKE_KEY)
        .messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: ask('budget') })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Anthropic.RateLimitError);
      expect((error as InstanceType<typeof Anthropic.RateLimitError>).error).toMatchObject({
        error: { type: 'rate_limit_error', message: expect.stringContaining('budget team:broke') },
      });
      expect(vendor.count()).toBe(0);
    });

    it('surfaces a vendor cut on every attempt as an error to the stream, not a success', async () => {
      vendor.setScript('anthropic', () => ({ kind: 'cut', afterEvents: 2 }));
      try {
        const stream = anthropic().messages.stream({
          model: 'claude-haiku-4-5',
          max_tokens: 200,
          messages: ask('cut'),
        });
        const texts: string[] = [];
        stream.on('text', (t) => texts.push(t));
        const error = await stream.finalMessage().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(Anthropic.APIError);
        expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
          type: 'error',
          error: { type: 'overloaded_error' },
        });
        expect(texts).toEqual([]);
        expect(vendor.count('anthropic')).toBeGreaterThanOrEqual(3);
      } finally {
        vendor.setScript('anthropic', undefined);
      }
    });
  });
});
