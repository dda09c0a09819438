/** The coordinator's durable consumers, derived from the topology. */
import { DEFAULT_CONSUMER, type ConsumerSpec, type Topology } from '@agentflow/contracts';

/**
 * Unacked timers the timers consumer may hold: every live run keeps a deadline and a timer per
 * running step, all pending (nak'ed) at once. 200 runs in flight with 5 parallel steps need ~1,200.
 */
export const TIMERS_MAX_ACK_PENDING = 20_000;

export interface CoordinatorConsumers {
  requests: ConsumerSpec;
  results: ConsumerSpec;
  cancels: ConsumerSpec;
  timers: ConsumerSpec;
  ci: ConsumerSpec;
  dismissals: ConsumerSpec;
}

/**
 * @param ackWaitMs How long a message delivered to a replica that died stays invisible before it
 *   is redelivered to another; the redelivery backoff scales with it. @default 30000
 */
export function coordinatorConsumers(
  t: Topology,
  ackWaitMs = DEFAULT_CONSUMER.ackWaitMs,
): CoordinatorConsumers {
  const p = t.prefix;
  const scale = ackWaitMs / DEFAULT_CONSUMER.ackWaitMs;
  const work = {
    ...DEFAULT_CONSUMER,
    ackWaitMs,
    backoffMs: DEFAULT_CONSUMER.backoffMs.map((ms) => Math.max(1, Math.round(ms * scale))),
  };
  return {
    requests: {
      ...work,
      stream: t.streams.runs.name,
      durable: 'coordinator-requests',
      filterSubject: t.subjects.runsRequested,
    },
    results: {
      ...work,
      stream: t.streams.results.name,
      durable: 'coordinator-results',
      filterSubject: `${p}.results.>`,
      maxAckPending: 4096,
    },
    cancels: {
      ...work,
      stream: t.streams.runs.name,
      durable: 'coordinator-cancels',
      filterSubject: t.subjects.runCancel('*'),
    },
    // No delivery limit: a timer is nak'ed until due, however long that is (see ADR 0004).
    timers: {
      stream: t.streams.timers.name,
      durable: 'coordinator-timers',
      filterSubject: `${p}.timers.>`,
      ackWaitMs,
      maxDeliver: -1,
      maxAckPending: TIMERS_MAX_ACK_PENDING,
      backoffMs: [],
    },
    ci: { ...work, stream: t.streams.ci.name, durable: 'coordinator-ci', filterSubject: `${p}.ci.>` },
    dismissals: {
      ...work,
      stream: t.streams.runs.name,
      durable: 'coordinator-dismissals',
      filterSubject: t.subjects.findingDismissed,
    },
  };
}
