import { join } from 'node:path';
import type { JobLaunch, ProvidersConfig } from '@agentflow/contracts';
import { FakeVendorServer } from '@agentflow/fake-vendor';
import { YamlProvidersConfigFile } from '../../config/config-source';
import { ProviderKeys } from '../../config/provider-keys';
import { SecretScrubber } from '../../log/secret-scrubber';
import { buildJobProviders } from '../../jobs/job-registry';
import { jobHarness, type JobHarness } from '../../jobs/testing/job-harness';
import { compileHttpJobOptions } from './http-job-config';

const EXAMPLE = join(__dirname, '../../../../../workflows/vendors/testing-ai.yml');
const KEY = 'tai_live_0123456789abcdef';

function launch(requestId: string): JobLaunch {
  return {
    op: 'launch',
    requestId,
    provider: 'testing-ai',
    prompt: 'Exercise the checkout flow',
    repository: 'https://github.com/acme/android-app',
    ref: 'abc123',
    input: { app: 'com.acme.shop', platform: 'android' },
    attribution: { runId: 'run-9', stepId: 'e2e-tests' },
    dataClass: 'internal',
  };
}

describe('generic HTTP vendor configured only by the worked example YAML', () => {
  const vendor = new FakeVendorServer();
  let h: JobHarness;
  let config: ProvidersConfig;

  beforeAll(async () => {
    await vendor.start();
    config = await new YamlProvidersConfigFile(EXAMPLE).load();
    // The only change to the example: where the vendor lives in this test.
    config.providers['testing-ai'].baseUrl = vendor.url;
    vendor.httpJob.requiredKey = KEY;
  });
  afterAll(async () => {
    await vendor.close();
  });
  beforeEach(() => {
    vendor.httpJob.reset();
    const providers = buildJobProviders(
      config,
      new ProviderKeys({ TESTING_AI_API_KEY: KEY }, new SecretScrubber()),
      { now: () => Date.now() },
    );
    h = jobHarness(config, providers);
  });

  it('submits the rendered body with the key header, polls to passed and maps the report by JSON paths', async () => {
    vendor.httpJob.enqueue({
      statuses: ['queued', 'running', 'passed'],
      report: { summary: '12 flows passed, 1 flaky', url: 'https://testing-ai.example/r/1', failed_count: 1 },
    });
    const reply = await h.runner.launch(launch('e2e-1'));
    expect(vendor.httpJob.submissions).toEqual([
      {
        key: KEY,
        body: {
          app: 'com.acme.shop',
          platform: 'android',
          repository: 'https://github.com/acme/android-app',
          commit: 'abc123',
          instructions: 'Exercise the checkout flow',
        },
      },
    ]);
    await h.pollOnce();
    await h.pollOnce();
    expect(h.results.messages).toEqual([
      expect.objectContaining({
        jobId: reply.jobId,
        state: 'finished',
        vendorStatus: 'passed',
        costUsd: 0.4,
        outcome: {
          summary: '12 flows passed, 1 flaky',
          url: 'https://testing-ai.example/r/1',
          data: { failedTests: 1 },
        },
      }),
    ]);
  });

  it('reports a failed run with the reason read from the configured path', async () => {
    vendor.httpJob.enqueue({ statuses: ['queued', 'failed'], error: 'emulator did not boot' });
    await h.runner.launch(launch('e2e-2'));
    await h.pollOnce();
    expect(h.results.messages).toEqual([
      expect.objectContaining({
        state: 'failed',
        reason: 'testing-ai reported failed: emulator did not boot',
      }),
    ]);
  });

  it("reports the vendor's own timeout status as expired", async () => {
    vendor.httpJob.enqueue({ statuses: ['queued', 'timed_out'] });
    await h.runner.launch(launch('e2e-3'));
    await h.pollOnce();
    expect(h.results.messages[0]).toMatchObject({ state: 'expired', vendorStatus: 'timed_out' });
  });

  it('rejects a config whose result mapping is not a supported JSON path at start-up', () => {
    const options = { ...config.providers['testing-ai'].options, result: { summary: 'report.summary' } };
    expect(() => compileHttpJobOptions('testing-ai', options)).toThrow(/must start with \$/);
  });
});
