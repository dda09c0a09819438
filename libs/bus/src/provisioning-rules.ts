/** Checks a consumer spec against its stream before anything is sent to a server (both implementations). */
import type { ConsumerSpec } from '@agentflow/contracts';
import { BusProvisioningError } from './errors';

/**
 * How long the server may keep redelivering one message: `ackWait x maxDeliver`, or the backoff
 * schedule when it is longer. A re-publish after a crash must still be deduplicated while the first
 * copy can be redelivered, so the stream's dedupe window must cover this span.
 */
export function redeliverySpanMs(spec: Pick<ConsumerSpec, 'ackWaitMs' | 'maxDeliver' | 'backoffMs'>): number {
  if (spec.maxDeliver <= 0) return 0;
  const byAckWait = spec.ackWaitMs * spec.maxDeliver;
  let byBackoff = 0;
  for (let delivery = 1; delivery <= spec.maxDeliver && spec.backoffMs.length > 0; delivery++) {
    byBackoff += spec.backoffMs[Math.min(delivery - 1, spec.backoffMs.length - 1)];
  }
  return Math.max(byAckWait, byBackoff);
}

export function checkConsumerSpec(spec: ConsumerSpec, streamDuplicateWindowMs: number): void {
  const resource = `${spec.stream}/${spec.durable}`;
  if (spec.maxDeliver === 0 || spec.maxDeliver < -1) {
    throw new BusProvisioningError(
      resource,
      'max_deliver',
      'a positive number, or -1 for timers',
      spec.maxDeliver,
      'fix the consumer spec',
    );
  }
  if (spec.maxDeliver > 0 && spec.backoffMs.length >= spec.maxDeliver) {
    // The server refuses this; say so before it does, in our terms.
    throw new BusProvisioningError(
      resource,
      'backoff',
      `fewer than max_deliver (${spec.maxDeliver}) entries`,
      spec.backoffMs.length,
      'shorten the backoff list or raise maxDeliver',
    );
  }
  const span = redeliverySpanMs(spec);
  if (span > streamDuplicateWindowMs) {
    throw new BusProvisioningError(
      resource,
      'duplicate_window',
      `at least ${span} ms (ackWait x maxDeliver)`,
      streamDuplicateWindowMs,
      `raise the stream's duplicateWindowMs or lower ackWaitMs/maxDeliver, or a re-publish after a crash is stored twice`,
    );
  }
}
