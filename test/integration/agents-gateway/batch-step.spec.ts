/**
 * `batch: true` steps end to end on the embedded bus: the task runner gives the review agent a
 * batching gateway, the agent's chunk calls become one vendor batch launched through the real
 * gateway job runtime (GatewayJobs) against the fake vendor's Batch APIs, and the answers come
 * back to their chunks as findings, priced at the batch rate. Delays are counted in status polls.
 */
import { topology, type AgentResult, type PlanStep, type ProvidersConfig } from '@agentflow/contracts';
import { EmbeddedBus, provisionTopology, type MessageBus } from '@agentflow/bus';
import { FakeVendorServer } from '@agentflow/fake-vendor';
import {
  BudgetGuard,
  DEFAULT_SETTINGS,
  GatewayJobs,
  MemoryRecordSink,
  PolicyState,
  SecretScrubber,
  type GatewayLogger,
} from '@agentflow/gateway';
import { MobileRulesAnalyzer } from '../../../services/agents/src/analysis/mobile-analyzer';
import { BpeTokenCounter } from '../../../services/agents/src/context/tokens';
import { LocalReaderFactory } from '../../../services/agents/src/repo/reader-factory';
import { TaskRunner } from '../../../services/agents/src/runtime/task-runner';
import {
  agentTask,
  FixtureRepo,
  json,
  planStep,
  ScriptedGateway,
} from '../../../services/agents/src/testing/fixture-repo';
import { IOS_BASE } from '../../../services/agents/src/testing/sample-repos';
import { BatchModelGateway } from '../../../services/agents/src/jobs/batch-gateway';
import { JobChannel } from '../../../services/agents/src/jobs/job-channel';
import { JobStepKinds } from '../../../services/agents/src/jobs/job-step-kinds';

const KEY = 'sk-batch-agents-key-0123456789';
const silent: GatewayLogger = {
  level: 'silent' as GatewayLogger['level'],
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
const prices = (input: number, output: number) => [
  { effectiveFrom: '2025-01-01', inputPerMTok: input, outputPerMTok: output, batchDiscount: 0.5 },
];

/** A Swift file with a force-try in a Task, the kind of change a review comments on. */
function swiftFile(name: string, fields: number): string {
  const lines = ['import Foundation', '', `final class ${name} {`];
  for (let i = 0; i < fields; i++)
    lines.push(`    var value${i}: Int = ${i} // ${name} keeps field ${i} for the checkout screen`);
  lines.push(
    '    func load(service: Service) {',
    '        Task { _ = try! await service.fetch() }',
    '    }',
    '}',
  );
  return `${lines.join('\n')}\n`;
}

describe('batch: true steps', () => {
  const topo = topology(`t_agbatch_${Math.random().toString(36).slice(2, 8)}`);
  const vendor = new FakeVendorServer({ apiKeys: [KEY] });
  let bus: MessageBus;
  let gateway: GatewayJobs;
  let records: MemoryRecordSink;
  let repo: FixtureRepo;
  let base: string;
  let head: string;
  let config: ProvidersConfig;
  let live: ScriptedGateway;

  beforeAll(async () => {
    await vendor.start();
    config = {
      providers: {
        'claude-api': {
          kind: 'anthropic',
          baseUrl: vendor.url,
          apiKey: { env: 'ANTHROPIC_API_KEY' },
          dataClasses: ['internal'],
          models: { 'claude-sonnet-4-5': { contextWindow: 200_000, prices: prices(3, 15) } },
        },
        'openai-api': {
          kind: 'openai',
          baseUrl: `${vendor.url}/v1`,
          apiKey: { env: 'OPENAI_API_KEY' },
          dataClasses: ['internal'],
          models: { 'gpt-5': { contextWindow: 400_000, prices: prices(1.25, 10) } },
        },
        'local-llm': {
          kind: 'openai-compatible',
          baseUrl: `${vendor.url}/v1`,
          dataClasses: ['internal'],
          models: { 'qwen-coder': { contextWindow: 32_000, prices: prices(0, 0) } },
        },
      },
    } as ProvidersConfig;
    bus = new EmbeddedBus({ deadLetterSubject: topo.subjects.dlq });
    await provisionTopology(bus, topo);
    records = new MemoryRecordSink();
    const clock = { now: Date.now, sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
    gateway = new GatewayJobs({
      bus,
      topology: topo,
      providersConfig: config,
      records,
      logger: silent,
      scrubber: new SecretScrubber(),
      policy: new PolicyState(DEFAULT_SETTINGS.policy, undefined),
      budget: new BudgetGuard(
        await bus.kv(`${topo.prefix}_budgets`),
        DEFAULT_SETTINGS,
        clock,
        () => undefined,
      ),
      env: { ANTHROPIC_API_KEY: KEY, OPENAI_API_KEY: KEY, GATEWAY_JOB_POLL_MS: '20' },
    });
    await gateway.start();
    repo = new FixtureRepo(IOS_BASE);
    base = repo.head();
    head = repo.commit(
      {
        'Sources/Checkout/CartStore.swift': swiftFile('CartStore', 60),
        'Sources/Checkout/PriceFormatter.swift': swiftFile('PriceFormatter', 60),
        'Sources/Checkout/ReceiptLoader.swift': swiftFile('ReceiptLoader', 60),
      },
      'three files',
    );
  });

  afterAll(async () => {
    await gateway.stop();
    await bus.drain();
    await vendor.close();
    repo.remove();
  });

  beforeEach(() => {
    vendor.batches.reset();
    live = new ScriptedGateway(() => json({ summary: 'live', confidence: 0.9, findings: [] }));
  });

  function runner(): TaskRunner {
    const channel = new JobChannel({ bus, topology: topo, pollMs: 20 });
    const kinds = new JobStepKinds(config);
    return new TaskRunner({
      readers: new LocalReaderFactory(),
      gateway: live,
      batchGateway: (task, liveGateway) =>
        new BatchModelGateway({ channel, kinds, live: liveGateway, task, gatherMs: 30 }),
      analyzer: new MobileRulesAnalyzer(),
      tokens: new BpeTokenCounter(),
      push: { push: () => Promise.reject(new Error('not in this test')) },
      pushQuota: { reserve: () => Promise.reject(new Error('not in this test')) },
    });
  }

  /** A code review small enough per chunk that each file is its own model call. */
  function reviewStep(providers: PlanStep['providers']): PlanStep {
    return planStep('code-review', {
      id: 'review',
      batch: true,
      providers,
      options: { chunkTokens: 700, related: false },
      model: { maxTokens: 800 },
    });
  }

  async function run(step: PlanStep, runId: string): Promise<AgentResult> {
    return runner().run(agentTask(repo, base, head, step, { runId }), new AbortController().signal);
  }

  it('sends every chunk of the review as one vendor batch, places the answers as findings and prices them at the batch rate', async () => {
    vendor.batches.enqueue({ readsUntilEnded: 3, usage: { inputTokens: 1000, outputTokens: 200 } });
    const result = await run(
      reviewStep([
        { provider: 'claude-api', model: 'claude-sonnet-4-5' },
        { provider: 'openai-api', model: 'gpt-5' },
      ]),
      'run-batch',
    );

    expect(result).toMatchObject({ status: 'succeeded', usage: { models: ['claude-sonnet-4-5'] } });
    const chunks = result.data!.chunks as number;
    expect(chunks).toBeGreaterThanOrEqual(3);
    // One batch, one request per chunk, nothing called live.
    expect(vendor.batches.created).toEqual([
      expect.objectContaining({
        vendor: 'anthropic',
        customIds: Array.from({ length: chunks }, (_, i) => `call-${i}`),
      }),
    ]);
    expect(live.requests).toHaveLength(0);
    // The simulated reviewer comments on the changed files: those answers became placed findings.
    expect(result.findings.length).toBeGreaterThan(0);
    for (const f of result.findings.filter((x) => x.source === 'model'))
      expect(f.file).toMatch(/^Sources\/Checkout\/(CartStore|PriceFormatter|ReceiptLoader)\.swift$/);
    // Half price: (1,000 in x $3 + 200 out x $15) per MTok, less the 0.5 batch discount, per chunk.
    const perCall = ((1000 * 3 + 200 * 15) / 1_000_000) * 0.5;
    expect(result.usage.costUsd).toBeCloseTo(chunks * perCall, 9);
    expect(result.usage.inputTokens).toBe(chunks * 1000);
    expect(records.entries.filter((e) => e.attribution.runId === 'run-batch')).toEqual([
      expect.objectContaining({ provider: 'claude-api', costUsd: result.usage.costUsd }),
    ]);
  });

  it('falls back along the chain when the first vendor cannot take the batch', async () => {
    vendor.batches.enqueue({ rejectCreate: 529 }, { readsUntilEnded: 1 });
    const result = await run(
      reviewStep([
        { provider: 'claude-api', model: 'claude-sonnet-4-5' },
        { provider: 'openai-api', model: 'gpt-5' },
      ]),
      'run-fallback',
    );
    expect(result).toMatchObject({ status: 'succeeded', usage: { models: ['gpt-5'] } });
    expect(vendor.batches.created.map((b) => b.vendor)).toEqual(['openai']);
  });

  it('defers the step when no vendor of the chain can take the batch now, so the coordinator retries it later', async () => {
    vendor.batches.enqueue({ rejectCreate: 529 }, { rejectCreate: 503 });
    const before = Date.now();
    const result = await run(
      reviewStep([
        { provider: 'claude-api', model: 'claude-sonnet-4-5' },
        { provider: 'openai-api', model: 'gpt-5' },
      ]),
      'run-down',
    );
    expect(result).toMatchObject({
      status: 'deferred',
      errorCode: 'all_providers_failed',
      errorMessage: expect.stringMatching(/claude-api: vendor_error .*openai-api: vendor_error/),
    });
    expect(result.retryAt).toBeGreaterThanOrEqual(before + 60_000);
  });

  it('fails the step with job_expired and the reason when the batch expired before any request ran', async () => {
    vendor.batches.enqueue({ end: 'expired', answered: 0 });
    const result = await run(
      reviewStep([{ provider: 'claude-api', model: 'claude-sonnet-4-5' }]),
      'run-expired',
    );
    expect(result).toMatchObject({
      status: 'failed',
      errorCode: 'job_expired',
      errorMessage: expect.stringMatching(/claude-api batch .*request call-0: .*expired/),
    });
  });

  it('calls live, at full price, when no provider of the chain has a Batch API', async () => {
    const result = await run(reviewStep([{ provider: 'local-llm', model: 'qwen-coder' }]), 'run-live');
    expect(result.status).toBe('succeeded');
    expect(vendor.batches.created).toHaveLength(0);
    expect(live.requests.length).toBe(result.data!.chunks);
  });
});
