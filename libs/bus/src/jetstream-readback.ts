/**
 * Compares what nats-server reports for a stream or consumer with what was asked for. 2.9.10
 * silently drops options it does not know, so a missing `backoff` or `duplicate_window` must fail
 * start-up here rather than surface later as a duplicate or an endless retry (ADR 0006).
 */
import { millis } from '@nats-io/transport-node';
import { RetentionPolicy, type ConsumerConfig, type StreamConfig } from '@nats-io/jetstream';
import type { ConsumerSpec, StreamSpec } from '@agentflow/contracts';
import { BusProvisioningError } from './errors';

export const RETENTION: Record<StreamSpec['retention'], RetentionPolicy> = {
  limits: RetentionPolicy.Limits,
  workqueue: RetentionPolicy.Workqueue,
  interest: RetentionPolicy.Interest,
};

function expecting(resource: string) {
  return (option: string, expected: unknown, actual: unknown) => {
    if (JSON.stringify(expected) !== JSON.stringify(actual))
      throw new BusProvisioningError(resource, option, expected, actual);
  };
}

export function verifyStreamConfig(spec: StreamSpec, c: Partial<StreamConfig>): void {
  const expect = expecting(spec.name);
  expect('subjects', [...spec.subjects].sort(), [...(c.subjects ?? [])].sort());
  expect('retention', RETENTION[spec.retention], c.retention);
  expect('max_age', spec.maxAgeMs, millis(c.max_age ?? 0));
  expect('duplicate_window', spec.duplicateWindowMs, millis(c.duplicate_window ?? 0));
  if (spec.maxMsgSize !== undefined) expect('max_msg_size', spec.maxMsgSize, c.max_msg_size);
}

export function verifyConsumerConfig(spec: ConsumerSpec, c: Partial<ConsumerConfig>): void {
  const expect = expecting(`${spec.stream}/${spec.durable}`);
  expect('filter_subject', spec.filterSubject, c.filter_subject);
  expect('ack_wait', spec.ackWaitMs, millis(c.ack_wait ?? 0));
  expect('max_deliver', spec.maxDeliver, c.max_deliver);
  expect('max_ack_pending', spec.maxAckPending, c.max_ack_pending);
  expect(
    'backoff',
    spec.backoffMs,
    (c.backoff ?? []).map((n) => millis(n)),
  );
}
