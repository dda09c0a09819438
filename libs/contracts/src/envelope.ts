import { randomUUID } from 'node:crypto';

/**
 * Every message on the bus is an envelope around a typed body. The trace context travels in NATS
 * headers (`traceparent`, `tracestate`), not here, so any hop can continue the trace.
 */
export interface Envelope<TBody = unknown> {
  /** Unique per logical message; also the default `Nats-Msg-Id`. */
  id: string;
  /** The run this message belongs to, or `-` for messages outside any run (webhooks before matching). */
  runId: string;
  /** Message type, one of {@link MESSAGE_TYPES}' keys. */
  type: string;
  /** Schema version of `body`. A service reads one version older and one newer than its own. */
  schemaVersion: number;
  /** 1 for the first attempt of a step; the coordinator increments it on a step retry. */
  attempt: number;
  /** ISO-8601 time the message was created. */
  createdAt: string;
  body: TBody;
}

/** NATS header names used across services. */
export const HEADERS = {
  msgId: 'Nats-Msg-Id',
  expectedLastSubjectSequence: 'Nats-Expected-Last-Subject-Sequence',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  messageType: 'af-type',
  schemaVersion: 'af-schema-version',
  /** Set on dead-lettered copies: why the message was dead-lettered. */
  deadLetterReason: 'af-dlq-reason',
  deadLetterSubject: 'af-dlq-subject',
  deadLetterStream: 'af-dlq-stream',
  deadLetterDeliveries: 'af-dlq-deliveries',
  /** Set when the body is an object-store reference rather than inline JSON. */
  bodyRef: 'af-body-ref',
  /**
   * On `gateway.request`: 0 for the first send, n for the n-th resend of the same requestId after
   * no replica answered for it within the caller's reply bound (ADR 0078). Absent means 0.
   */
  gatewaySend: 'af-send',
} as const;

export function createEnvelope<TBody>(
  type: string,
  body: TBody,
  options: { runId?: string; id?: string; attempt?: number; schemaVersion?: number; now?: Date } = {},
): Envelope<TBody> {
  return {
    id: options.id ?? randomUUID(),
    runId: options.runId ?? '-',
    type,
    schemaVersion: options.schemaVersion ?? 1,
    attempt: options.attempt ?? 1,
    createdAt: (options.now ?? new Date()).toISOString(),
    body,
  };
}

/** Deterministic message id for a step's task or result: a re-publish after a crash dedupes. */
export function stepMessageId(runId: string, stepId: string, attempt: number): string {
  return `${runId}:${stepId}:${attempt}`;
}

/** Reference to a body kept in the object store (bodies over 256 KB). */
export interface BodyRef {
  ref: string;
  sha256: string;
  size: number;
}
