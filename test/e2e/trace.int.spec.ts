/**
 * One trace per run, as deployed: the services as separate processes export their spans over
 * OTLP to a receiver in the test. A signed pull-request webhook gives one connected trace from the
 * ingress's HTTP span through the coordinator, the agents, the gateway and its vendor call (with
 * the GenAI attributes) to the notifier's deliveries on GitHub.
 */
import { SAMPLE_APPS } from '../../cli/src/demo/sample-repos';
import { startStack, type Stack } from './stack';
import { OtlpReceiver, type ReceivedSpan } from './otlp/otlp-receiver';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('one trace per run across the separate-process stack', () => {
  const receiver = new OtlpReceiver();
  let stack: Stack;
  let trace: ReceivedSpan[] = [];

  beforeAll(async () => {
    const endpoint = await receiver.start();
    stack = await startStack({
      samples: SAMPLE_APPS.filter((a) => a.repo === 'ios-app'),
      replicas: { coordinator: 1, gateway: 1, agents: 1, notifier: 1 },
      env: {
        OTEL_SDK_DISABLED: 'false',
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '200',
      },
    });
    const sample = stack.samples[0];
    const deliveryId = await stack.pullRequestEvent(sample.seed);
    await stack.waitForRuns(deliveryId);
    // Let every process's batch processor flush its last spans.
    await sleep(1500);
    const webhook = receiver.spans.find(
      (s) =>
        s.service === 'ingress' &&
        s.kind === 2 &&
        [s.attributes['http.target'], s.attributes['url.path'], s.attributes['http.route']].some((v) =>
          String(v).startsWith('/webhooks/github'),
        ),
    );
    if (!webhook)
      throw new Error(
        `no webhook span among ${receiver.spans.length} spans: ${[...new Set(receiver.spans.map((s) => `${s.service}:${s.name}`))].slice(0, 40).join(', ')}`,
      );
    trace = receiver.trace(webhook.traceId);
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
    await receiver.close();
  });

  it('reaches every service, from the webhook to the notifier', () => {
    const services = new Set(trace.map((s) => s.service));
    for (const service of ['ingress', 'coordinator', 'agents', 'gateway', 'notifier'])
      expect([...services]).toContain(service);
  });

  it('is connected: every span but the webhook span has its parent in the trace', () => {
    const ids = new Set(trace.map((s) => s.spanId));
    const orphans = trace.filter((s) => s.parentSpanId && !ids.has(s.parentSpanId));
    expect(orphans.map((s) => `${s.service}:${s.name}`)).toEqual([]);
    expect(trace.filter((s) => !s.parentSpanId)).toHaveLength(1);
  });

  it('has the vendor call as a GenAI span of the gateway, with its HTTP call under it', () => {
    const chat = trace.find((s) => s.service === 'gateway' && s.name.startsWith('chat '));
    expect(chat).toBeDefined();
    expect(chat!.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': expect.any(String),
      'gen_ai.request.model': expect.any(String),
      'gen_ai.usage.input_tokens': expect.any(Number),
      'gen_ai.usage.output_tokens': expect.any(Number),
    });
    expect(chat!.attributes['agentflow.cost_usd']).toEqual(expect.any(Number));
    const http = trace.filter((s) => s.parentSpanId === chat!.spanId && s.kind === 3);
    expect(http.length).toBeGreaterThanOrEqual(1);
  });

  it('shows the notifier writing to GitHub as HTTP client spans', () => {
    const calls = trace.filter((s) => s.service === 'notifier' && s.kind === 3);
    expect(calls.length).toBeGreaterThan(0);
  });
});
