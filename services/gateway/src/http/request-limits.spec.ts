/**
 * The HTTP front checks a request's limits before any budget is reserved or any vendor is called,
 * and every error under /v1 is in the vendor's shape: checked with the vendors' SDKs as clients,
 * on the plain node:http server and on Fastify (as `agentflow up` mounts it).
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import Fastify, { type FastifyInstance } from 'fastify';
import { FakeVendorServer } from '@agentflow/fake-vendor';
import { MemoryRecordSink } from '../cost/record-sink';
import { Gateway } from '../gateway';
import { MemoryKv } from '../testing/memory-kv';
import { ANTHROPIC_KEY, OPENAI_KEY, testEnv, testProviders, testSettings } from '../testing/fixtures';
import { KeyRequestRate } from '../virtual-keys/request-rate';
import { checkVirtualKeysFile, hashVirtualKey } from '../virtual-keys/virtual-keys';
import { mountGatewayHttp, type FastifyLike } from './fastify-mount';
import { GatewayHttpFront } from './http-front';
import { createGatewayHttpServer, MAX_BODY_BYTES } from './node-server';

const KEY = 'vk-limits-0123456789abcdef';
const SMALL_BUDGET_KEY = 'vk-small-budget-0123456789';

describe('gateway HTTP front: request limits and error shapes', () => {
  let vendor: FakeVendorServer;
  let gateway: Gateway;
  let records: MemoryRecordSink;
  let server: Server;
  let fastify: FastifyInstance;
  const bases: Record<'node' | 'fastify', string> = { node: '', fastify: '' };
  /** Every request an SDK sent, to count its retries. */
  let sent = 0;
  const counting: typeof fetch = (input, init) => {
    sent++;
    return fetch(input, init);
  };

  beforeAll(async () => {
    vendor = new FakeVendorServer({ apiKeys: [ANTHROPIC_KEY, OPENAI_KEY] });
    const providers = testProviders(await vendor.start());
    // The model facts as providers.yml states them (the vendors' documented maximum outputs).
    providers.providers.anthropic.models['claude-sonnet-4-5'].maxOutputTokens = 64_000;
    providers.providers.openai.models['gpt-4.1'].maxOutputTokens = 32_768;
    records = new MemoryRecordSink();
    gateway = new Gateway({
      providersConfig: providers,
      settings: testSettings({ budgets: [{ scope: 'team', key: 'small', period: 'day', limitUsd: 0.5 }] }),
      state: {
        limits: new MemoryKv('limits'),
        budgets: new MemoryKv('budgets'),
        cache: new MemoryKv('cache'),
      },
      records,
      env: testEnv,
      logLevel: 'silent',
    });
    await gateway.start();
    const keys = checkVirtualKeysFile(
      {
        keys: [
          { name: 'limits', sha256: hashVirtualKey(KEY), team: 'ios' },
          { name: 'small', sha256: hashVirtualKey(SMALL_BUDGET_KEY), team: 'small' },
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
    bases.node = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    fastify = Fastify();
    // A route of another service on the same listener keeps Fastify's own JSON parsing.
    fastify.post('/api/echo', async (request) => ({ got: request.body }));
    mountGatewayHttp(fastify as unknown as FastifyLike, front);
    bases.fastify = await fastify.listen({ port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await fastify.close();
    await gateway.stop();
    await vendor.close();
  });

  beforeEach(() => {
    vendor.reset();
    sent = 0;
  });

  const openai = (base: string, options: Partial<ConstructorParameters<typeof OpenAI>[0]> = {}) =>
    new OpenAI({ apiKey: KEY, baseURL: `${base}/v1`, maxRetries: 0, fetch: counting, ...options });
  const anthropic = (base: string, options: Partial<ConstructorParameters<typeof Anthropic>[0]> = {}) =>
    new Anthropic({ apiKey: KEY, baseURL: base, maxRetries: 0, fetch: counting, ...options });
  const user = (content: string) => [{ role: 'user' as const, content }];
  const failure = async <T>(p: Promise<T>) =>
    p.then(
      () => {
        throw new Error('expected the request to fail');
      },
      (e: unknown) => e,
    );

  describe.each(['node', 'fastify'] as const)('on %s', (where) => {
    const base = () => bases[where];

    it("refuses max_tokens above the model's maximum output with a 400 in each vendor's shape, calling no vendor", async () => {
      // An explicit timeout: the SDK refuses a non-streamed call with a large max_tokens and the default one itself.
      const a = await failure(
        anthropic(base()).messages.create(
          { model: 'claude-sonnet-4-5', max_tokens: 10_000_000, messages: user('hi') },
          { timeout: 30_000 },
        ),
      );
      expect(a).toBeInstanceOf(Anthropic.BadRequestError);
      expect((a as InstanceType<typeof Anthropic.BadRequestError>).type).toBe('invalid_request_error');
      expect((a as Error).message).toContain(
        'max_tokens: 10000000 > 64000, which is the maximum allowed number of output tokens for claude-sonnet-4-5',
      );
      const o = await failure(
        openai(base()).chat.completions.create({
          model: 'gpt-4.1',
          max_tokens: 10_000_000,
          messages: user('hi'),
        }),
      );
      expect(o).toBeInstanceOf(OpenAI.BadRequestError);
      expect(o).toMatchObject({
        status: 400,
        code: 'invalid_value',
        param: 'max_tokens',
        type: 'invalid_request_error',
      });
      expect((o as Error).message).toContain('This model supports at most 32768 completion tokens');
      expect(vendor.count()).toBe(0);
    });

    it('skips a target of the chain whose maximum output is too small, and says so', async () => {
      const { data, response } = await openai(base())
        .chat.completions.create({
          model: 'gpt-4.1',
          max_tokens: 50_000,
          messages: user(`skip ${Math.random()}`),
        })
        .withResponse();
      expect(data.choices[0].message.content).toBeTruthy();
      expect(response.headers.get('x-agentflow-model')).toBe('claude-sonnet-4-5');
      expect(response.headers.get('x-agentflow-skipped')).toBe(
        "openai/gpt-4.1: max_tokens 50000 is above the model's maximum output of 32768",
      );
      expect(vendor.count('openai')).toBe(0);
    });

    it('range-checks sampling parameters as each vendor documents them', async () => {
      const cold = await failure(
        openai(base()).chat.completions.create({
          model: 'gpt-4.1',
          max_tokens: 10,
          temperature: -3,
          messages: user('hi'),
        }),
      );
      expect(cold).toMatchObject({ status: 400, param: 'temperature', code: 'decimal_below_min_value' });
      expect((cold as Error).message).toContain('Expected a value >= 0, but got -3 instead.');
      expect(
        await failure(
          openai(base()).chat.completions.create({
            model: 'gpt-4.1',
            max_tokens: 10,
            top_p: 1.5,
            messages: user('hi'),
          }),
        ),
      ).toMatchObject({ status: 400, param: 'top_p' });
      expect(
        await failure(
          openai(base()).chat.completions.create({
            model: 'gpt-4.1',
            max_tokens: 10,
            presence_penalty: 3,
            messages: user('hi'),
          }),
        ),
      ).toMatchObject({ status: 400, param: 'presence_penalty' });
      expect(
        await failure(
          openai(base()).chat.completions.create({
            model: 'gpt-4.1',
            max_tokens: 10,
            stop: ['a', 'b', 'c', 'd', 'e'],
            messages: user('hi'),
          }),
        ),
      ).toMatchObject({ status: 400, param: 'stop' });
      // 1.5 is a valid OpenAI temperature and not a valid Anthropic one. The Anthropic SDK's 1.x
      // types no longer carry temperature or top_k, but older clients and raw HTTP still send them.
      const legacy = (params: Record<string, unknown>) =>
        params as unknown as Anthropic.MessageCreateParamsNonStreaming;
      const hot = await failure(
        anthropic(base()).messages.create(
          legacy({ model: 'claude-sonnet-4-5', max_tokens: 10, temperature: 1.5, messages: user('hi') }),
        ),
      );
      expect(hot).toBeInstanceOf(Anthropic.BadRequestError);
      expect((hot as Error).message).toContain('temperature: Input should be less than or equal to 1');
      expect(
        await failure(
          anthropic(base()).messages.create(
            legacy({ model: 'claude-sonnet-4-5', max_tokens: 10, top_k: -1, messages: user('hi') }),
          ),
        ),
      ).toBeInstanceOf(Anthropic.BadRequestError);
      expect(vendor.count()).toBe(0);
      const ok = await openai(base()).chat.completions.create({
        model: 'gpt-4.1',
        max_tokens: 10,
        temperature: 1.5,
        top_p: 1,
        messages: user(`ok ${Math.random()}`),
      });
      expect(ok.choices).toHaveLength(1);
    });

    it("checks the prompt against each target's context window before any budget or vendor", async () => {
      const before = records.entries.length;
      // At least 262,144 tokens: more than claude-sonnet-4-5's 200k, within gpt-4.1's 1M.
      const big = 'x'.repeat(4 * 262_144 + 4);
      const refused = await failure(
        anthropic(base()).messages.create({
          model: 'claude-sonnet-4-5',
          max_tokens: 100,
          messages: user(big),
        }),
      );
      expect(refused).toBeInstanceOf(Anthropic.BadRequestError);
      expect((refused as Error).message).toContain(
        'prompt is too long: at least 262145 tokens > 200000 maximum',
      );
      const { response } = await openai(base())
        .chat.completions.create({
          model: 'gpt-4.1',
          max_tokens: 100,
          messages: user(`${big} ${Math.random()}`),
        })
        .withResponse();
      expect(response.headers.get('x-agentflow-model')).toBe('gpt-4.1');
      // Larger than every window of the chain: nothing is called, nothing is booked.
      const huge = 'y'.repeat(4 * 1_000_001 + 8);
      vendor.reset();
      const none = await failure(
        openai(base()).chat.completions.create({ model: 'gpt-4.1', max_tokens: 100, messages: user(huge) }),
      );
      expect(none).toMatchObject({ status: 400, code: 'context_length_exceeded', param: 'messages' });
      expect(vendor.count()).toBe(0);
      expect(records.entries.length).toBe(before + 1);
    });

    it('answers a request larger than the whole budget as such, never as a spent budget', async () => {
      const e = await failure(
        anthropic(base(), { apiKey: SMALL_BUDGET_KEY }).messages.create(
          { model: 'claude-sonnet-4-5', max_tokens: 64_000, messages: user(`costly ${Math.random()}`) },
          { timeout: 30_000 },
        ),
      );
      expect(e).toBeInstanceOf(Anthropic.BadRequestError);
      expect((e as Error).message).toMatch(
        /this request alone may cost \$0\.9\d, more than budget team:small:day's whole limit of \$0\.50/,
      );
      expect((e as Error).message).not.toMatch(/is spent/);
      const o = await failure(
        openai(base(), { apiKey: SMALL_BUDGET_KEY }).chat.completions.create({
          model: 'claude-sonnet-4-5',
          max_tokens: 64_000,
          messages: user(`costly ${Math.random()}`),
        }),
      );
      expect(o).toBeInstanceOf(OpenAI.BadRequestError);
      expect((o as Error).message).toContain('(the budget is not spent)');
      expect(vendor.count()).toBe(0);
    });

    it("answers malformed JSON, a non-JSON content type, an unknown path and an oversized body in the vendor's shape, not retried", async () => {
      // The SDKs parse the errors themselves: a fetch that spoils what they send shows what they make of the answer.
      const spoil =
        (change: (init: RequestInit) => RequestInit): typeof fetch =>
        (input, init) =>
          counting(input, change({ ...init }));
      const malformed = spoil((init) => ({ ...init, body: '{"model":' }));
      const o = await failure(
        openai(base(), { fetch: malformed, maxRetries: 2 }).chat.completions.create({
          model: 'gpt-4.1',
          max_tokens: 10,
          messages: user('hi'),
        }),
      );
      expect(o).toBeInstanceOf(OpenAI.BadRequestError);
      expect(o).toMatchObject({
        type: 'invalid_request_error',
        error: { message: 'the request body is not valid JSON' },
      });
      const a = await failure(
        anthropic(base(), { fetch: malformed, maxRetries: 2 }).messages.create({
          model: 'claude-sonnet-4-5',
          max_tokens: 10,
          messages: user('hi'),
        }),
      );
      expect(a).toBeInstanceOf(Anthropic.BadRequestError);
      expect((a as InstanceType<typeof Anthropic.BadRequestError>).type).toBe('invalid_request_error');
      const text = spoil((init) => ({
        ...init,
        headers: { ...(init.headers as Record<string, string>), 'content-type': 'text/plain' },
      }));
      const unsupported = await failure(
        anthropic(base(), { fetch: text, maxRetries: 2 }).messages.create({
          model: 'claude-sonnet-4-5',
          max_tokens: 10,
          messages: user('hi'),
        }),
      );
      expect(unsupported).toBeInstanceOf(Anthropic.APIError);
      expect(unsupported).toMatchObject({ status: 415, type: 'invalid_request_error' });
      const notFound = await failure(
        openai(base(), { maxRetries: 2 }).post('/embeddings', { body: { model: 'x', input: 'y' } }),
      );
      expect(notFound).toBeInstanceOf(OpenAI.NotFoundError);
      expect(notFound).toMatchObject({ type: 'invalid_request_error', code: null });
      const anthropicNotFound = await failure(
        anthropic(base(), { maxRetries: 2 }).post('/v1/messages/batches', { body: {} }),
      );
      expect(anthropicNotFound).toBeInstanceOf(Anthropic.NotFoundError);
      expect((anthropicNotFound as InstanceType<typeof Anthropic.NotFoundError>).type).toBe(
        'not_found_error',
      );
      // Five calls with maxRetries 2: none was retried.
      expect(sent).toBe(5);
      const large = await fetch(`${base()}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: Buffer.alloc(MAX_BODY_BYTES + 1, 0x20),
      }).catch((error: unknown) => error);
      // The front answers 413 and may close before the client has sent everything; either way no framework shape.
      if (large instanceof Response) {
        expect(large.status).toBe(413);
        expect(large.headers.get('x-should-retry')).toBe('false');
        expect(await large.json()).toMatchObject({ type: 'error', error: { type: 'request_too_large' } });
      } else {
        expect(large).toBeInstanceOf(Error);
      }
      expect(vendor.count()).toBe(0);
    });
  });

  it('leaves the JSON parsing of routes outside /v1 to Fastify', async () => {
    const r = await fetch(`${bases.fastify}/api/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(await r.json()).toEqual({ got: { a: 1 } });
    const bad = await fetch(`${bases.fastify}/api/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":',
    });
    expect(bad.status).toBe(400);
  });
});
