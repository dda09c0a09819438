/**
 * W3C trace context in message headers, so one trace follows a run across every hop. Uses the
 * globally registered OpenTelemetry propagator (a no-op until the service starts the SDK).
 */
import {
  context,
  propagation,
  trace,
  SpanKind,
  SpanStatusCode,
  type Context,
  type Span,
} from '@opentelemetry/api';
import type { Headers, ReplyMessage, RequestOptions } from './bus';

/** Writes the active (or given) context's `traceparent`/`tracestate` into `headers` and returns them. */
export function injectTraceContext(headers: Headers, ctx: Context = context.active()): Headers {
  propagation.inject(ctx, headers);
  return headers;
}

/** The context carried by a message's headers (the active one when they carry none). */
export function extractTraceContext(headers: Headers): Context {
  return propagation.extract(context.active(), headers);
}

/** Runs `fn` as a continuation of the trace carried in `headers`. */
export function runWithTraceContext<T>(headers: Headers, fn: () => T): T {
  return context.with(extractTraceContext(headers), fn);
}

const tracer = () => trace.getTracer('@agentflow/bus');

/** Runs a handler inside a CONSUMER span that continues the trace of the message's headers. */
export async function withConsumerSpan<T>(
  subject: string,
  headers: Headers,
  attributes: Record<string, string | number | boolean>,
  fn: () => Promise<T>,
): Promise<T> {
  const parent = extractTraceContext(headers);
  return tracer().startActiveSpan(
    `process ${subject}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject, ...attributes },
    },
    parent,
    (span) => settleSpan(span, fn),
  );
}

/** Runs a publish inside a PRODUCER span, so the headers it injects name this span as the parent. */
export async function withProducerSpan<T>(
  subject: string,
  attributes: Record<string, string | number | boolean>,
  fn: () => Promise<T>,
): Promise<T> {
  return tracer().startActiveSpan(
    `send ${subject}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject, ...attributes },
    },
    (span) => settleSpan(span, fn),
  );
}

/**
 * A request/reply call (agents -> gateway) inside a CLIENT span whose context travels in the
 * request's headers, so the server's span, and the vendor call under it, join the caller's trace.
 */
export function tracedRequest(
  subject: string,
  options: RequestOptions,
  send: (options: RequestOptions) => Promise<ReplyMessage>,
): Promise<ReplyMessage> {
  return tracer().startActiveSpan(
    `request ${subject}`,
    {
      kind: SpanKind.CLIENT,
      attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject },
    },
    (span) =>
      settleSpan(span, () =>
        send({ ...options, headers: injectTraceContext({ ...(options.headers ?? {}) }) }),
      ),
  );
}

/** A request handler run inside a SERVER span that continues the trace the request carries. */
export function tracedHandler(
  subject: string,
  handler: (msg: ReplyMessage) => Promise<void> | void,
): (msg: ReplyMessage) => Promise<void> {
  return (msg) =>
    tracer().startActiveSpan(
      `serve ${subject}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject },
      },
      extractTraceContext(msg.headers),
      (span) => settleSpan(span, async () => handler(msg)),
    );
}

async function settleSpan<T>(span: Span, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
    throw error;
  } finally {
    span.end();
  }
}
