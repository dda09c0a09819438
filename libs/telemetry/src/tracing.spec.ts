import { trace } from '@opentelemetry/api';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTelemetry } from './tracing';

describe('startTelemetry', () => {
  const saved = { ...process.env };
  let server: Server;
  const received: Array<{ url: string; body: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ url: req.url ?? '', body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });

  afterAll(async () => {
    process.env = saved;
    await new Promise((r) => server.close(r));
  });

  it('does nothing when OTEL_SDK_DISABLED=true', async () => {
    process.env.OTEL_SDK_DISABLED = 'true';
    const shutdown = startTelemetry('disabled-service');
    trace.getTracer('t').startSpan('ignored').end();
    await shutdown();
    expect(received).toEqual([]);
  });

  it('does nothing when the env the services run with says OTEL_SDK_DISABLED=true, whatever the process env says', async () => {
    const { port } = server.address() as AddressInfo;
    Object.assign(process.env, {
      OTEL_SDK_DISABLED: 'false',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    });
    const shutdown = startTelemetry('in-process-demo', { env: { OTEL_SDK_DISABLED: 'true' } });
    trace.getTracer('t').startSpan('ignored too').end();
    await shutdown();
    expect(received).toEqual([]);
  });

  it('exports spans over OTLP to the endpoint named by the standard variables, flushed by shutdown', async () => {
    const { port } = server.address() as AddressInfo;
    Object.assign(process.env, {
      OTEL_SDK_DISABLED: 'false',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    });
    const shutdown = startTelemetry('telemetry-test', { version: '9.9.9' });
    expect(startTelemetry('second-call')).toBe(shutdown);
    trace.getTracer('test').startSpan('run.started').end();
    await shutdown();
    await shutdown();
    const traces = received.filter((r) => r.url === '/v1/traces');
    expect(traces).toHaveLength(1);
    expect(traces[0].body).toContain('run.started');
    expect(traces[0].body).toContain('telemetry-test');
    expect(traces[0].body).toContain('9.9.9');
  });
});
