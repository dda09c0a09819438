/**
 * The coordinator: turns bus messages into run events, applies them through the crash-safe
 * {@link RunProcessor}, and keeps the cross-run memory (concurrency groups, previous reviews,
 * dismissals, CI waits). Any number of replicas may run; compare-and-set orders their writes.
 */
import type { ConsumerHandle, InboundMessage, MessageBus, Messenger } from '@agentflow/bus';
import { describeError, InvalidMessageError, type Topology } from '@agentflow/contracts';
import {
  eventFromAgentMessage,
  RunActor,
  timerIsLive,
  TRANSIENT_ERROR_CODES,
  type RunEvent,
  type RunState,
  type TimerKind,
} from '@agentflow/run-actor';
import { createLogger, metrics, type Logger } from '@agentflow/telemetry';
import type { CoordinatorConfig } from './config';
import { coordinatorConsumers, type CoordinatorConsumers } from './consumers';
import { CrossRunIndex } from './cross-run';
import { DeferredSlots } from './deferred-slots';
import { OutboxPublisher } from './outbox';
import { RunProcessor, type ProcessOutcome } from './run-processor';
import { RunStore } from './run-store';
import { RunRetention } from './retention';
import { OutboxSweeper } from './sweeper';
import { TIMER_KINDS, timerDecision } from './timers';

const RUN_ID = /^[A-Za-z0-9_-]{1,128}$/;

function requireRunId(runId: string, where: string): string {
  if (!RUN_ID.test(runId))
    throw new InvalidMessageError(`${where}: run id "${runId}" must be 1-128 of A-Z a-z 0-9 _ -`);
  return runId;
}

export interface CoordinatorDeps {
  bus: MessageBus;
  messenger: Messenger;
  topology: Topology;
  config: CoordinatorConfig;
  logger?: Logger;
  now?: () => number;
}

export class Coordinator {
  readonly consumers: CoordinatorConsumers;
  private readonly log: Logger;
  private readonly now: () => number;
  private handles: ConsumerHandle[] = [];
  private sweeper?: OutboxSweeper;
  private retention?: RunRetention;
  private processor?: RunProcessor;
  private crossRun?: CrossRunIndex;
  private slots?: DeferredSlots;
  private store?: RunStore;

  constructor(private readonly deps: CoordinatorDeps) {
    this.consumers = coordinatorConsumers(deps.topology, deps.config.ackWaitMs);
    this.log = deps.logger ?? createLogger('coordinator');
    this.now = deps.now ?? Date.now;
  }

  /** Creates the consumers and starts pulling; starts the sweeper. */
  async start(): Promise<void> {
    const { bus, messenger, topology, config } = this.deps;
    const kv = await bus.kv(topology.buckets.runs, { history: 5 });
    const store = new RunStore(kv);
    this.store = store;
    this.crossRun = new CrossRunIndex(kv);
    this.slots = new DeferredSlots(kv, config.deferredConcurrency, 5 * 60_000);
    const actor = new RunActor({ minDeferMs: config.minDeferMs, retryBackoff: config.retryBackoff });
    const outbox = new OutboxPublisher(bus, messenger, topology, this.crossRun);
    this.processor = new RunProcessor(store, actor, outbox, config.crash, this.now);
    outbox.supersede = async (target, cancel) => {
      await this.apply(requireRunId(target, 'run.cancel'), {
        type: 'cancelRequested',
        at: this.now(),
        reason: cancel.reason,
        ...(cancel.supersededBy ? { supersededBy: cancel.supersededBy } : {}),
      });
    };
    this.sweeper = new OutboxSweeper(kv, store, this.processor, {
      sweepAfterMs: config.sweepAfterMs,
      sweepIntervalMs: config.sweepIntervalMs,
      now: this.now,
      log: this.log,
    });
    this.retention = new RunRetention(kv, store, {
      keepEndedMs: config.keepEndedRunsMs,
      intervalMs: config.retentionIntervalMs,
      now: this.now,
      log: this.log,
    });

    for (const spec of Object.values(this.consumers)) await bus.ensureConsumer(spec);
    const c = this.consumers;
    const options = { concurrency: config.concurrency };
    this.handles = [
      await bus.consume(c.requests, (m) => this.onRunRequested(m), options),
      await bus.consume(c.results, (m) => this.onResult(m), options),
      await bus.consume(c.cancels, (m) => this.onCancel(m), options),
      await bus.consume(c.timers, (m) => this.onTimer(m), { ...options, manualSettle: true }),
      await bus.consume(c.ci, (m) => this.onCi(m), options),
      await bus.consume(c.dismissals, (m) => this.onDismissal(m), options),
    ];
    await this.sweeper.start();
    this.retention.start();
  }

  /** Stops pulling and lets in-flight handlers finish; pending outboxes stay for the next replica. */
  async stop(timeoutMs = 10_000): Promise<void> {
    await Promise.all(this.handles.map((h) => h.stop(timeoutMs)));
    this.handles = [];
    await this.sweeper?.stop();
    await this.retention?.stop();
  }

  /** Re-publishes outboxes older than the sweep threshold now (also runs on its own timer). */
  sweep(): Promise<number> {
    return this.sweeper?.sweep() ?? Promise.resolve(0);
  }

  private async apply(runId: string, event: RunEvent, requestSeq?: number): Promise<ProcessOutcome> {
    const outcome = await this.processor!.process(runId, event, { requestSeq });
    if (!outcome.applied) {
      this.log.debug({ runId, event: event.type, reason: outcome.reason }, 'event ignored');
      return outcome;
    }
    const state = outcome.record.state;
    this.logRetries(state, event.at);
    if (state.status !== 'running' && state.finishedAt === event.at) {
      metrics.runDuration.observe(
        { workflow: state.request.plan.id, outcome: state.outcome?.code ?? state.status },
        (state.finishedAt - state.startedAt) / 1000,
      );
      metrics.runCost.observe({ workflow: state.request.plan.id }, state.usage.costUsd);
      this.log.info(
        {
          runId,
          workflow: state.request.plan.id,
          status: state.status,
          code: state.outcome?.code,
          costUsd: state.usage.costUsd,
        },
        'run ended',
      );
    }
    return outcome;
  }

  /** One warn line per transient step failure this event handled: retried after a backoff, or given up. */
  private logRetries(state: RunState, at: number): void {
    for (const step of Object.values(state.steps)) {
      const plan = state.request.plan.steps.find((p) => p.id === step.id);
      if (step.backoff?.since === at) {
        this.log.warn(
          {
            runId: state.runId,
            stepId: step.id,
            attempt: step.attempt,
            retry: step.retriesUsed,
            retries: plan?.retries,
            reason: step.backoff.reason,
            retryAt: new Date(step.backoff.dueAt).toISOString(),
          },
          `step attempt failed transiently: retry ${step.retriesUsed}/${plan?.retries ?? '?'} in ${step.backoff.dueAt - at} ms`,
        );
      } else if (
        step.finishedAt === at &&
        (step.state === 'failed' || step.state === 'timed_out') &&
        TRANSIENT_ERROR_CODES.includes(step.errorCode ?? '')
      ) {
        this.log.warn(
          {
            runId: state.runId,
            stepId: step.id,
            attempts: step.attempt,
            errorCode: step.errorCode,
            error: step.errorMessage,
          },
          `step ${step.state === 'timed_out' ? 'timed out' : 'failed'} with ${step.errorCode} and its ${step.retriesUsed} retr${step.retriesUsed === 1 ? 'y is' : 'ies are'} used up: the step ends ${step.state}, the run reports it`,
        );
      }
    }
  }

  private async onRunRequested(msg: InboundMessage): Promise<void> {
    const env = await this.deps.messenger.read(msg, 'run.requested');
    const request = env.body;
    const runId = requireRunId(request.runId, 'run.requested');
    const seq = msg.info.streamSequence;
    const [placement, prior, cancelled] = await Promise.all([
      this.crossRun!.place(request, seq),
      this.crossRun!.prior(request),
      this.crossRun!.earlyCancel(runId),
    ]);
    await this.apply(
      runId,
      {
        type: 'runRequested',
        at: this.now(),
        request,
        prior,
        ...(placement.supersedes.length > 0 ? { supersedes: placement.supersedes } : {}),
        ...(placement.supersededBy ? { supersededBy: placement.supersededBy } : {}),
        ...(cancelled ? { cancelledBefore: cancelled.reason } : {}),
      },
      seq,
    );
    if (!cancelled) {
      // A cancel handled between the read above and the run's creation found no run: it left its
      // record, so look once more (onCancel looks again after writing it; one of the two sees the other).
      const late = await this.crossRun!.earlyCancel(runId);
      if (late) await this.apply(runId, { type: 'cancelRequested', at: this.now(), reason: late.reason });
    }
    this.deps.config.crash('before-ack');
  }

  private async onResult(msg: InboundMessage): Promise<void> {
    const env = await this.deps.messenger.read(msg, ['task.result', 'task.started']);
    const runId = requireRunId(env.body.runId, env.type);
    const event =
      env.type === 'task.started'
        ? eventFromAgentMessage({ kind: 'started', body: env.body as never }, this.now())
        : eventFromAgentMessage({ kind: 'result', body: env.body as never }, this.now());
    const outcome = await this.apply(runId, event);
    if (
      event.type !== 'stepStarted' &&
      outcome.applied &&
      (outcome.record.state.steps[event.stepId]?.deferrals ?? 0) > 0
    ) {
      await this.slots!.release(`${runId}:${event.stepId}`);
    }
    this.deps.config.crash('before-ack');
  }

  private async onCancel(msg: InboundMessage): Promise<void> {
    const env = await this.deps.messenger.read(msg, 'run.cancel');
    const runId = requireRunId(env.body.runId, 'run.cancel');
    const cancel = (): Promise<ProcessOutcome> =>
      this.apply(runId, {
        type: 'cancelRequested',
        at: this.now(),
        reason: env.body.reason,
        ...(env.body.supersededBy ? { supersededBy: env.body.supersededBy } : {}),
      });
    const outcome = await cancel();
    if (!outcome.applied && !env.body.supersededBy && !(await this.store!.load(runId))) {
      // The request has not been handled yet (a backlog after an outage, a PR closed meanwhile):
      // remember the cancel so the request ends the run at once, then try again in case it was
      // handled in between.
      await this.crossRun!.cancelEarly(runId, env.body.reason, this.now());
      await cancel();
    }
    this.deps.config.crash('before-ack');
  }

  /**
   * Timers are nak'ed with the time remaining (at most 30 s at a time) until due; then the run's
   * state decides whether the timer still matters. Nothing waits in memory.
   */
  private async onTimer(msg: InboundMessage): Promise<void> {
    const env = await this.deps.messenger.read(msg, 'timer.due');
    const timer = env.body;
    const runId = requireRunId(timer.runId, 'timer.due');
    if (!(TIMER_KINDS as readonly string[]).includes(timer.kind))
      throw new InvalidMessageError(`timer kind "${timer.kind}" is not one of ${TIMER_KINDS.join(', ')}`);
    const now = this.now();
    const decision = timerDecision(timer, now, this.deps.config.maxTimerNakMs);
    if (!decision.due) {
      // A timer the run no longer expects (the run ended, the step moved on) is dropped now rather
      // than redelivered every 30 s until its due time. Every step's timeout timer arrives here
      // right after the event that set it, when the record this replica kept knows it: keeping a
      // timer needs no read of the bucket; dropping one is decided on the stored record.
      const kept = this.store!.cached(runId);
      if (kept && timerIsLive(kept.record.state, timer)) {
        msg.nak(decision.nakMs);
        return;
      }
      const loaded = await this.store!.load(runId);
      if (loaded && !timerIsLive(loaded.record.state, timer)) return;
      msg.nak(decision.nakMs);
      return;
    }
    const kind = timer.kind as TimerKind;
    if (kind === 'retry-deferred' && !(await this.slots!.acquire(`${runId}:${timer.stepId}`, now))) {
      // Every slot is taken by other runs coming back from the outage: look again shortly.
      msg.nak(1000 + Math.floor(Math.random() * 2000));
      return;
    }
    const event = decision.event;
    const outcome = await this.apply(runId, event);
    if (kind === 'retry-deferred' && !outcome.applied) await this.slots!.release(`${runId}:${timer.stepId}`);
    this.deps.config.crash('before-ack');
    await msg.ack();
  }

  /** A CI result wakes every step waiting for its commit; it is remembered for waits registered later. */
  private async onCi(msg: InboundMessage): Promise<void> {
    const env = await this.deps.messenger.read(msg, 'ci.event');
    const ci = env.body;
    if (ci.conclusion === 'pending') return;
    const waiters = await this.crossRun!.ciFinished(ci);
    for (const waiter of waiters) {
      try {
        await this.apply(waiter.runId, { type: 'outsideEvent', at: this.now(), ci });
      } catch (error) {
        this.log.warn(
          { runId: waiter.runId, err: describeError(error) },
          'delivering a CI result failed; the message is retried',
        );
        throw error;
      }
    }
    this.deps.config.crash('before-ack');
  }

  private async onDismissal(msg: InboundMessage): Promise<void> {
    const env = await this.deps.messenger.read(msg, 'finding.dismissed');
    const d = env.body;
    await this.crossRun!.dismiss(d.platform, d.repo, d.pr, d.fingerprint);
    this.deps.config.crash('before-ack');
  }
}
