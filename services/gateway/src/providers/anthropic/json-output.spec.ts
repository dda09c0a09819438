import type Anthropic from '@anthropic-ai/sdk';
import { join } from 'node:path';
import {
  FakeVendorServer,
  FORCED_TOOL_CHOICE_MESSAGE,
  REFUSE_FORCED_TOOL_CHOICE,
} from '@agentflow/fake-vendor';
import { loadProvidersConfig } from '@agentflow/workflow';
import type { ProvidersConfig } from '@agentflow/contracts';
import { MemoryRecordSink } from '../../cost/record-sink';
import { Gateway } from '../../gateway';
import { MemoryKv } from '../../testing/memory-kv';
import {
  ANTHROPIC_KEY,
  OPENAI_KEY,
  reportSchema,
  request,
  SteppingClock,
  testEnv,
  testProviders,
  testSettings,
} from '../../testing/fixtures';
import type { ChatCall } from '../chat-provider';
import { ProviderError } from '../provider-error';
import { fromAnthropicMessage, toAnthropicParams } from './anthropic-translation';

/** Claude Sonnet 5.5 refuses a forced tool_choice; providers.yml says to ask it through output_config.format. */
function providers(baseUrl: string, structuredOutput?: 'tool' | 'json-schema'): ProvidersConfig {
  const config = testProviders(baseUrl);
  config.providers.anthropic.models['claude-sonnet-5-5'] = {
    contextWindow: 1_000_000,
    tier: 'medium',
    prices: [{ effectiveFrom: '2026-09-28', inputPerMTok: 2, outputPerMTok: 10 }],
    ...(structuredOutput ? { structuredOutput } : {}),
  };
  return config;
}

describe('structured answers from models that refuse a forced tool (output_config.format)', () => {
  let vendor: FakeVendorServer;
  let gateway: Gateway | undefined;
  let logLines: string[] = [];

  async function build(config: ProvidersConfig): Promise<Gateway> {
    logLines = [];
    gateway = new Gateway({
      providersConfig: config,
      settings: testSettings(),
      records: new MemoryRecordSink(),
      env: testEnv,
      clock: new SteppingClock(),
      random: () => 0.5,
      state: {
        limits: new MemoryKv('limits'),
        budgets: new MemoryKv('budgets'),
        cache: new MemoryKv('cache'),
      },
      logLevel: 'warn',
      logWrite: (line) => logLines.push(line),
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
    vendor.reset();
  });
  afterAll(() => vendor.close());

  const ask = () =>
    request({
      providers: [
        { provider: 'anthropic', model: 'claude-sonnet-5-5' },
        { provider: 'openai', model: 'gpt-4.1' },
      ],
      responseSchema: reportSchema,
    });

  it('json-schema: the schema goes as output_config.format, no tool is forced, and the JSON text is the structured answer', async () => {
    const gw = await build(providers(vendor.url, 'json-schema'));
    const res = await gw.generate(ask());
    expect(res).toMatchObject({ status: 'ok', provider: 'anthropic', model: 'claude-sonnet-5-5' });
    expect((res.structured as { findings: Array<{ file: string }> }).findings[0].file).toBe(
      'App/Login.swift',
    );
    const sent = vendor.served('anthropic')[0].body as Record<string, unknown>;
    expect(sent.output_config).toEqual({ format: { type: 'json_schema', schema: reportSchema.schema } });
    expect(sent.tool_choice).toBeUndefined();
    expect(sent.tools).toBeUndefined();
  });

  it('json-schema streamed: the pieces are the JSON text, and the whole is the structured answer', async () => {
    const gw = await build(providers(vendor.url, 'json-schema'));
    const pieces: string[] = [];
    const res = await gw.pipeline.stream(ask(), { start: () => undefined, piece: (p) => pieces.push(p) });
    expect(res.status).toBe('ok');
    expect(JSON.parse(pieces.join(''))).toEqual(res.structured);
  });

  it('without it the vendor refuses the forced tool with a 400, the gateway says which setting to add, and the step falls back', async () => {
    const gw = await build(providers(vendor.url));
    const res = await gw.generate(ask());
    expect(res).toMatchObject({ status: 'ok', provider: 'openai' });
    expect(res.attempts?.[0]).toMatchObject({
      provider: 'anthropic',
      model: 'claude-sonnet-5-5',
      status: 400,
      message: expect.stringContaining(FORCED_TOOL_CHOICE_MESSAGE),
    });
    const warned = logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter(
        (l) => l.level === 'warn' && String(l.msg ?? l.message).includes('structuredOutput: json-schema'),
      );
    expect(warned).toEqual([expect.objectContaining({ provider: 'anthropic', model: 'claude-sonnet-5-5' })]);
  });

  it('a 5.5 answer that opens with a thinking block still reads its JSON text; text that is no JSON object is bad output', () => {
    const call: ChatCall = {
      model: 'claude-sonnet-5-5',
      system: 'review',
      messages: [{ role: 'user', content: 'diff' }],
      maxTokens: 64,
      responseSchema: reportSchema,
      cachePrompt: false,
      signal: new AbortController().signal,
      timeoutMs: 1000,
      structuredOutput: 'json-schema',
    };
    const params = toAnthropicParams(call);
    expect(params.output_config).toEqual({ format: { type: 'json_schema', schema: reportSchema.schema } });
    expect(params.tool_choice).toBeUndefined();
    expect(toAnthropicParams({ ...call, structuredOutput: undefined }).tool_choice).toEqual({
      type: 'tool',
      name: reportSchema.name,
    });

    const target = { provider: 'anthropic', model: 'claude-sonnet-5-5' };
    const usage = {
      input_tokens: 10,
      output_tokens: 5,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    };
    const message = (content: unknown[], stop: string) =>
      ({ content, stop_reason: stop, usage }) as unknown as Anthropic.Message;
    const ok = fromAnthropicMessage(
      message(
        [
          { type: 'thinking', thinking: '', signature: 'sig' },
          { type: 'text', text: '{"summary":"fine","findings":[]}' },
        ],
        'end_turn',
      ),
      call,
      target,
      'req_1',
    );
    expect(ok.structured).toEqual({ summary: 'fine', findings: [] });
    let cut: unknown;
    try {
      fromAnthropicMessage(
        message([{ type: 'text', text: '{"summary":"fi' }], 'max_tokens'),
        call,
        target,
        'req_2',
      );
    } catch (e) {
      cut = e;
    }
    expect(cut).toBeInstanceOf(ProviderError);
    expect(cut).toMatchObject({ failure: 'bad_output', message: expect.stringContaining('max_tokens') });
  });

  it('the shipped providers.yml asks every model that refuses a forced tool through output_config.format', () => {
    const shipped = loadProvidersConfig(
      join(__dirname, '..', '..', '..', '..', '..', 'workflows', 'providers.yml'),
    );
    const anthropic = Object.values(shipped.providers).filter((p) => p.kind.startsWith('anthropic'));
    const refusing = anthropic
      .flatMap((p) => Object.entries(p.models))
      .filter(([model]) => REFUSE_FORCED_TOOL_CHOICE.includes(model));
    expect(refusing.length).toBeGreaterThan(0);
    expect(refusing.filter(([, m]) => m.structuredOutput !== 'json-schema').map(([model]) => model)).toEqual(
      [],
    );
  });
});
