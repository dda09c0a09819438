/**
 * The agents through the real gateway (in process, on the embedded bus) to the fake vendor
 * server: the vendor sees the agent's prompt and schema, and its scripted answers come back as
 * placed findings, repaired output or `unparseable_output`.
 */
import { topology as makeTopology, type ProvidersConfig } from '@agentflow/contracts';
import { EmbeddedBus, type MessageBus } from '@agentflow/bus';
import { FakeVendorServer } from '@agentflow/fake-vendor';
import {
  DEFAULT_SETTINGS,
  Gateway,
  GatewayNatsTransport,
  MemoryRecordSink,
  openGatewayState,
} from '@agentflow/gateway';
import { MobileRulesAnalyzer } from '../../../services/agents/src/analysis/mobile-analyzer';
import { BpeTokenCounter } from '../../../services/agents/src/context/tokens';
import { LocalReaderFactory } from '../../../services/agents/src/repo/reader-factory';
import { TaskRunner } from '../../../services/agents/src/runtime/task-runner';
import { agentTask, FixtureRepo, planStep } from '../../../services/agents/src/testing/fixture-repo';
import { IOS_BASE, IOS_CHANGE } from '../../../services/agents/src/testing/sample-repos';
import { BusModelGateway } from '../../../services/agents/src/gateway/model-gateway';

const KEY = 'sk-ant-api03-AGENTSTESTKEYabcdefghijklmnop012345';
const LOCAL_KEY = 'sk-proj-AGENTSTESTKEYqrstuvwxyz9876543210';

function providers(baseUrl: string): ProvidersConfig {
  return {
    providers: {
      anthropic: {
        kind: 'anthropic',
        baseUrl,
        apiKey: { env: 'AGENTS_TEST_ANTHROPIC_KEY' },
        region: 'us',
        retention: '30d',
        dataClasses: ['public', 'internal'],
        timeoutMs: 10_000,
        models: {
          'claude-sonnet-4-6': {
            contextWindow: 200_000,
            tier: 'medium',
            prices: [{ effectiveFrom: '2025-01-01', inputPerMTok: 3, outputPerMTok: 15 }],
          },
        },
      },
      // An OpenAI-compatible endpoint (a self-hosted model): its JSON arrives as text and may need repair.
      local: {
        kind: 'openai-compatible',
        baseUrl: `${baseUrl}/v1`,
        apiKey: { env: 'AGENTS_TEST_LOCAL_KEY' },
        region: 'us',
        dataClasses: ['public', 'internal'],
        timeoutMs: 10_000,
        models: {
          'qwen-coder': {
            contextWindow: 128_000,
            tier: 'medium',
            prices: [{ effectiveFrom: '2025-01-01', inputPerMTok: 0.5, outputPerMTok: 0.5 }],
          },
        },
      },
    },
  };
}

describe('agents through the real gateway to the fake vendor', () => {
  const topology = makeTopology(`t_agw_${Math.random().toString(36).slice(2, 8)}`);
  const vendor = new FakeVendorServer({ apiKeys: [KEY, LOCAL_KEY] });
  let bus: MessageBus;
  let gateway: Gateway;
  let transport: GatewayNatsTransport;
  let repo: FixtureRepo;
  let base: string;
  let head: string;
  let runner: TaskRunner;

  beforeAll(async () => {
    await vendor.start();
    bus = new EmbeddedBus({ deadLetterSubject: topology.subjects.dlq });
    gateway = new Gateway({
      providersConfig: providers(vendor.url),
      settings: { ...DEFAULT_SETTINGS, retry: { maxAttemptsPerProvider: 1, baseDelayMs: 1, maxDelayMs: 1 } },
      state: await openGatewayState(bus, topology),
      records: new MemoryRecordSink(),
      env: { AGENTS_TEST_ANTHROPIC_KEY: KEY, AGENTS_TEST_LOCAL_KEY: LOCAL_KEY },
      logLevel: 'silent',
    });
    await gateway.start();
    transport = new GatewayNatsTransport(bus, topology, gateway, gateway.logger);
    await transport.start();
    repo = new FixtureRepo(IOS_BASE);
    base = repo.head();
    head = repo.commit(IOS_CHANGE);
    runner = new TaskRunner({
      readers: new LocalReaderFactory(),
      gateway: new BusModelGateway(bus, topology),
      analyzer: new MobileRulesAnalyzer(),
      tokens: new BpeTokenCounter(),
      push: { push: () => Promise.reject(new Error('not in this test')) },
      pushQuota: { reserve: () => Promise.reject(new Error('not in this test')) },
    });
  });

  afterAll(async () => {
    await transport.stop();
    await gateway.stop();
    await bus.drain();
    await vendor.close();
    repo.remove();
  });

  beforeEach(() => vendor.reset());

  it("sends the fenced prompt with the review schema and places the vendor's structured findings", async () => {
    vendor.enqueue('anthropic', {
      kind: 'reply',
      json: {
        summary: 'one crash',
        confidence: 0.8,
        findings: [
          {
            file: 'Sources/Checkout/CheckoutViewModel.swift',
            startLine: 19,
            endLine: 19,
            severity: 'major',
            category: 'bug',
            message: 'try! crashes when the charge fails',
            confidence: 0.9,
          },
        ],
      },
    });
    const result = await runner.run(
      agentTask(repo, base, head, planStep('code-review'), { runId: 'gw-1' }),
      new AbortController().signal,
    );
    expect(result).toMatchObject({ status: 'succeeded', usage: { models: ['claude-sonnet-4-6'] } });
    expect(result.usage.costUsd).toBeGreaterThan(0);
    expect(result.findings).toEqual([
      expect.objectContaining({
        file: 'Sources/Checkout/CheckoutViewModel.swift',
        startLine: 19,
        source: 'model',
        severity: 'major',
      }),
    ]);
    const served = vendor.served('anthropic').at(-1)!;
    expect(served.route).toBe('anthropic');
    expect(JSON.stringify(served.body)).toContain('<<<AF-DATA');
    expect(JSON.stringify(served.body)).toContain('review_result');
  });

  it('repairs what the vendor wrote outside the schema: the gateway hands over the text, the agent parses it', async () => {
    const step = planStep('code-review', {
      providers: [{ provider: 'local', model: 'qwen-coder' }],
      model: { maxTokens: 2048, focus: 'fenced' },
      options: { cache: false },
    });
    // Fenced JSON with a trailing comma: not valid JSON, so the gateway records bad_output and, with
    // no other provider in the chain, answers ok with the text and no structured output.
    const fenced =
      '```json\n{"summary": "one crash", "confidence": 0.8, "findings": [{"file": "Sources/Checkout/CheckoutViewModel.swift", "startLine": 19, "endLine": 19, "severity": "major", "category": "bug", "message": "try! crashes when the charge fails", "confidence": 0.9},]}\n```';
    vendor.setScript('openai', () => ({ kind: 'reply', text: fenced }));
    const result = await runner.run(
      agentTask(repo, base, head, step, { runId: 'gw-2r' }),
      new AbortController().signal,
    );
    vendor.setScript('openai', undefined);
    expect(result).toMatchObject({ status: 'succeeded' });
    expect(result.findings).toEqual([
      expect.objectContaining({
        file: 'Sources/Checkout/CheckoutViewModel.swift',
        startLine: 19,
        source: 'model',
      }),
    ]);
    expect((result.data as { repairs?: string[] }).repairs?.length).toBeGreaterThan(0);
  });

  it('turns output the vendor keeps giving outside the schema, and that no repair can read, into the retryable unparseable_output', async () => {
    const step = (focus: string) =>
      planStep('code-review', {
        providers: [{ provider: 'local', model: 'qwen-coder' }],
        model: { maxTokens: 2048, focus },
        options: { cache: false },
      });
    // The gateway checks structured output itself (bad_output on every attempt) and hands the text
    // over unstructured; prose is nothing the repair parser can read: the coordinator retries.
    vendor.setScript('openai', () => ({ kind: 'reply', text: 'Approved. Nothing to report.' }));
    const prose = await runner.run(
      agentTask(repo, base, head, step('prose'), { runId: 'gw-3' }),
      new AbortController().signal,
    );
    vendor.setScript('openai', undefined);
    expect(prose).toMatchObject({ status: 'failed', errorCode: 'unparseable_output' });
    expect(vendor.count('openai', 200)).toBeGreaterThan(0);
  });
});
