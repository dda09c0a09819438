import { FakeVendorServer } from '@agentflow/fake-vendor';
import { ProviderError } from '../../providers/provider-error';
import { OPENAI_KEY, reportSchema } from '../../testing/fixtures';
import { PooledOpenAIProvider } from './pooled-openai-provider';

describe('PooledOpenAIProvider', () => {
  let vendor: FakeVendorServer;
  let provider: PooledOpenAIProvider;
  const call = (extra: object = {}) => ({
    model: 'gpt-4.1',
    messages: [{ role: 'user' as const, content: 'Review: let x = 1' }],
    maxTokens: 100,
    cachePrompt: true,
    signal: new AbortController().signal,
    timeoutMs: 5_000,
    ...extra,
  });

  beforeAll(async () => {
    vendor = new FakeVendorServer({ apiKeys: [OPENAI_KEY] });
    await vendor.start();
    provider = new PooledOpenAIProvider(
      'openai',
      'openai',
      { baseUrl: vendor.openaiBaseUrl, apiKey: OPENAI_KEY },
      (t) => t.replaceAll(OPENAI_KEY, '[key]'),
    );
  });
  afterAll(async () => {
    await provider.close();
    await vendor.close();
  });
  beforeEach(() => vendor.reset());

  it('answers with text, usage and the vendor request id, with the key as a bearer token', async () => {
    const a = await provider.generate(call());
    const b = await provider.generate(call());
    expect(a.text.length).toBeGreaterThan(0);
    expect(a.usage.outputTokens).toBeGreaterThan(0);
    expect(a.vendorRequestId).toMatch(/^req-/);
    expect(b.vendorRequestId).not.toBe(a.vendorRequestId);
    expect(vendor.served('openai').map((r) => r.headers.authorization)).toEqual([
      `Bearer ${OPENAI_KEY}`,
      `Bearer ${OPENAI_KEY}`,
    ]);
  });

  it('asks for json_schema and parses the structured answer', async () => {
    const r = await provider.generate(call({ responseSchema: reportSchema }));
    expect(vendor.served('openai')[0].body?.response_format).toMatchObject({
      type: 'json_schema',
      json_schema: { name: 'report' },
    });
    expect(typeof (r.structured as { summary?: unknown }).summary).toBe('string');
  });

  it('classifies a 429 with Retry-After as the SDK provider does', async () => {
    vendor.enqueue('openai', { kind: 'rate-limit', retryAfterSeconds: 7 });
    const error = await provider.generate(call()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).failure).toBe('rate_limited');
    expect((error as ProviderError).retryAfterMs).toBe(7_000);
  });

  it("times out a vendor that does not answer within the attempt's timeout, and stops on the caller's abort", async () => {
    vendor.enqueue('openai', { kind: 'hang' }, { kind: 'hang' });
    const late = await provider.generate(call({ timeoutMs: 100 })).catch((e: unknown) => e);
    expect((late as ProviderError).failure).toBe('timeout');
    const controller = new AbortController();
    const pending = provider.generate(call({ signal: controller.signal })).catch((e: unknown) => e);
    while (vendor.openHangs < 1) await new Promise((r) => setTimeout(r, 5));
    controller.abort('client closed the connection');
    expect(((await pending) as ProviderError).failure).toBe('aborted');
    while (vendor.openHangs > 0) await new Promise((r) => setTimeout(r, 5));
  });

  it('turns a body cut midway into a network failure, never a result', async () => {
    vendor.enqueue('openai', { kind: 'cut' });
    const error = await provider.generate(call()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).failure).toBe('network');
  });

  it('does not leak the key in the error message of a 401', async () => {
    const other = new PooledOpenAIProvider(
      'openai',
      'openai',
      { baseUrl: vendor.openaiBaseUrl, apiKey: 'sk-wrong-key-123456' },
      (t) => t.replaceAll('sk-wrong-key-123456', '[key]'),
    );
    try {
      const error = await other.generate(call()).catch((e: unknown) => e);
      expect((error as ProviderError).failure).toBe('auth');
      expect((error as ProviderError).message).not.toContain('sk-wrong-key-123456');
    } finally {
      await other.close();
    }
  });
});
