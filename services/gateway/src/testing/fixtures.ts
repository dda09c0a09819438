/**
 * Shared fixtures for the gateway's tests: a providers config pointing at a fake vendor, a clock
 * whose sleeps advance time instead of waiting, and request builders.
 */
import type { GatewayRequest, ProvidersConfig } from '@agentflow/contracts';
import { DEFAULT_SETTINGS, type GatewaySettings } from '../config/gateway-settings';
import type { Clock } from '../shared/clock';

export const ANTHROPIC_KEY = 'sk-ant-api03-TESTKEYabcdefghijklmnop0123456789';
export const OPENAI_KEY = 'sk-proj-TESTKEYqrstuvwxyz9876543210abcd';

export function testProviders(baseUrl: string): ProvidersConfig {
  const price = (input: number, output: number) => [
    { effectiveFrom: '2025-01-01', inputPerMTok: input, outputPerMTok: output },
  ];
  return {
    providers: {
      anthropic: {
        kind: 'anthropic',
        baseUrl,
        apiKey: { env: 'TEST_ANTHROPIC_KEY' },
        region: 'us',
        retention: '30d',
        dataClasses: ['public', 'internal'],
        timeoutMs: 10_000,
        models: {
          'claude-small': { contextWindow: 100, tier: 'simple', prices: price(1, 5) },
          'claude-haiku-4-5': { contextWindow: 200_000, tier: 'simple', prices: price(1, 5) },
          'claude-sonnet-4-5': {
            contextWindow: 200_000,
            tier: 'medium',
            prices: [
              {
                effectiveFrom: '2025-01-01',
                inputPerMTok: 3,
                outputPerMTok: 15,
                cacheReadPerMTok: 0.3,
                cacheWritePerMTok: 3.75,
              },
            ],
          },
        },
      },
      openai: {
        kind: 'openai',
        baseUrl: `${baseUrl}/v1`,
        apiKey: { env: 'TEST_OPENAI_KEY' },
        region: 'us',
        retention: '30d',
        dataClasses: ['public', 'internal'],
        timeoutMs: 10_000,
        models: { 'gpt-4.1': { contextWindow: 1_000_000, tier: 'medium', prices: price(2, 8) } },
      },
      'eu-only': {
        kind: 'openai-compatible',
        baseUrl: `${baseUrl}/v1`,
        region: 'eu',
        dataClasses: ['public', 'internal', 'restricted'],
        timeoutMs: 10_000,
        models: { 'llama-3.3-70b': { contextWindow: 128_000, tier: 'medium', prices: price(0.5, 0.5) } },
      },
    },
  };
}

export const testEnv = { TEST_ANTHROPIC_KEY: ANTHROPIC_KEY, TEST_OPENAI_KEY: OPENAI_KEY };

export function testSettings(overrides: Partial<GatewaySettings> = {}): GatewaySettings {
  return {
    ...DEFAULT_SETTINGS,
    retry: { maxAttemptsPerProvider: 3, baseDelayMs: 10, maxDelayMs: 50 },
    breaker: { failureThreshold: 5, cooldownMs: 30_000 },
    ...overrides,
  };
}

/** Real time plus an offset; sleeping records the wait and moves the offset instead of waiting. */
export class SteppingClock implements Clock {
  offset = 0;
  readonly sleeps: number[] = [];
  now(): number {
    return Date.now() + this.offset;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.sleeps.push(ms);
    this.offset += Math.max(0, ms);
  }
}

export const reportSchema = {
  name: 'report',
  schema: {
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
            severity: { type: 'string', enum: ['blocker', 'major', 'minor', 'info'] },
            message: { type: 'string' },
          },
          required: ['file', 'startLine', 'severity', 'message'],
        },
      },
    },
    required: ['summary', 'findings'],
  },
};

let counter = 0;

export function request(overrides: Partial<GatewayRequest> = {}, now = Date.now()): GatewayRequest {
  counter += 1;
  return {
    requestId: `req-${counter}-${Math.random().toString(36).slice(2, 8)}`,
    providers: [
      { provider: 'anthropic', model: 'claude-sonnet-4-5' },
      { provider: 'openai', model: 'gpt-4.1' },
    ],
    system: 'You review Swift code for a mobile team.',
    messages: [
      {
        role: 'user',
        content: `Review this diff (${counter}):\n+++ b/App/Login.swift\n@@ -1,2 +1,3 @@\n+let x = 1`,
      },
    ],
    maxTokens: 400,
    deadline: now + 30_000,
    attribution: {
      team: 'ios',
      project: 'shop-ios',
      repo: 'acme/shop-ios',
      workflow: 'pr-review',
      runId: 'run-1',
      stepId: 'review',
    },
    dataClass: 'internal',
    paths: [{ path: 'App/Login.swift', sha256: 'a'.repeat(64) }],
    commitSha: 'c0ffee',
    pr: 42,
    ...overrides,
  } as GatewayRequest;
}
