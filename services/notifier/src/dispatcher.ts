/**
 * Gives one event to every sink in parallel. Per sink: claim in the ledger, call, record the result.
 * One sink failing never blocks the others: the ones that succeeded are recorded and skipped when
 * the bus redelivers, so only the failing sink is tried again. After `maxAttempts` deliveries a
 * still-failing sink is recorded as failed and reported (log, and Slack when Slack is not the one
 * failing), and the message is settled. A delivery that ended because the platform asked to wait
 * (a rate limit's Retry-After) is a deferral, not a failed attempt, as long as the consumer's
 * `max_deliver` leaves deliveries for it.
 */
import { describeError, isRetryable, TransientError } from '@agentflow/contracts';
import { ledgerKindOf, runIdOf, type NotifierEvent } from './events';
import type { DeliveryLedger } from './ledger/delivery-ledger';
import type { Sink } from './sinks/sink';

export interface DispatchLog {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/**
 * Most deliveries a message may spend waiting out the platforms' rate limits on top of its
 * attempts: at GitHub's untimed wait of a minute, twenty minutes of limiting; a limit with a reset
 * time waits it out in one redelivery. The consumers' `max_deliver` is `maxAttempts` plus as many
 * of these as the stream's dedupe window covers (see `notifierConsumers`).
 */
export const MAX_DEFERRED_DELIVERIES = 20;

/** The sink asked to wait (a rate limit or a write another delivery is finishing), not failed. */
function askedToWait(error: unknown): error is TransientError {
  return error instanceof TransientError && error.retryAfterMs !== undefined;
}

export interface SinkOutcome {
  sink: string;
  target: string;
  state: 'delivered' | 'skipped' | 'already' | 'failed' | 'retrying';
  detail: string;
}

/** Reports a delivery that failed for good (the Slack alert channel, in production). */
export type FailureReporter = (failed: SinkOutcome, event: NotifierEvent) => Promise<void>;

export class NotificationDispatcher {
  constructor(
    private readonly sinks: Sink[],
    private readonly ledger: DeliveryLedger,
    private readonly log: DispatchLog,
    private readonly maxAttempts: number,
    private readonly reportFailure?: FailureReporter,
  ) {}

  /**
   * Delivers `event`; `deliveryCount` is the bus's count for this message and `maxDeliveries` its
   * consumer's `max_deliver` (the attempts plus the deliveries it allows for waits). Throws a retryable error
   * (with the longest Retry-After asked for) when a sink failed and may succeed on redelivery.
   */
  async dispatch(
    event: NotifierEvent,
    deliveryCount: number,
    maxDeliveries = this.maxAttempts,
  ): Promise<SinkOutcome[]> {
    const outcomes = await Promise.all(
      this.sinks.map((sink) => this.deliverTo(sink, event, deliveryCount, maxDeliveries)),
    );
    const retrying = outcomes.filter((o): o is SinkOutcome & { error: unknown } => o.state === 'retrying');
    for (const failed of outcomes.filter((o) => o.state === 'failed')) {
      this.log.error(
        `notifier: ${failed.sink} -> ${failed.target} failed for run ${runIdOf(event)}: ${failed.detail}`,
      );
      if (this.reportFailure && failed.sink !== 'slack')
        await this.reportFailure(failed, event).catch((e: unknown) =>
          this.log.warn(`could not report the failure: ${describeError(e)}`),
        );
    }
    if (retrying.length) {
      const waits = retrying.map((r) =>
        r.error instanceof TransientError ? (r.error.retryAfterMs ?? 0) : 0,
      );
      throw new TransientError(`${retrying.map((r) => `${r.sink}: ${r.detail}`).join('; ')}`, {
        retryAfterMs: Math.max(0, ...waits) || undefined,
      });
    }
    return outcomes.map(({ sink, target, state, detail }) => ({ sink, target, state, detail }));
  }

  private async deliverTo(
    sink: Sink,
    event: NotifierEvent,
    deliveryCount: number,
    maxDeliveries: number,
  ): Promise<SinkOutcome & { error?: unknown }> {
    const target = sink.target(event);
    if (!target) return { sink: sink.name, target: '-', state: 'skipped', detail: 'not for this sink' };
    // Progress is the latest state, not a once-per-run delivery: no ledger, and no retries worth a redelivery.
    if (event.kind === 'progress') {
      try {
        const result = await sink.deliver(event);
        return { sink: sink.name, target, state: result.state, detail: result.detail };
      } catch (error) {
        this.log.warn(`notifier: live status on ${sink.name} failed: ${describeError(error)}`);
        return { sink: sink.name, target, state: 'skipped', detail: describeError(error) };
      }
    }
    const key = { sink: sink.name, target, runId: runIdOf(event), kind: ledgerKindOf(event) };
    const claim = await this.ledger.claim(key);
    if (!claim.claimed)
      return { sink: sink.name, target, state: 'already', detail: `already ${claim.state}` };
    // The bus's count less the deliveries this sink spent waiting on the platform's say-so.
    const lastDelivery = deliveryCount >= maxDeliveries;
    const finalAttempt = deliveryCount - claim.deferrals >= this.maxAttempts || lastDelivery;
    try {
      const result = await sink.deliver(event);
      await this.ledger.settle(key, result.state, { detail: result.detail, ...(result.data ?? {}) });
      return { sink: sink.name, target, state: result.state, detail: result.detail };
    } catch (error) {
      const detail = describeError(error);
      if (askedToWait(error) && !lastDelivery) {
        await this.ledger.settle(key, 'failed', undefined, detail, true);
        this.log.warn(
          `notifier: ${sink.name} -> ${target} for run ${runIdOf(event)} was asked to wait ${Math.ceil((error.retryAfterMs ?? 0) / 1000)} s (${detail}); delivered again then, not counted as a failed attempt (delivery ${deliveryCount} of at most ${maxDeliveries})`,
        );
        return { sink: sink.name, target, state: 'retrying', detail, error };
      }
      if (isRetryable(error) && !finalAttempt) {
        await this.ledger.settle(key, 'failed', undefined, detail);
        return { sink: sink.name, target, state: 'retrying', detail, error };
      }
      // Stays `failed`: the bus settles the message now, and a replay by an operator may claim it again.
      await this.ledger.settle(key, 'failed', undefined, detail);
      return { sink: sink.name, target, state: 'failed', detail };
    }
  }
}
