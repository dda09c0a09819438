import { FakeVendorServer } from '@agentflow/fake-vendor';
import { metricsRegistry } from '@agentflow/telemetry';
import { MemoryRecordSink } from './cost/record-sink';
import { Gateway, type GatewayState } from './gateway';
import type { GatewaySettings } from './config/gateway-settings';
import { RULES_ONLY_KEY } from './policy/rules-only-switch';
import { MemoryKv } from './testing/memory-kv';
import {
  ANTHROPIC_KEY,
  OPENAI_KEY,
  reportSchema,
  request,
  SteppingClock,
  testEnv,
  testProviders,
  testSettings,
} from './testing/fixtures';

describe('GatewayPipeline against the fake vendor through the official SDKs', () => {
  let vendor: FakeVendorServer;
  let gateway: Gateway;
  let records: MemoryRecordSink;
  let clock: SteppingClock;
  let state: GatewayState;
  let logLines: string[];

  async function build(
    settings: Partial<GatewaySettings> = {},
    env: Record<string, string> = testEnv,
  ): Promise<Gateway> {
    await gateway?.stop();
    records = new MemoryRecordSink();
    clock = new SteppingClock();
    state = {
      limits: new MemoryKv('limits'),
      budgets: new MemoryKv('budgets'),
      cache: new MemoryKv('cache'),
    };
    logLines = [];
    gateway = new Gateway({
      providersConfig: testProviders(vendor.url),
      settings: testSettings(settings),
      state,
      records,
      env,
      clock,
      logLevel: 'debug',
      logWrite: (line) => logLines.push(line),
      random: () => 0.5,
    });
    await gateway.start();
    return gateway;
  }

  beforeAll(async () => {
    vendor = new FakeVendorServer({
      apiKeys: [ANTHROPIC_KEY, OPENAI_KEY, 'no-key'],
      contextWindows: { 'claude-small': 100 },
    });
    await vendor.start();
  });
  beforeEach(async () => {
    vendor.reset();
    await build();
  });
  afterAll(async () => {
    await gateway.stop();
    await vendor.close();
  });

  it('answers with structured output and records the cost from the vendor usage', async () => {
    vendor.enqueue('anthropic', {
      kind: 'reply',
      usage: { inputTokens: 1000, outputTokens: 200, cacheReadTokens: 4000, cacheWriteTokens: 500 },
    });
    const res = await gateway.generate(request({ responseSchema: reportSchema }));
    expect(res.status).toBe('ok');
    expect(res.provider).toBe('anthropic');
    expect((res.structured as { findings: Array<{ file: string }> }).findings[0].file).toBe(
      'App/Login.swift',
    );
    expect(res.usage).toEqual({
      inputTokens: 1000,
      outputTokens: 200,
      cacheReadTokens: 4000,
      cacheWriteTokens: 500,
    });
    // 1000 x $3 + 200 x $15 + 4000 x $0.30 + 500 x $3.75, per million tokens: each bucket priced once.
    const expected = (1000 * 3 + 200 * 15 + 4000 * 0.3 + 500 * 3.75) / 1e6;
    expect(res.costUsd).toBeCloseTo(expected, 9);
    expect(records.entries).toHaveLength(1);
    expect(records.entries[0]).toMatchObject({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      waste: 'none',
      cached: false,
      attribution: { team: 'ios', project: 'shop-ios', workflow: 'pr-review', runId: 'run-1' },
    });
    expect(records.entries[0].costUsd).toBeCloseTo(expected, 9);
    const audit = records.audits[0];
    expect(audit).toMatchObject({
      provider: 'anthropic',
      region: 'us',
      model: 'claude-sonnet-4-5',
      repo: 'acme/shop-ios',
      pr: 42,
      commitSha: 'c0ffee',
      decision: 'allowed',
      outcome: 'ok',
    });
    expect(audit.paths).toEqual([{ path: 'App/Login.swift', sha256: 'a'.repeat(64) }]);
    expect(audit.vendorRequestId).toMatch(/^req_/);
    expect(JSON.stringify(records.audits)).not.toContain('Review this diff');
    // Anthropic prompt caching: the system prompt is sent as a cache_control prefix.
    expect(JSON.stringify(vendor.served('anthropic')[0].body?.system)).toContain('ephemeral');
  });

  it('starts without a vendor key: a provider whose key is unset is skipped with the reason and the chain falls back', async () => {
    await build({}, { TEST_OPENAI_KEY: OPENAI_KEY });
    expect(gateway.unavailableProviders.get('anthropic')).toMatch(/TEST_ANTHROPIC_KEY/);
    const res = await gateway.generate(
      request({
        providers: [
          { provider: 'anthropic', model: 'claude-sonnet-4-5' },
          { provider: 'openai', model: 'gpt-4.1' },
        ],
      }),
    );
    expect(res).toMatchObject({ status: 'ok', provider: 'openai' });
    expect(res.attempts[0]).toMatchObject({ provider: 'anthropic', outcome: 'unconfigured' });
    expect(res.attempts[0].message).toMatch(/TEST_ANTHROPIC_KEY/);
    expect(vendor.count('anthropic')).toBe(0);

    const only = await gateway.generate(
      request({ providers: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }] }),
    );
    expect(only.status).toBe('failed');
    expect(only.errorMessage).toMatch(/TEST_ANTHROPIC_KEY/);
  });

  it('counts OpenAI cached tokens once: prompt_tokens includes them, the ledger does not add them twice', async () => {
    vendor.enqueue('openai', {
      kind: 'reply',
      usage: { inputTokens: 600, cacheReadTokens: 400, outputTokens: 100 },
    });
    const res = await gateway.generate(request({ providers: [{ provider: 'openai', model: 'gpt-4.1' }] }));
    expect(res.usage).toEqual({
      inputTokens: 600,
      outputTokens: 100,
      cacheReadTokens: 400,
      cacheWriteTokens: 0,
    });
    // Cache reads default to half the input price for OpenAI.
    expect(res.costUsd).toBeCloseTo((600 * 2 + 100 * 8 + 400 * 1) / 1e6, 9);
  });

  it('serves a repeated request from the cache at no cost, also when only the redacted secret differs in position-stable form', async () => {
    const first = await gateway.generate(
      request({
        messages: [{ role: 'user', content: 'token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789" review it' }],
      }),
    );
    const second = await gateway.generate(
      request({
        messages: [{ role: 'user', content: 'token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789" review it' }],
      }),
    );
    expect(first.cached).toBe(false);
    expect(second).toMatchObject({ status: 'ok', cached: true, costUsd: 0, text: first.text });
    expect(vendor.count('anthropic')).toBe(1);
    expect(records.entries.filter((e) => e.cached)).toHaveLength(1);
    const lookups = await metricsRegistry.getSingleMetric('agentflow_gateway_cache_requests_total')!.get();
    expect(lookups.values.find((v) => v.labels.result === 'hit')?.value).toBeGreaterThanOrEqual(1);
    const uncached = await gateway.generate(
      request({
        cache: false,
        messages: [{ role: 'user', content: 'token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789" review it' }],
      }),
    );
    expect(uncached.cached).toBe(false);
    expect(vendor.count('anthropic')).toBe(2);
  });

  it('never lets a secret or an e-mail reach the vendor, and audits the redaction counts', async () => {
    const secrets = [
      'AKIAIOSFODNN7REALKEY',
      'ghp_0123456789abcdefghijklmnopqrstuvwxyz',
      'jane.doe@acme-corp.io',
    ];
    const content = [
      'let awsKey = "AKIAIOSFODNN7REALKEY"',
      'let token = "ghp_0123456789abcdefghijklmnopqrstuvwxyz"',
      '// owner: jane.doe@acme-corp.io',
    ].join('\n');
    const res = await gateway.generate(
      request({ system: 'Contact jane.doe@acme-corp.io for access.', messages: [{ role: 'user', content }] }),
    );
    expect(res.status).toBe('ok');
    for (const s of secrets) expect(vendor.received(s)).toBe(false);
    expect(vendor.received('[REDACTED_SECRET_1]')).toBe(true);
    expect(vendor.received('[REDACTED_EMAIL_1]')).toBe(true);
    expect(records.audits[0].redactions).toEqual({ secrets: 2, emails: 2 });
  });

  it('refuses never-sent paths before anything leaves, and follows the rules-only switch without a restart', async () => {
    const denied = await gateway.generate(
      request({
        paths: [
          { path: 'App/GoogleService-Info.plist', sha256: 'b'.repeat(64) },
          { path: 'app/release.keystore', sha256: 'c'.repeat(64) },
        ],
      }),
    );
    expect(denied).toMatchObject({ status: 'failed', errorCode: 'policy_denied' });
    expect(denied.errorMessage).toContain('GoogleService-Info.plist');
    expect(records.audits[0].decision).toBe('denied:never-sent');

    await state.limits.put(RULES_ONLY_KEY, new TextEncoder().encode('true'));
    const rulesOnly = await gateway.generate(request());
    expect(rulesOnly).toMatchObject({ status: 'failed', errorCode: 'policy_denied' });
    await state.limits.put(RULES_ONLY_KEY, new TextEncoder().encode('false'));
    expect((await gateway.generate(request())).status).toBe('ok');
    expect(vendor.count()).toBe(1);
  });

  it('sends a data class only to providers allowed it, fallbacks included', async () => {
    const res = await gateway.generate(
      request({
        dataClass: 'restricted',
        providers: [
          { provider: 'anthropic', model: 'claude-sonnet-4-5' },
          { provider: 'eu-only', model: 'llama-3.3-70b' },
        ],
      }),
    );
    expect(res.provider).toBe('eu-only');
    expect(vendor.count('anthropic')).toBe(0);
    expect(vendor.served('openai')[0].model).toBe('llama-3.3-70b');
    const none = await gateway.generate(
      request({
        dataClass: 'restricted',
        providers: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }],
      }),
    );
    expect(none).toMatchObject({ status: 'failed', errorCode: 'policy_denied' });
  });

  it('falls back across vendors with the same output shape; a cheaper fallback is not counted as waste', async () => {
    vendor.enqueue('anthropic', { kind: 'overloaded' }, { kind: 'server-error' }, { kind: 'overloaded' });
    const viaOpenAI = await gateway.generate(request({ responseSchema: reportSchema }));
    expect(viaOpenAI.status).toBe('ok');
    expect(viaOpenAI.provider).toBe('openai');
    expect(viaOpenAI.attempts.map((a) => a.outcome)).toEqual([
      'overloaded',
      'server_error',
      'overloaded',
      'ok',
    ]);
    expect(viaOpenAI.attempts[0].status).toBe(529);
    const viaAnthropic = await gateway.generate(request({ responseSchema: reportSchema }));
    expect(viaAnthropic.provider).toBe('anthropic');
    expect(Object.keys(viaOpenAI.structured!).sort()).toEqual(Object.keys(viaAnthropic.structured!).sort());
    expect(Object.keys((viaOpenAI.structured as { findings: object[] }).findings[0]).sort()).toEqual(
      Object.keys((viaAnthropic.structured as { findings: object[] }).findings[0]).sort(),
    );
    expect(records.entries.find((e) => e.provider === 'openai')).toMatchObject({
      waste: 'none',
      wasteUsd: 0,
    });
    // Backoff between retries used full jitter (random() = 0.5 of base x 2^(n-1)).
    expect(clock.sleeps).toEqual([5, 10]);
  });

  it('tries the next provider when a vendor answers outside the schema, and hands over the text when every vendor did', async () => {
    const prose = '```json\n{"summary": "one issue", "findings": [],}\n```';
    vendor.setScript('openai', () => ({ kind: 'reply', text: prose }));
    const chain = [
      { provider: 'openai', model: 'gpt-4.1' },
      { provider: 'anthropic', model: 'claude-sonnet-4-5' },
    ];
    const fellBack = await gateway.generate(request({ responseSchema: reportSchema, providers: chain }));
    expect(fellBack).toMatchObject({ status: 'ok', provider: 'anthropic' });
    expect(fellBack.structured).toBeDefined();
    expect(fellBack.attempts.map((a) => a.outcome)).toEqual(['bad_output', 'bad_output', 'bad_output', 'ok']);

    const only = await gateway.generate(
      request({ responseSchema: reportSchema, providers: [chain[0]], cache: true }),
    );
    expect(only).toMatchObject({ status: 'ok', provider: 'openai', model: 'gpt-4.1', text: prose });
    expect(only.structured).toBeUndefined();
    expect(only.errorCode).toBeUndefined();
    expect(only.attempts.map((a) => a.outcome)).toEqual(['bad_output', 'bad_output', 'bad_output']);
    // Paid for: every attempt is in the usage and the ledger.
    expect(only.usage.outputTokens).toBeGreaterThan(0);
    // Unstructured text is not cached: the next call asks the vendor again.
    const again = await gateway.generate(
      request({ responseSchema: reportSchema, providers: [chain[0]], cache: true }),
    );
    expect(again.cached).toBe(false);
    vendor.setScript('openai', undefined);
  });

  it('still fails the call when the chain ends with other failures beside output outside the schema', async () => {
    vendor.setScript('openai', () => ({ kind: 'reply', text: 'Approved.' }));
    vendor.enqueue('anthropic', { kind: 'error', status: 400, message: 'bad request' });
    const res = await gateway.generate(
      request({
        responseSchema: reportSchema,
        providers: [
          { provider: 'openai', model: 'gpt-4.1' },
          { provider: 'anthropic', model: 'claude-sonnet-4-5' },
        ],
      }),
    );
    vendor.setScript('openai', undefined);
    expect(res).toMatchObject({ status: 'failed', errorCode: 'all_providers_failed' });
    expect(res.attempts.map((a) => a.outcome)).toEqual([
      'bad_output',
      'bad_output',
      'bad_output',
      'bad_request',
    ]);
  });

  it('falls back to a larger-window model after a context-length error', async () => {
    const res = await gateway.generate(
      request({
        providers: [
          { provider: 'anthropic', model: 'claude-small' },
          { provider: 'openai', model: 'gpt-4.1' },
        ],
        messages: [{ role: 'user', content: 'x'.repeat(2000) }],
      }),
    );
    expect(res.status).toBe('ok');
    expect(res.attempts[0]).toMatchObject({ model: 'claude-small', outcome: 'context_length', status: 400 });
    // The same provider's larger model comes first, before the next vendor.
    expect(res).toMatchObject({ provider: 'anthropic', model: 'claude-haiku-4-5' });
  });

  it('honours Retry-After within the deadline and does not wait past it', async () => {
    vendor.enqueue('anthropic', { kind: 'rate-limit', retryAfterSeconds: 2 });
    const honoured = await gateway.generate(
      request({ providers: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }] }),
    );
    expect(honoured.status).toBe('ok');
    expect(clock.sleeps).toEqual([2000]);

    vendor.enqueue('anthropic', { kind: 'rate-limit', retryAfterSeconds: 3600 });
    const capped = await gateway.generate(
      request({
        providers: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }],
        deadline: clock.now() + 20_000,
      }),
    );
    expect(capped).toMatchObject({ status: 'deferred', errorCode: 'all_providers_failed' });
    expect(capped.retryAt).toBeGreaterThan(clock.now() + 3_000_000);
    expect(clock.sleeps).toEqual([2000]);
    expect(vendor.count('anthropic', 429)).toBe(2);
  });

  it('opens the breaker after repeated outages, skips the vendor while open, and closes after a good half-open probe', async () => {
    await build({
      breaker: { failureThreshold: 2, cooldownMs: 10_000 },
      retry: { maxAttemptsPerProvider: 2, baseDelayMs: 1, maxDelayMs: 1 },
    });
    const only = { providers: [{ provider: 'openai', model: 'gpt-4.1' }] };
    vendor.enqueue('openai', { kind: 'server-error' }, { kind: 'server-error' });
    const failed = await gateway.generate(request(only));
    expect(failed.status).toBe('deferred');
    expect(gateway.breakers.state('openai', 'gpt-4.1')).toBe('open');

    const skipped = await gateway.generate(request(only));
    expect(skipped).toMatchObject({ status: 'deferred', errorCode: 'all_providers_failed' });
    expect(skipped.attempts).toEqual([expect.objectContaining({ outcome: 'breaker_open' })]);
    expect(vendor.count('openai')).toBe(2);

    clock.offset += 10_001;
    expect(gateway.breakers.state('openai', 'gpt-4.1')).toBe('half-open');
    const probe = await gateway.generate(request(only));
    expect(probe.status).toBe('ok');
    expect(gateway.breakers.state('openai', 'gpt-4.1')).toBe('closed');
    expect(vendor.count('openai')).toBe(3);
  });

  it('fails a single request larger than the whole budget as such, without calling a vendor, and does not defer it', async () => {
    await build({ budgets: [{ scope: 'project', key: 'shop-ios', period: 'day', limitUsd: 0.0001 }] });
    const res = await gateway.generate(request());
    expect(res).toMatchObject({ status: 'failed', errorCode: 'request_over_budget' });
    expect(res.errorMessage).toMatch(
      /^this request alone may cost \$[\d.]+, more than budget project:shop-ios:day's whole limit of \$0\.000100; lower max_tokens/,
    );
    expect(vendor.count()).toBe(0);
  });

  it('defers with budget_exceeded before calling any vendor when the budget is spent', async () => {
    await build({ budgets: [{ scope: 'project', key: 'shop-ios', period: 'day', limitUsd: 0 }] });
    const res = await gateway.generate(request());
    expect(res).toMatchObject({ status: 'deferred', errorCode: 'budget_exceeded' });
    expect(res.retryAt).toBeGreaterThan(Date.now());
    expect(vendor.count()).toBe(0);
    // Another project is not affected.
    expect((await gateway.generate(request({ attribution: { project: 'shop-android' } }))).status).toBe('ok');
  });

  it('answers gateway_unavailable, without calling a vendor, when its shared state cannot be reached', async () => {
    await gateway.stop();
    const broken = new MemoryKv('budgets');
    broken.get = async () => {
      throw new Error('nats: timeout');
    };
    gateway = new Gateway({
      providersConfig: testProviders(vendor.url),
      settings: testSettings({ budgets: [{ scope: 'global', period: 'day', limitUsd: 1 }] }),
      state: { limits: new MemoryKv(), budgets: broken, cache: new MemoryKv() },
      records,
      env: testEnv,
      clock,
      logLevel: 'silent',
    });
    await gateway.start();
    const res = await gateway.generate(request());
    expect(res).toMatchObject({ status: 'failed', errorCode: 'gateway_unavailable' });
    expect(vendor.count()).toBe(0);
  });

  it('keeps 50 concurrent requests within the budget: no false exceeded, no overspend beyond one lease', async () => {
    // Real usage stays under the reservation (the prompt's ~1000 estimated tokens and all 200 allowed output tokens).
    const usage = { inputTokens: 1000, outputTokens: 100 }; // $0.0045 each on claude-sonnet-4-5
    const prompt = (i: number) => `${'x'.repeat(3000)} item ${i}`;
    vendor.setScript('anthropic', () => ({ kind: 'reply', usage }));
    const cost = (1000 * 3 + 100 * 15) / 1e6;
    const lease = 0.02;
    await build({ budgets: [{ scope: 'global', period: 'day', limitUsd: 0.3 }], budgetLeaseUsd: lease });
    const roomy = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        gateway.generate(
          request({
            providers: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }],
            maxTokens: 200,
            cache: false,
            messages: [{ role: 'user', content: prompt(i) }],
          }),
        ),
      ),
    );
    // 50 x $0.0045 = $0.225 fits in $0.30 although 50 estimates at once would not.
    expect(roomy.filter((r) => r.errorCode === 'budget_exceeded')).toHaveLength(0);
    expect(roomy.every((r) => r.status === 'ok')).toBe(true);

    await build({ budgets: [{ scope: 'global', period: 'day', limitUsd: 0.1 }], budgetLeaseUsd: lease });
    const tight = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        gateway.generate(
          request({
            providers: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }],
            maxTokens: 200,
            cache: false,
            messages: [{ role: 'user', content: prompt(i) }],
          }),
        ),
      ),
    );
    const ok = tight.filter((r) => r.status === 'ok');
    const spent = ok.reduce((sum, r) => sum + r.costUsd, 0);
    expect(spent).toBeLessThanOrEqual(0.1 + lease);
    expect(ok.length).toBeGreaterThanOrEqual(Math.floor((0.1 - lease) / cost));
    expect(tight.filter((r) => r.status === 'deferred').every((r) => r.errorCode === 'budget_exceeded')).toBe(
      true,
    );
    await gateway.budget.flush();
    const record = await gateway.budget.record('global:all:day');
    expect(record!.spent).toBeCloseTo(spent, 6);
    expect(record!.alerted).toEqual([0.5, 0.8]);
    vendor.setScript('anthropic', undefined);
  });

  it('waits for the next minute when the shared rate limit is used up, when that is within the deadline', async () => {
    const config = testProviders(vendor.url);
    config.providers.openai.models['gpt-4.1'].limits = { requestsPerMinute: 2 };
    await gateway.stop();
    records = new MemoryRecordSink();
    clock = new SteppingClock();
    gateway = new Gateway({
      providersConfig: config,
      settings: testSettings(),
      state: { limits: new MemoryKv(), budgets: new MemoryKv(), cache: new MemoryKv() },
      records,
      env: testEnv,
      clock,
      logLevel: 'silent',
    });
    await gateway.start();
    const only = {
      providers: [{ provider: 'openai', model: 'gpt-4.1' }],
      cache: false,
      deadline: Date.now() + 5 * 60_000,
    };
    for (let i = 0; i < 3; i++) expect((await gateway.generate(request(only))).status).toBe('ok');
    expect(gateway.limiter.waits).toBe(1);
    expect(clock.sleeps).toHaveLength(1);
    expect(clock.sleeps[0]).toBeLessThanOrEqual(60_001);
    expect(vendor.count('openai')).toBe(3);

    // A fourth and fifth in the new minute fit; a sixth would need a wait past a short deadline: it moves on.
    await gateway.generate(request(only));
    const late = await gateway.generate(request({ ...only, deadline: clock.now() + 1000 }));
    const waitsBefore = gateway.limiter.waits;
    const tooLate = await gateway.generate(request({ ...only, deadline: clock.now() + 1000 }));
    expect(late.status === 'ok' || tooLate.status === 'deferred').toBe(true);
    expect(tooLate).toMatchObject({
      status: 'deferred',
      attempts: [expect.objectContaining({ outcome: 'rate_limited' })],
    });
    expect(gateway.limiter.waits).toBe(waitsBefore);
  });

  it('aborts the vendor call when the caller cancels', async () => {
    vendor.enqueue('anthropic', { kind: 'hang' });
    const controller = new AbortController();
    const pending = gateway.generate(
      request({ providers: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }] }),
      controller.signal,
    );
    while (vendor.openHangs === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort('superseded');
    const res = await pending;
    expect(res).toMatchObject({ status: 'failed', errorCode: 'aborted' });
    while (vendor.openHangs > 0) await new Promise((r) => setTimeout(r, 5));
    expect(vendor.openHangs).toBe(0);
  });

  it('answers deadline_exceeded when the vendor hangs past the deadline', async () => {
    vendor.enqueue('anthropic', { kind: 'hang' });
    const res = await gateway.generate(
      request({
        providers: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }],
        deadline: Date.now() + 300,
      }),
    );
    expect(res.errorCode).toBe('deadline_exceeded');
  });

  it('never writes a key to a log line or an error body, with debug logging on and a vendor that echoes it', async () => {
    const wrongOpenAI = 'sk-proj-WRONGKEYzyxwvutsrqponmlkjih123456';
    const wrongAnthropic = 'sk-ant-api03-WRONGKEYabcdefghijklmnopq98765';
    await build({}, { TEST_ANTHROPIC_KEY: wrongAnthropic, TEST_OPENAI_KEY: wrongOpenAI });
    const res = await gateway.generate(request());
    expect(res.status).toBe('failed');
    expect(res.attempts.map((a) => a.outcome)).toEqual(['auth', 'auth']);
    expect(vendor.served('openai')[0].status).toBe(401);
    const captured = [...logLines, JSON.stringify(res)].join('\n');
    expect(logLines.some((l) => l.includes('"level":"debug"'))).toBe(true);
    for (const key of [wrongOpenAI, wrongAnthropic]) {
      expect(captured).not.toContain(key);
      expect(captured).not.toContain(key.slice(12));
    }
    expect(captured).toContain('[key:openai]');
  });
});
