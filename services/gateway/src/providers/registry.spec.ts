/**
 * Every provider kind, built from its providers.yml entry, makes a real SDK call against the fake
 * vendor and reports usage and the vendor's request id in one shape.
 */
import type { ProvidersConfig } from '@agentflow/contracts';
import { FakeVendorServer } from '@agentflow/fake-vendor';
import { ProviderKeys } from '../config/provider-keys';
import { JsonLineLogger } from '../log/gateway-logger';
import { SecretScrubber } from '../log/secret-scrubber';
import type { ChatCall } from './chat-provider';
import { ProviderError } from './provider-error';
import { buildChatProviders } from './registry';

const KEY = 'sk-test-registry-0123456789abcdef';

describe('chat providers built from config', () => {
  let vendor: FakeVendorServer;
  beforeAll(async () => {
    // Local servers (Ollama) take any key; the provider sends a placeholder.
    vendor = new FakeVendorServer({ apiKeys: [KEY, 'vertex-token', 'no-key'] });
    await vendor.start();
  });
  afterAll(() => vendor.close());

  function build(): ReturnType<typeof buildChatProviders> {
    const m = {
      'claude-sonnet-4-5': {
        contextWindow: 200_000,
        prices: [{ effectiveFrom: '2025-01-01', inputPerMTok: 3, outputPerMTok: 15 }],
      },
    };
    const o = {
      'gpt-4.1': {
        contextWindow: 1_000_000,
        prices: [{ effectiveFrom: '2025-01-01', inputPerMTok: 2, outputPerMTok: 8 }],
      },
    };
    const config: ProvidersConfig = {
      providers: {
        bedrock: {
          kind: 'anthropic-bedrock',
          baseUrl: vendor.url,
          apiKey: { env: 'K' },
          region: 'eu-central-1',
          dataClasses: ['internal'],
          models: m,
        },
        vertex: {
          kind: 'anthropic-vertex',
          baseUrl: `${vendor.url}/v1`,
          region: 'europe-west1',
          dataClasses: ['internal'],
          models: m,
          options: { projectId: 'acme-ml' },
        },
        azure: {
          kind: 'azure-openai',
          baseUrl: vendor.url,
          apiKey: { env: 'K' },
          dataClasses: ['internal'],
          models: o,
          options: { deployments: { 'gpt-4.1': 'review-gpt41' } },
        },
        ollama: {
          kind: 'openai-compatible',
          baseUrl: `${vendor.url}/v1`,
          dataClasses: ['internal'],
          models: o,
        },
        cursor: { kind: 'cursor', dataClasses: ['internal'], models: o },
      },
    };
    const scrubber = new SecretScrubber();
    return buildChatProviders(config, {
      keys: new ProviderKeys({ K: KEY }, scrubber),
      scrub: scrubber.scrub,
      logger: new JsonLineLogger('silent', scrubber),
      vertexAuthClient: {
        getRequestHeaders: async () => new Headers({ authorization: 'Bearer vertex-token' }),
        projectId: 'acme-ml',
      } as never,
    });
  }

  const call = (model: string): ChatCall => ({
    model,
    system: 'sys',
    messages: [{ role: 'user', content: 'hello' }],
    maxTokens: 50,
    cachePrompt: true,
    signal: new AbortController().signal,
    timeoutMs: 5000,
  });

  it('builds chat providers only for chat kinds', () => {
    expect([...build().keys()].sort()).toEqual(['azure', 'bedrock', 'ollama', 'vertex']);
  });

  it.each([
    ['bedrock', 'claude-sonnet-4-5', 'bedrock', '/model/anthropic.claude-sonnet-4-5/invoke'],
    [
      'vertex',
      'claude-sonnet-4-5',
      'vertex',
      '/v1/projects/acme-ml/locations/europe-west1/publishers/anthropic/models/claude-sonnet-4-5:rawPredict',
    ],
    ['azure', 'gpt-4.1', 'azure', '/openai/deployments/review-gpt41/chat/completions'],
    ['ollama', 'gpt-4.1', 'openai', '/v1/chat/completions'],
  ])('%s calls the vendor on its own path', async (name, model, dialect, path) => {
    vendor.reset();
    const result = await build().get(name)!.generate(call(model));
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.vendorRequestId).toBeTruthy();
    expect(vendor.served()[0]).toMatchObject({ dialect, path });
  });

  it('maps vendor errors to typed, retryable-or-not provider errors', async () => {
    vendor.reset();
    vendor.enqueue('anthropic', { kind: 'rate-limit', retryAfterSeconds: 3 }, { kind: 'context-length' });
    const provider = build().get('bedrock')!;
    const limited = await provider.generate(call('claude-sonnet-4-5')).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(ProviderError);
    expect(limited).toMatchObject({
      failure: 'rate_limited',
      retryable: true,
      status: 429,
      retryAfterMs: 3000,
    });
    const tooLong = await provider.generate(call('claude-sonnet-4-5')).catch((e: unknown) => e);
    expect(tooLong).toMatchObject({ failure: 'context_length', retryable: false, isContextLength: true });
  });
});
