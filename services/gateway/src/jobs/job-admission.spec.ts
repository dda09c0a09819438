/**
 * A job launch meets the chat pipeline's rules before anything leaves the gateway: redaction,
 * rules-only mode, never-sent paths and budgets, with an audit record either way. Driven through
 * the job runner against the fake vendor's Batch APIs.
 */
import type { BatchItem, JobLaunch, ProvidersConfig } from '@agentflow/contracts';
import { FakeVendorServer } from '@agentflow/fake-vendor';
import { AnthropicBatchProvider } from '../batch/anthropic-batch';
import { BatchPricer } from '../batch/batch-pricer';
import { BudgetExceeded } from '../errors';
import type { JobProvider } from './job-provider';
import { JobPolicyDenied, JobVendorError } from './job-errors';
import { launchKey } from './job-record';
import { jobHarness, type JobHarnessOptions } from './testing/job-harness';

const KEY = 'sk-ant-admission-key-0123456789';
const TOKEN = 'ghp_0123456789abcdefghijklmnopqrstuvwxyz';
const BUDGET = 'workflow:architecture-nightly:day';

describe('job admission on the fake vendor', () => {
  const vendor = new FakeVendorServer({ apiKeys: [KEY] });
  let config: ProvidersConfig;

  beforeAll(async () => {
    await vendor.start();
    config = {
      providers: {
        anthropic: {
          kind: 'anthropic',
          baseUrl: vendor.url,
          dataClasses: ['internal'],
          region: 'us',
          models: {
            'claude-sonnet-4-5': {
              contextWindow: 200_000,
              prices: [
                { effectiveFrom: '2025-01-01', inputPerMTok: 3, outputPerMTok: 15, batchDiscount: 0.5 },
              ],
            },
          },
        },
      },
    };
  });
  afterAll(async () => {
    await vendor.close();
  });
  beforeEach(() => vendor.batches.reset());

  function harness(options: JobHarnessOptions = {}) {
    const clock = { now: () => Date.parse('2026-01-10T10:00:00Z') };
    const providers = new Map<string, JobProvider>([
      [
        'anthropic',
        new AnthropicBatchProvider(
          'anthropic',
          config.providers.anthropic,
          KEY,
          new BatchPricer(config),
          clock,
        ),
      ],
    ]);
    return jobHarness(config, providers, options);
  }

  function launch(requestId: string, over: Partial<JobLaunch> = {}): JobLaunch {
    const batch: BatchItem[] = ['arch', 'docs'].map((id) => ({
      customId: id,
      model: 'claude-sonnet-4-5',
      system: 'You review mobile code.',
      maxTokens: 512,
      messages: [
        { role: 'user', content: `Review ios/Api.swift:\nlet token = "${TOKEN}" // owner: ann@shop.io` },
      ],
    }));
    return {
      op: 'launch',
      requestId,
      provider: 'anthropic',
      batch,
      paths: [{ path: 'ios/Api.swift', sha256: 'a'.repeat(64) }],
      attribution: { runId: 'nightly-1', stepId: 'arch', workflow: 'architecture-nightly' },
      dataClass: 'internal',
      ...over,
    };
  }

  it('redacts secrets and e-mail addresses from every batch request before the vendor sees them, and audits the launch', async () => {
    const h = harness();
    await h.runner.launch(launch('redact-1'));
    const [created] = vendor.batches.created;
    expect(created.prompts).toHaveLength(2);
    for (const prompt of created.prompts) {
      expect(prompt).not.toContain(TOKEN);
      expect(prompt).not.toContain('ann@shop.io');
      expect(prompt).toContain('[REDACTED_SECRET_1]');
      expect(prompt).toContain('[REDACTED_EMAIL_1]');
    }
    // The stored record holds what was sent, not the secret.
    const stored = new TextDecoder().decode(
      (await h.kv.get(`job.${(await h.kv.keys('job.>'))[0].slice(4)}`))!.value,
    );
    expect(stored).not.toContain(TOKEN);
    expect(h.records.audits).toEqual([
      expect.objectContaining({
        requestId: 'redact-1',
        provider: 'anthropic',
        region: 'us',
        model: 'claude-sonnet-4-5',
        decision: 'allowed',
        outcome: 'ok',
        paths: [{ path: 'ios/Api.swift', sha256: 'a'.repeat(64) }],
        redactions: { secrets: 2, emails: 2 },
        vendorRequestId: created.id,
      }),
    ]);
  });

  it('refuses every job in rules-only mode without calling the vendor', async () => {
    const h = harness({ rulesOnly: true });
    await expect(h.runner.launch(launch('rules-only-1'))).rejects.toThrow(JobPolicyDenied);
    expect(vendor.batches.created).toHaveLength(0);
    expect(h.records.audits).toEqual([
      expect.objectContaining({ decision: 'denied:rules-only', outcome: 'not_called' }),
    ]);
  });

  it('refuses a job that carries a never-sent path, naming it', async () => {
    const h = harness({ neverSent: ['**/*.xcconfig'] });
    const refused = h.runner.launch(
      launch('never-sent-1', { paths: [{ path: 'ios/Config/Release.xcconfig', sha256: 'b'.repeat(64) }] }),
    );
    await expect(refused).rejects.toThrow(/never-sent paths in the job: ios\/Config\/Release\.xcconfig/);
    expect(vendor.batches.created).toHaveLength(0);
    expect(h.records.audits).toEqual([expect.objectContaining({ decision: 'denied:never-sent' })]);
  });

  it('refuses a batch whose estimate does not fit the budget, says when it will, and lets the same request launch later', async () => {
    const h = harness({
      budgets: [{ scope: 'workflow', key: 'architecture-nightly', period: 'day', limitUsd: 0.005 }],
    });
    const refused = await h.runner.launch(launch('over-budget-1')).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BudgetExceeded);
    expect((refused as BudgetExceeded).retryAt).toBe(Date.parse('2026-01-11T00:00:00Z'));
    expect(vendor.batches.created).toHaveLength(0);
    // The request id was given back: once the budget allows it, the same launch starts a job.
    expect(await h.kv.get(launchKey('over-budget-1'))).toBeNull();
  });

  it('counts a finished batch at its real cost against the budgets, also when another gateway process reserved it', async () => {
    const h = harness({
      budgets: [{ scope: 'workflow', key: 'architecture-nightly', period: 'day', limitUsd: 10 }],
    });
    vendor.batches.enqueue(
      { readsUntilEnded: 1, usage: { inputTokens: 1000, outputTokens: 200 } },
      { readsUntilEnded: 1, usage: { inputTokens: 1000, outputTokens: 200 } },
    );
    const perItem = ((1000 * 3 + 200 * 15) / 1_000_000) * 0.5;

    await h.runner.launch(launch('cost-1'));
    await h.pollOnce();
    await h.budget.flush();
    expect((await h.budget.record(BUDGET))!.spent).toBeCloseTo(2 * perItem, 9);

    // Launched here, finished by a restarted process that holds no reservation for it.
    await h.runner.launch(launch('cost-2'));
    const restarted = h.restart();
    await h.pollOnce(restarted);
    await h.budget.flush();
    expect(h.results.messages).toHaveLength(2);
    expect((await h.budget.record(BUDGET))!.spent).toBeCloseTo(4 * perItem, 9);
  });

  it('gives the request id back when the vendor refuses the create call, so a redelivered task launches again', async () => {
    const h = harness();
    vendor.batches.enqueue({ rejectCreate: 529 });
    await expect(h.runner.launch(launch('flaky-1'))).rejects.toThrow(JobVendorError);
    const again = await h.runner.launch(launch('flaky-1'));
    expect(again).toMatchObject({ status: 'ok', state: 'running' });
    expect(vendor.batches.created).toHaveLength(1);
  });
});
