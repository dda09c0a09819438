import { FakeVendorServer } from '@agentflow/fake-vendor';
import type { ProvidersConfig } from '@agentflow/contracts';
import { MemoryRecordSink } from '../cost/record-sink';
import { Gateway } from '../gateway';
import { MemoryKv } from '../testing/memory-kv';
import {
  ANTHROPIC_KEY,
  OPENAI_KEY,
  request,
  SteppingClock,
  testEnv,
  testProviders,
  testSettings,
} from '../testing/fixtures';

/** The test providers plus claude-sonnet-5-5, the declared replacement of claude-sonnet-4-5. */
function providers(baseUrl: string, retiresOn?: string): ProvidersConfig {
  const config = testProviders(baseUrl);
  const models = config.providers.anthropic.models;
  models['claude-sonnet-5-5'] = {
    contextWindow: 1_000_000,
    tier: 'medium',
    prices: [{ effectiveFrom: '2026-09-28', inputPerMTok: 2, outputPerMTok: 10 }],
  };
  models['claude-sonnet-4-5'] = {
    ...models['claude-sonnet-4-5'],
    tier: undefined,
    replacement: 'claude-sonnet-5-5',
    ...(retiresOn ? { retiresOn } : {}),
  };
  return config;
}

describe('the account check and model lifecycle in the gateway, on the fake vendor', () => {
  let vendor: FakeVendorServer;
  let gateway: Gateway | undefined;
  let records: MemoryRecordSink;
  let logLines: string[];

  async function build(config: ProvidersConfig): Promise<Gateway> {
    records = new MemoryRecordSink();
    logLines = [];
    gateway = new Gateway({
      providersConfig: config,
      settings: testSettings(),
      records,
      env: testEnv,
      clock: new SteppingClock(),
      random: () => 0.5,
      state: {
        limits: new MemoryKv('limits'),
        budgets: new MemoryKv('budgets'),
        cache: new MemoryKv('cache'),
      },
      logLevel: 'info',
      logWrite: (line) => logLines.push(line),
      modelCheck: 'all',
    });
    await gateway.start();
    return gateway;
  }

  beforeAll(async () => {
    vendor = new FakeVendorServer({ apiKeys: [ANTHROPIC_KEY, OPENAI_KEY] });
    await vendor.start();
  });
  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
    vendor.reset();
    vendor.setAccountModels('anthropic', undefined).setAccountModels('openai', undefined);
  });
  afterAll(() => vendor.close());

  it('turns off a configured model the account lacks, says so once, and serves its steps with the replacement', async () => {
    vendor.setAccountModels('anthropic', ['claude-small', 'claude-haiku-4-5', 'claude-sonnet-5-5']);
    const gw = await build(providers(vendor.url));
    expect(vendor.listRequests('anthropic')).toBe(1);
    expect(vendor.listRequests('openai')).toBe(1);

    const offLines = logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'models off: the account cannot use them');
    expect(offLines).toEqual([
      expect.objectContaining({
        level: 'warn',
        provider: 'anthropic',
        models: ['claude-sonnet-4-5'],
        servedBy: { 'claude-sonnet-4-5': 'claude-sonnet-5-5' },
      }),
    ]);
    expect(gw.models.off('anthropic', 'claude-sonnet-4-5')).toEqual({
      reason: 'model_not_in_account',
      message:
        "anthropic/claude-sonnet-4-5 is not in the account's model list (GET /v1/models); its steps go to its replacement claude-sonnet-5-5. Ask the vendor for access, or remove it from providers.yml",
    });
    expect(gw.models.readinessNote()).toBe(
      'anthropic/claude-sonnet-4-5 off (not in the account), served by claude-sonnet-5-5',
    );

    const res = await gw.generate(request());
    expect(res).toMatchObject({ status: 'ok', provider: 'anthropic', model: 'claude-sonnet-5-5' });
    expect(vendor.served('anthropic').map((r) => r.model)).toEqual(['claude-sonnet-5-5']);
    expect(res.attempts?.[0]).toMatchObject({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      outcome: 'model_not_in_account',
      message: expect.stringContaining('routed to anthropic/claude-sonnet-5-5'),
    });
    expect(records.audits.map((a) => [a.model, a.outcome])).toEqual([
      ['claude-sonnet-4-5', 'model_not_in_account'],
      ['claude-sonnet-5-5', 'ok'],
    ]);
    expect(records.entries.map((e) => e.model)).toEqual(['claude-sonnet-5-5']);
  });

  it('without a declared replacement the step goes to the next model of its chain', async () => {
    vendor.setAccountModels('anthropic', ['claude-small', 'claude-haiku-4-5']);
    const config = providers(vendor.url);
    delete config.providers.anthropic.models['claude-sonnet-4-5'].replacement;
    const gw = await build(config);
    const res = await gw.generate(request());
    expect(res).toMatchObject({ status: 'ok', provider: 'openai', model: 'gpt-4.1' });
    expect(res.attempts?.[0]).toMatchObject({
      model: 'claude-sonnet-4-5',
      outcome: 'model_not_in_account',
      message: expect.stringContaining('skipped'),
    });
    expect(vendor.served('anthropic')).toEqual([]);
  });

  it('refuses a model past its retiresOn and routes to its replacement, recorded with that reason', async () => {
    const gw = await build(providers(vendor.url, '2026-11-30'));
    const warn = logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'model off: retired');
    expect(warn).toMatchObject({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      servedBy: 'claude-sonnet-5-5',
    });
    const res = await gw.generate(request());
    expect(res).toMatchObject({ status: 'ok', model: 'claude-sonnet-5-5' });
    expect(res.attempts?.[0]).toMatchObject({
      model: 'claude-sonnet-4-5',
      outcome: 'model_retired',
      message:
        'anthropic/claude-sonnet-4-5 retired on 2026-11-30; the vendor refuses it; routed to anthropic/claude-sonnet-5-5',
    });
    expect(records.audits[0]).toMatchObject({ model: 'claude-sonnet-4-5', outcome: 'model_retired' });
  });

  it('a list the vendor refuses (wrong key) leaves the models on and logs why', async () => {
    const gw = await build(providers(vendor.url));
    vendor.setAccountModels('anthropic', []);
    const check = gw.accountCheck!;
    const results = await check.run();
    expect(results.find((r) => r.provider === 'anthropic')).toMatchObject({
      state: 'checked',
      missing: expect.arrayContaining(['claude-sonnet-4-5']),
    });
    // A failed list keeps the last answer: the previous pass turned them off, this one changes nothing.
    const failing = new Gateway({
      providersConfig: providers(vendor.url),
      settings: testSettings(),
      records: new MemoryRecordSink(),
      env: { ...testEnv, TEST_ANTHROPIC_KEY: 'sk-ant-wrong' },
      state: { limits: new MemoryKv('l'), budgets: new MemoryKv('b'), cache: new MemoryKv('c') },
      logLevel: 'warn',
      logWrite: (line) => logLines.push(line),
      modelCheck: 'all',
    });
    await failing.start();
    expect(failing.accountCheck!.results.find((r) => r.provider === 'anthropic')).toMatchObject({
      state: 'failed',
      status: 401,
    });
    expect(failing.models.offModels()).toEqual([]);
    await failing.stop();
  });

  it("auto checks only providers on the vendor's own API", async () => {
    records = new MemoryRecordSink();
    gateway = new Gateway({
      providersConfig: providers(vendor.url),
      settings: testSettings(),
      records,
      env: testEnv,
      state: { limits: new MemoryKv('l'), budgets: new MemoryKv('b'), cache: new MemoryKv('c') },
      logLevel: 'silent',
      modelCheck: 'auto',
    });
    await gateway.start();
    expect(vendor.listRequests()).toBe(0);
    expect(gateway.accountCheck!.results.every((r) => r.state === 'not-checked')).toBe(true);
  });
});
