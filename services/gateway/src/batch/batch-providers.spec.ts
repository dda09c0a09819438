import type { BatchItem, JobLaunch, ProvidersConfig } from '@agentflow/contracts';
import { FakeVendorServer } from '@agentflow/fake-vendor';
import { jobHarness, type JobHarness } from '../jobs/testing/job-harness';
import type { JobProvider } from '../jobs/job-provider';
import { AnthropicBatchProvider, anthropicBatchParams } from './anthropic-batch';
import { BatchPricer } from './batch-pricer';
import { OpenAiBatchProvider } from './openai-batch';

const KEY = 'sk-batch-test-key-0123456789';

function config(url: string): ProvidersConfig {
  const prices = [{ effectiveFrom: '2025-01-01', inputPerMTok: 3, outputPerMTok: 15, batchDiscount: 0.5 }];
  return {
    providers: {
      anthropic: {
        kind: 'anthropic',
        baseUrl: url,
        dataClasses: ['internal'],
        models: { 'claude-sonnet-4-5': { contextWindow: 200_000, prices } },
      },
      openai: {
        kind: 'openai',
        baseUrl: `${url}/v1`,
        dataClasses: ['internal'],
        models: {
          'gpt-5': {
            contextWindow: 400_000,
            prices: [{ effectiveFrom: '2025-01-01', inputPerMTok: 1.25, outputPerMTok: 10 }],
          },
        },
      },
    },
  };
}

function items(model: string): BatchItem[] {
  return ['arch-review', 'naming-review', 'docs-review'].map((step) => ({
    customId: step,
    model,
    system: 'You review mobile code.',
    messages: [{ role: 'user', content: `Review for ${step}: ios/Login.swift` }],
    maxTokens: 512,
  }));
}

function launch(provider: string, model: string, requestId: string): JobLaunch {
  return {
    op: 'launch',
    requestId,
    provider,
    batch: items(model),
    attribution: { runId: 'nightly-1', stepId: 'batch', workflow: 'architecture-nightly' },
    dataClass: 'internal',
  };
}

describe.each([
  ['anthropic', 'claude-sonnet-4-5', 3, 15, 0.5],
  ['openai', 'gpt-5', 1.25, 10, 0.5],
] as const)('%s Batch API on the fake vendor', (provider, model, inPrice, outPrice, discount) => {
  const vendor = new FakeVendorServer({ apiKeys: [KEY] });
  let h: JobHarness;

  beforeAll(async () => {
    await vendor.start();
  });
  afterAll(async () => {
    await vendor.close();
  });
  beforeEach(() => {
    vendor.batches.reset();
    const cfg = config(vendor.url);
    const pricer = new BatchPricer(cfg);
    const clock = { now: () => Date.parse('2026-01-10T10:00:00Z') };
    const providers = new Map<string, JobProvider>([
      ['anthropic', new AnthropicBatchProvider('anthropic', cfg.providers.anthropic, KEY, pricer, clock)],
      ['openai', new OpenAiBatchProvider('openai', cfg.providers.openai, KEY, pricer, clock)],
    ]);
    h = jobHarness(cfg, providers);
  });

  it('submits three requests as one batch, matches each answer to its step by custom_id and prices them at the batch rate', async () => {
    vendor.batches.enqueue({ readsUntilEnded: 2, usage: { inputTokens: 2000, outputTokens: 400 } });
    const reply = await h.runner.launch(launch(provider, model, 'nightly-batch'));
    expect(vendor.batches.created).toEqual([
      expect.objectContaining({
        vendor: provider,
        customIds: ['arch-review', 'naming-review', 'docs-review'],
      }),
    ]);
    await h.pollOnce();
    expect((await h.runner.status(reply.jobId!)).state).not.toBe('finished');
    await h.pollOnce();

    const perItem = ((2000 * inPrice + 400 * outPrice) / 1_000_000) * (1 - discount);
    const [done] = h.results.messages;
    expect(done).toMatchObject({ state: 'finished', attribution: { runId: 'nightly-1' } });
    expect(done.outcome!.items!.map((i) => [i.customId, i.status])).toEqual([
      ['arch-review', 'succeeded'],
      ['naming-review', 'succeeded'],
      ['docs-review', 'succeeded'],
    ]);
    for (const item of done.outcome!.items!) {
      expect(item.text).toContain('ios/Login.swift');
      expect(item.usage).toEqual({
        inputTokens: 2000,
        outputTokens: 400,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
      });
      expect(item.costUsd).toBeCloseTo(perItem, 9);
    }
    expect(done.costUsd).toBeCloseTo(3 * perItem, 9);
    expect(h.records.entries).toEqual([
      expect.objectContaining({
        provider,
        model,
        costUsd: done.costUsd,
        usage: expect.objectContaining({ inputTokens: 6000, outputTokens: 1200 }),
      }),
    ]);
  });

  it('handles expiry: answered requests keep their results, the rest are reported expired for their steps', async () => {
    vendor.batches.enqueue({ end: 'expired', answered: 1 });
    await h.runner.launch(launch(provider, model, 'expiring-batch'));
    await h.pollOnce();
    const [done] = h.results.messages;
    expect(done.state).toBe('finished');
    expect(done.outcome!.items!.map((i) => [i.customId, i.status])).toEqual([
      ['arch-review', 'succeeded'],
      ['naming-review', 'expired'],
      ['docs-review', 'expired'],
    ]);
  });

  it('reports a batch in which nothing ran before expiry as an expired job with the reason', async () => {
    vendor.batches.enqueue({ end: 'expired', answered: 0 });
    await h.runner.launch(launch(provider, model, 'expired-batch'));
    await h.pollOnce();
    expect(h.results.messages).toEqual([
      expect.objectContaining({
        state: 'expired',
        costUsd: 0,
        reason: expect.stringContaining('arch-review: expired'),
      }),
    ]);
  });

  it('reports a request the vendor rejected on its own as errored, beside the ones that succeeded', async () => {
    vendor.batches.enqueue({ errors: { 'naming-review': 'max_tokens is too large' } });
    await h.runner.launch(launch(provider, model, 'partly-bad-batch'));
    await h.pollOnce();
    const item = h.results.messages[0].outcome!.items!.find((i) => i.customId === 'naming-review');
    expect(item).toMatchObject({ status: 'errored', error: 'max_tokens is too large', costUsd: 0 });
  });
});

describe('BatchPricer', () => {
  it('takes the default discount of one half when the price names none', () => {
    const cfg: ProvidersConfig = {
      providers: {
        a: {
          kind: 'anthropic',
          dataClasses: [],
          models: {
            m: {
              contextWindow: 1,
              prices: [{ effectiveFrom: '2025-01-01', inputPerMTok: 10, outputPerMTok: 0 }],
            },
          },
        },
      },
    };
    expect(
      new BatchPricer(cfg).cost(
        'a',
        'm',
        { inputTokens: 1_000_000, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
        Date.parse('2026-01-01'),
      ),
    ).toBe(5);
  });
});

describe('Anthropic Batch API for a model that refuses a forced tool (output_config.format)', () => {
  const vendor = new FakeVendorServer({ apiKeys: [KEY] });
  const reportSchema = {
    name: 'report',
    schema: {
      type: 'object',
      properties: { summary: { type: 'string' }, findings: { type: 'array', items: { type: 'object' } } },
      required: ['summary', 'findings'],
    },
  };
  const prices = [{ effectiveFrom: '2026-09-28', inputPerMTok: 2, outputPerMTok: 10, batchDiscount: 0.5 }];

  beforeAll(async () => {
    await vendor.start();
  });
  afterAll(async () => {
    await vendor.close();
  });
  beforeEach(() => vendor.batches.reset());

  async function run(structuredOutput: 'json-schema' | undefined): Promise<JobHarness> {
    const cfg: ProvidersConfig = {
      providers: {
        anthropic: {
          kind: 'anthropic',
          baseUrl: vendor.url,
          dataClasses: ['internal'],
          models: {
            'claude-sonnet-5-5': {
              contextWindow: 1_000_000,
              prices,
              ...(structuredOutput ? { structuredOutput } : {}),
            },
          },
        },
      },
    };
    const clock = { now: () => Date.parse('2026-12-10T10:00:00Z') };
    const h = jobHarness(
      cfg,
      new Map<string, JobProvider>([
        [
          'anthropic',
          new AnthropicBatchProvider('anthropic', cfg.providers.anthropic, KEY, new BatchPricer(cfg), clock),
        ],
      ]),
    );
    const job = launch('anthropic', 'claude-sonnet-5-5', `json-output-${structuredOutput ?? 'tool'}`);
    job.batch = job.batch!.map((item) => ({ ...item, responseSchema: reportSchema }));
    await h.runner.launch(job);
    await h.pollOnce();
    return h;
  }

  it('json-schema: each request carries output_config.format and no forced tool, and its JSON text is the structured answer', async () => {
    const item = { ...items('claude-sonnet-5-5')[0], responseSchema: reportSchema };
    const params = anthropicBatchParams(item, 'json-schema');
    expect(params.output_config).toEqual({ format: { type: 'json_schema', schema: reportSchema.schema } });
    expect(params).not.toHaveProperty('tool_choice');
    expect(params).not.toHaveProperty('tools');
    expect(anthropicBatchParams(item)).toMatchObject({ tool_choice: { type: 'tool', name: 'report' } });

    const h = await run('json-schema');
    const answered = h.results.messages[0].outcome!.items!;
    expect(answered.map((i) => i.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    for (const a of answered) {
      expect(a.structured).toEqual(JSON.parse(a.text!));
      expect((a.structured as { summary: string }).summary).toEqual(expect.any(String));
    }
  });

  it("without it each forced-tool request comes back errored with the vendor's invalid_request_error", async () => {
    const h = await run(undefined);
    const items = h.results.messages[0].outcome!.items!;
    expect(items.map((i) => [i.status, i.error])).toEqual(
      Array(3).fill(['errored', 'Thinking may not be enabled when tool_choice forces tool use.']),
    );
  });
});
