import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { FakeVendorServer } from '@agentflow/fake-vendor';
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

/**
 * A vendor call is a GenAI span under the request's span: a slow review can be traced to the
 * vendor call that made it slow, with the model, tokens, cost, attempt and fallback on it, and
 * never the prompt.
 */
describe('vendor call spans', () => {
  const exporter = new InMemorySpanExporter();
  let vendor: FakeVendorServer;
  let gateway: Gateway;

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
    vendor = new FakeVendorServer({ apiKeys: [ANTHROPIC_KEY, OPENAI_KEY] });
    await vendor.start();
    gateway = new Gateway({
      providersConfig: testProviders(vendor.url),
      settings: testSettings({ retry: { maxAttemptsPerProvider: 1, baseDelayMs: 1, maxDelayMs: 1 } }),
      state: {
        limits: new MemoryKv('limits'),
        budgets: new MemoryKv('budgets'),
        cache: new MemoryKv('cache'),
      },
      records: new MemoryRecordSink(),
      env: testEnv,
      clock: new SteppingClock(),
      logLevel: 'silent',
      random: () => 0.5,
    });
    await gateway.start();
  });

  afterAll(async () => {
    await gateway.stop();
    await vendor.close();
    trace.disable();
    context.disable();
  });

  it('records each attempt as a chat span under the caller, with usage, cost and fallback, and no prompt text', async () => {
    exporter.reset();
    vendor.enqueue('anthropic', { kind: 'overloaded' });
    vendor.enqueue('openai', { kind: 'reply', usage: { inputTokens: 1200, outputTokens: 300 } });
    const req = request();
    const parentTraceId = await trace.getTracer('test').startActiveSpan('agent task', async (parent) => {
      const res = await gateway.generate(req);
      expect(res.status).toBe('ok');
      parent.end();
      return parent.spanContext().traceId;
    });
    const chats = exporter.getFinishedSpans().filter((s) => s.name.startsWith('chat '));
    expect(
      chats.map((s) => [
        s.name,
        s.attributes['gen_ai.system'],
        s.attributes['agentflow.outcome'],
        s.attributes['agentflow.fallback'],
      ]),
    ).toEqual([
      [`chat ${req.providers[0].model}`, 'anthropic', 'overloaded', false],
      [`chat ${req.providers[1].model}`, 'openai', 'ok', true],
    ]);
    const ok = chats[1];
    expect(ok.spanContext().traceId).toBe(parentTraceId);
    expect(ok.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': req.providers[1].model,
      'gen_ai.request.max_tokens': req.maxTokens,
      'gen_ai.usage.input_tokens': 1200,
      'gen_ai.usage.output_tokens': 300,
      'agentflow.request_id': req.requestId,
      'agentflow.attempt': 1,
    });
    expect(ok.attributes['agentflow.cost_usd']).toBeGreaterThan(0);
    expect(chats[0].status.code).toBe(2);
    // Nothing of the prompt (system text, the diff) on any span.
    const everything = JSON.stringify(exporter.getFinishedSpans().map((s: ReadableSpan) => s.attributes));
    expect(everything).not.toContain('Login.swift');
    expect(everything).not.toContain('review Swift code');
  });
});
