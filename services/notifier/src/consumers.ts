/** The notifier's durable consumers: run results, failures, live progress, push-files commands, run alerts, budget alerts and dismissals. */
import { DEFAULT_CONSUMER, describeError, type ConsumerSpec, type Topology } from '@agentflow/contracts';
import {
  redeliverySpanMs,
  type ConsumerHandle,
  type InboundMessage,
  type MessageBus,
  type Messenger,
} from '@agentflow/bus';
import type { GateReassessor } from './dismissals/gate-reassessor';
import { DeliverySlots, SlotsClosedError } from './delivery-slots';
import { MAX_DEFERRED_DELIVERIES, type NotificationDispatcher } from './dispatcher';
import type { NotifierEvent } from './events';

export function notifierConsumers(
  topology: Topology,
  maxAttempts: number,
): Record<
  'completed' | 'failed' | 'progress' | 'pushFiles' | 'alerts' | 'budgetAlerts' | 'dismissals',
  ConsumerSpec
> {
  const p = topology.prefix;
  const attempts = {
    ...DEFAULT_CONSUMER,
    maxDeliver: maxAttempts,
    backoffMs: DEFAULT_CONSUMER.backoffMs.slice(0, Math.max(1, maxAttempts - 1)),
  };
  // Deliveries spent waiting out a platform's rate limit come on top of the attempts (see the
  // dispatcher), as many as the streams' dedupe window still covers: a re-publish after a crash must
  // be recognised for as long as the server may redeliver the first copy.
  const window = Math.min(topology.streams.runs.duplicateWindowMs, topology.streams.notify.duplicateWindowMs);
  const perDelivery = Math.max(attempts.ackWaitMs, attempts.backoffMs[attempts.backoffMs.length - 1]);
  const waits = Math.max(
    0,
    Math.min(MAX_DEFERRED_DELIVERIES, Math.floor((window - redeliverySpanMs(attempts)) / perDelivery)),
  );
  const base = { ...attempts, maxDeliver: maxAttempts + waits };
  return {
    completed: {
      ...base,
      stream: topology.streams.runs.name,
      durable: 'notifier-completed',
      filterSubject: `${p}.runs.*.completed`,
    },
    failed: {
      ...base,
      stream: topology.streams.runs.name,
      durable: 'notifier-failed',
      filterSubject: `${p}.runs.*.failed`,
    },
    // Progress is the latest state, not an alarm: with one delivery, every crash or stall of a
    // notifier dead-lettered harmless events (307 in the chaos test of issue 17) through the
    // max-deliveries advisory. No delivery limit (as timers, ADR 0004): the handler never fails on a
    // sink (see the dispatcher), and drops a progress event too old to be worth showing.
    progress: {
      ...base,
      stream: topology.streams.runs.name,
      durable: 'notifier-progress',
      filterSubject: `${p}.runs.*.progress`,
      maxDeliver: -1,
      backoffMs: [],
    },
    pushFiles: {
      ...base,
      stream: topology.streams.notify.name,
      durable: 'notifier-push-files',
      filterSubject: topology.subjects.notify('push-files'),
    },
    alerts: {
      ...base,
      stream: topology.streams.notify.name,
      durable: 'notifier-alerts',
      filterSubject: topology.subjects.notify('alert'),
    },
    budgetAlerts: {
      ...base,
      stream: topology.streams.notify.name,
      durable: 'notifier-budget-alerts',
      filterSubject: topology.subjects.notify('budget-alert'),
    },
    // Its own durable on the subject the coordinator also reads (`coordinator-dismissals`): each gets every dismissal.
    dismissals: {
      ...base,
      stream: topology.streams.runs.name,
      durable: 'notifier-dismissals',
      filterSubject: topology.subjects.findingDismissed,
    },
  };
}

/** A progress event older than this when it is (re)delivered is dropped: the check shows a newer state or the result by then. */
export const PROGRESS_MAX_AGE_MS = 10 * 60_000;

/** A delivery that waited longer than this for a slot is reported (at most once a minute): the pool is too small for the load. */
const SLOW_SLOT_WAIT_MS = 30_000;

export interface NotifierConsumerDeps {
  bus: MessageBus;
  messenger: Messenger;
  topology: Topology;
  dispatcher: NotificationDispatcher;
  maxAttempts: number;
  /** Absent: dismissals are not consumed (they still reach later runs through the coordinator). */
  reassessor?: GateReassessor;
  /**
   * The database's connections (`SqlDatabase.poolSize`): at most this many deliveries run at once
   * across all consumers (see DeliverySlots). Absent: no bound beyond each consumer's concurrency.
   */
  poolSize?: number;
  log?: { warn(m: string): void };
  /** Ack wait of `notifier-progress` (the others have a backoff list, which sets theirs). @default 30000 (DEFAULT_CONSUMER); crash tests shorten it */
  progressAckWaitMs?: number;
  /** @default PROGRESS_MAX_AGE_MS */
  progressMaxAgeMs?: number;
}

/**
 * Starts every consumer. Stopping any returned handle first closes the shared delivery slots, so the
 * deliveries still waiting for one go back to the bus at once; stop them together ({@link stopConsumers}).
 */
export async function startNotifierConsumers(deps: NotifierConsumerDeps): Promise<ConsumerHandle[]> {
  const specs = notifierConsumers(deps.topology, deps.maxAttempts);
  if (deps.progressAckWaitMs !== undefined)
    specs.progress = { ...specs.progress, ackWaitMs: deps.progressAckWaitMs };
  const slots = new DeliverySlots(
    deps.poolSize === undefined ? Number.POSITIVE_INFINITY : Math.max(1, deps.poolSize),
  );
  const progressMaxAgeMs = deps.progressMaxAgeMs ?? PROGRESS_MAX_AGE_MS;
  let slowReportedAt = 0;
  await deps.bus.ensureStream(deps.topology.streams.runs);
  await deps.bus.ensureStream(deps.topology.streams.notify);
  const handles: ConsumerHandle[] = [];
  /** Runs `deliver` in a slot; a message whose wait was cut short by a stop goes straight back to the bus. */
  const inSlot = async (msg: InboundMessage, deliver: () => Promise<unknown>): Promise<void> => {
    const queuedAt = Date.now();
    try {
      await slots.run(async () => {
        const waited = Date.now() - queuedAt;
        if (waited > SLOW_SLOT_WAIT_MS && Date.now() - slowReportedAt > 60_000) {
          slowReportedAt = Date.now();
          const { waiting } = slots.queue();
          deps.log?.warn(
            `notifier: a delivery waited ${Math.round(waited / 1000)} s for one of ${slots.size} delivery slots (${waiting} still waiting); it runs now, and the others run as slots free up. Raise DATABASE_POOL_SIZE (and the database's max_connections) or add notifier replicas if this persists`,
          );
        }
        await deliver();
      });
    } catch (error) {
      if (!(error instanceof SlotsClosedError)) throw error;
      msg.nak(0);
    }
  };
  const run =
    (spec: ConsumerSpec, read: (msg: InboundMessage) => Promise<NotifierEvent>) =>
    async (msg: InboundMessage) => {
      const event = await read(msg);
      await inSlot(msg, () => deps.dispatcher.dispatch(event, msg.info.deliveryCount, spec.maxDeliver));
    };
  const retryDelayMs = (count: number, error: unknown) => {
    const hinted = (error as { retryAfterMs?: number }).retryAfterMs;
    return hinted !== undefined ? hinted : Math.min(60_000, 1000 * 2 ** (count - 1));
  };
  const consume = async (spec: ConsumerSpec, read: (msg: InboundMessage) => Promise<NotifierEvent>) => {
    await deps.bus.ensureConsumer(spec);
    handles.push(await deps.bus.consume(spec, run(spec, read), { concurrency: 8, retryDelayMs }));
  };
  await consume(specs.completed, async (msg) => {
    const env = await deps.messenger.read(msg, 'run.completed');
    return { kind: 'completed', report: env.body.report };
  });
  await consume(specs.failed, async (msg) => {
    const env = await deps.messenger.read(msg, 'run.failed');
    return { kind: 'failed', failure: env.body, report: env.body.partial };
  });
  await deps.bus.ensureConsumer(specs.progress);
  handles.push(
    await deps.bus.consume(
      specs.progress,
      async (msg) => {
        // Judged before the body is read, so a body that cannot be read for ten minutes ends here too.
        const age = Date.now() - msg.info.timestampMs;
        if (age > progressMaxAgeMs) {
          deps.log?.warn(
            `notifier: a progress event (${msg.subject}, stream sequence ${msg.info.streamSequence}) is ${Math.round(age / 1000)} s old at delivery ${msg.info.deliveryCount}: a notifier stalled or died holding it; dropped, the run's next progress or its result shows the current state`,
          );
          return;
        }
        const env = await deps.messenger.read(msg, 'run.progress');
        await inSlot(msg, () =>
          deps.dispatcher.dispatch({ kind: 'progress', progress: env.body }, msg.info.deliveryCount),
        );
      },
      { concurrency: 8, retryDelayMs },
    ),
  );
  await consume(specs.pushFiles, async (msg) => {
    const env = await deps.messenger.read(msg, 'notify.push-files');
    return { kind: 'push-files', command: env.body };
  });
  await consume(specs.alerts, async (msg) => {
    const env = await deps.messenger.read(msg, 'notify.alert');
    return { kind: 'alert', alert: env.body };
  });
  await consume(specs.budgetAlerts, async (msg) => {
    const env = await deps.messenger.read(msg, 'notify.budget-alert');
    return { kind: 'budget-alert', alert: env.body };
  });
  const reassessor = deps.reassessor;
  if (reassessor) {
    await deps.bus.ensureConsumer(specs.dismissals);
    handles.push(
      await deps.bus.consume(
        specs.dismissals,
        async (msg) => {
          const env = await deps.messenger.read(msg, 'finding.dismissed');
          await inSlot(msg, () => reassessor.onDismissal(env.body, msg.info.deliveryCount));
        },
        { concurrency: 4, retryDelayMs },
      ),
    );
  }
  return handles.map((h) => ({
    spec: h.spec,
    get inFlight() {
      return h.inFlight;
    },
    stop: async (timeoutMs?: number) => {
      slots.close();
      await h.stop(timeoutMs);
    },
  }));
}

/** Stops every consumer at once: each stops pulling, hands back what waits for a slot, and lets what runs finish (10 s at most). */
export async function stopConsumers(
  handles: ConsumerHandle[],
  log: { warn(m: string): void },
): Promise<void> {
  await Promise.all(
    handles.map((h) =>
      h
        .stop(10_000)
        .catch((e: unknown) =>
          log.warn(
            `stopping ${h.spec.durable} failed: ${describeError(e)}; its unsettled messages are redelivered after the ack wait`,
          ),
        ),
    ),
  );
}
