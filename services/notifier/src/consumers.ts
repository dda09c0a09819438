/** The notifier's durable consumers: run results, failures, live progress, push-files commands, run alerts, budget alerts and dismissals. */
import { DEFAULT_CONSUMER, describeError, type ConsumerSpec, type Topology } from '@agentflow/contracts';
import type { ConsumerHandle, InboundMessage, MessageBus, Messenger } from '@agentflow/bus';
import type { GateReassessor } from './dismissals/gate-reassessor';
import type { NotificationDispatcher } from './dispatcher';
import type { NotifierEvent } from './events';

export function notifierConsumers(topology: Topology, maxAttempts: number): Record<'completed' | 'failed' | 'progress' | 'pushFiles' | 'alerts' | 'budgetAlerts' | 'dismissals', ConsumerSpec> {
  const p = topology.prefix;
  const base = { ...DEFAULT_CONSUMER, maxDeliver: maxAttempts, backoffMs: DEFAULT_CONSUMER.backoffMs.slice(0, Math.max(1, maxAttempts - 1)) };
  return {
    completed: { ...base, stream: topology.streams.runs.name, durable: 'notifier-completed', filterSubject: `${p}.runs.*.completed` },
    failed: { ...base, stream: topology.streams.runs.name, durable: 'notifier-failed', filterSubject: `${p}.runs.*.failed` },
    // Progress is best effort: one delivery, no redelivery storm for a status line.
    progress: { ...base, stream: topology.streams.runs.name, durable: 'notifier-progress', filterSubject: `${p}.runs.*.progress`, maxDeliver: 1, backoffMs: [] },
    pushFiles: { ...base, stream: topology.streams.notify.name, durable: 'notifier-push-files', filterSubject: topology.subjects.notify('push-files') },
    alerts: { ...base, stream: topology.streams.notify.name, durable: 'notifier-alerts', filterSubject: topology.subjects.notify('alert') },
    budgetAlerts: { ...base, stream: topology.streams.notify.name, durable: 'notifier-budget-alerts', filterSubject: topology.subjects.notify('budget-alert') },
    // Its own durable on the subject the coordinator also reads (`coordinator-dismissals`): each gets every dismissal.
    dismissals: { ...base, stream: topology.streams.runs.name, durable: 'notifier-dismissals', filterSubject: topology.subjects.findingDismissed },
  };
}

/** `reassessor` absent: dismissals are not consumed (they still reach later runs through the coordinator). */
export async function startNotifierConsumers(deps: { bus: MessageBus; messenger: Messenger; topology: Topology; dispatcher: NotificationDispatcher; maxAttempts: number; reassessor?: GateReassessor }): Promise<ConsumerHandle[]> {
  const specs = notifierConsumers(deps.topology, deps.maxAttempts);
  await deps.bus.ensureStream(deps.topology.streams.runs);
  await deps.bus.ensureStream(deps.topology.streams.notify);
  const handles: ConsumerHandle[] = [];
  const run = (read: (msg: InboundMessage) => Promise<NotifierEvent>) => async (msg: InboundMessage) => {
    const event = await read(msg);
    await deps.dispatcher.dispatch(event, msg.info.deliveryCount);
  };
  const retryDelayMs = (count: number, error: unknown) => {
    const hinted = (error as { retryAfterMs?: number }).retryAfterMs;
    return hinted !== undefined ? hinted : Math.min(60_000, 1000 * 2 ** (count - 1));
  };
  const consume = async (spec: ConsumerSpec, read: (msg: InboundMessage) => Promise<NotifierEvent>) => {
    await deps.bus.ensureConsumer(spec);
    handles.push(await deps.bus.consume(spec, run(read), { concurrency: 8, retryDelayMs }));
  };
  await consume(specs.completed, async (msg) => {
    const env = await deps.messenger.read(msg, 'run.completed');
    return { kind: 'completed', report: env.body.report };
  });
  await consume(specs.failed, async (msg) => {
    const env = await deps.messenger.read(msg, 'run.failed');
    return { kind: 'failed', failure: env.body, report: env.body.partial };
  });
  await consume(specs.progress, async (msg) => {
    const env = await deps.messenger.read(msg, 'run.progress');
    return { kind: 'progress', progress: env.body };
  });
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
    handles.push(await deps.bus.consume(specs.dismissals, async (msg) => {
      const env = await deps.messenger.read(msg, 'finding.dismissed');
      await reassessor.onDismissal(env.body, msg.info.deliveryCount);
    }, { concurrency: 4, retryDelayMs }));
  }
  return handles;
}

export async function stopConsumers(handles: ConsumerHandle[], log: { warn(m: string): void }): Promise<void> {
  for (const h of handles) await h.stop(10_000).catch((e: unknown) => log.warn(`stopping ${h.spec.durable} failed: ${describeError(e)}`));
}
