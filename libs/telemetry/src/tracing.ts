/**
 * OpenTelemetry for a process: the NodeSDK with its exporters chosen by the standard `OTEL_*`
 * environment variables (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_TRACES_EXPORTER`, ...). One SDK per
 * process, however many services run in it; off when `OTEL_SDK_DISABLED=true` (the tests).
 */
import type { NodeSDK } from '@opentelemetry/sdk-node';

/*
 * The SDK, its exporters (OTLP over gRPC and HTTP, Zipkin) and the instrumentations are required
 * when telemetry starts, not when this module loads: a process with telemetry off (the tests, the
 * benches, `OTEL_SDK_DISABLED=true`) does not hold them, some 25 MB of RSS per process.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- loaded on start, see above */

/** Probes and scrapes: every few seconds on every pod, never worth a trace. */
const UNTRACED_PATHS = new Set(['/health', '/ready', '/metrics']);

/**
 * Client and server spans from the OpenTelemetry instrumentation packages: incoming HTTP
 * (webhooks, the CI API, the gateway's HTTP front), outgoing HTTP through `fetch` and undici (the
 * vendors' SDKs, the gateway's pools, Octokit, Slack) and PostgreSQL queries. Outgoing calls and
 * queries are traced only inside a traced operation, so timers and sweeps do not start traces of
 * their own.
 */
function instrumentations() {
  const { HttpInstrumentation } =
    require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { PgInstrumentation } =
    require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const { UndiciInstrumentation } =
    require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0]),
      requireParentforOutgoingSpans: true,
    }),
    new UndiciInstrumentation({ requireParentforSpans: true }),
    new PgInstrumentation({ requireParentSpan: true }),
  ];
}

/** Flushes and stops telemetry. Safe to call more than once. */
export type TelemetryShutdown = () => Promise<void>;

export interface TelemetryOptions {
  /** Version reported as `service.version`. */
  version?: string;
  /**
   * The environment the services run with, when it is not the process's own (the demo and
   * `agentflow review` pass theirs): `OTEL_SDK_DISABLED=true` there turns telemetry off. Without
   * this, an in-process run that disabled telemetry in its env would still start the SDK, which
   * then spends its shutdown timing out on an OTLP endpoint nobody runs. @default process.env
   */
  env?: Readonly<Record<string, string | undefined>>;
}

let running: { sdk: NodeSDK; shutdown: TelemetryShutdown } | undefined;

function disabled(env: Readonly<Record<string, string | undefined>>): boolean {
  return (env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true';
}

/**
 * Starts the SDK for `serviceName` (`service.name` unless `OTEL_SERVICE_NAME` says otherwise) and
 * returns its shutdown. A second call in the same process returns the first SDK's shutdown: the
 * SDK registers process-wide providers, so there can be only one.
 */
export function startTelemetry(serviceName: string, options: TelemetryOptions = {}): TelemetryShutdown {
  if (disabled(options.env ?? process.env)) return async () => undefined;
  if (running) return running.shutdown;
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { resourceFromAttributes } =
    require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME || serviceName,
    instrumentations: instrumentations(),
    // Merged with what the env and host detectors find (OTEL_RESOURCE_ATTRIBUTES, host, process).
    ...(options.version ? { resource: resourceFromAttributes({ 'service.version': options.version }) } : {}),
  });
  sdk.start();
  // The instrumentations patch a module when it is next required; the kit loaded http and pg
  // before telemetry started, so require them once more (cached modules: nothing loads twice).
  for (const name of ['http', 'https', 'pg']) {
    try {
      require(name);
    } catch {
      // not installed in this process: nothing to patch.
    }
  }
  let stopped: Promise<void> | undefined;
  const shutdown: TelemetryShutdown = () => {
    stopped ??= sdk.shutdown().finally(() => {
      if (running?.sdk === sdk) running = undefined;
    });
    return stopped;
  };
  running = { sdk, shutdown };
  return shutdown;
}
/* eslint-enable @typescript-eslint/no-require-imports */
