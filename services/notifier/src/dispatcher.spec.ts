/**
 * How many deliveries a sink gets before it is reported failed: a rate limit (the platform asked to
 * wait) is not a failed attempt, so a limit outlasting NOTIFIER_MAX_ATTEMPTS redeliveries delays
 * the review comment instead of dropping it.
 */
import { redeliverySpanMs } from '@agentflow/bus';
import { topology, TransientError, type RunReport } from '@agentflow/contracts';
import { notifierConsumers } from './consumers';
import { PgliteDatabase, runMigrations } from '@agentflow/store';
import { MAX_DEFERRED_DELIVERIES, NotificationDispatcher } from './dispatcher';
import type { NotifierEvent } from './events';
import { DeliveryLedger } from './ledger/delivery-ledger';
import type { Sink } from './sinks/sink';

const MAX_ATTEMPTS = 5;
/** The consumers' `max_deliver` at 5 attempts on the shipped topology (see the last test). */
const MAX_DELIVER = MAX_ATTEMPTS + MAX_DEFERRED_DELIVERIES;

/** A GitHub-like sink that answers each delivery with the next of `answers` (an error to throw, or success). */
function scriptedSink(answers: Array<Error | 'ok'>): Sink & { calls: number } {
  const sink = {
    name: 'github',
    calls: 0,
    target: () => 'github:acme/app#7',
    deliver: async () => {
      const answer = answers[Math.min(sink.calls, answers.length - 1)];
      sink.calls += 1;
      if (answer !== 'ok') throw answer;
      return { state: 'delivered' as const, detail: 'comment posted' };
    },
  };
  return sink;
}

const rateLimited = () =>
  new TransientError('GitHub create comment failed (HTTP 403): You have exceeded a secondary rate limit', {
    retryAfterMs: 60_000,
  });
const serverError = () => new TransientError('GitHub create comment failed (HTTP 502): Bad Gateway');

describe('NotificationDispatcher: attempts and rate limits', () => {
  let db: PgliteDatabase;
  let run = 0;
  const warnings: string[] = [];
  const errors: string[] = [];
  const event = (): NotifierEvent => ({ kind: 'completed', report: { runId: `run-${++run}` } as RunReport });

  /** Delivers `e` the way the bus does: again after each retryable throw, counting deliveries. */
  async function deliverUntilSettled(dispatcher: NotificationDispatcher, e: NotifierEvent) {
    for (let count = 1; ; count++) {
      try {
        return { outcomes: await dispatcher.dispatch(e, count, MAX_DELIVER), deliveries: count };
      } catch (error) {
        if (!(error instanceof TransientError)) throw error;
      }
    }
  }

  const dispatcherFor = (sink: Sink, failures: string[] = []) =>
    new NotificationDispatcher(
      [sink],
      new DeliveryLedger(db),
      { log: () => undefined, warn: (m) => warnings.push(m), error: (m) => errors.push(m) },
      MAX_ATTEMPTS,
      async (failed) => void failures.push(failed.detail),
    );

  beforeAll(async () => {
    db = await PgliteDatabase.open();
    await runMigrations(db);
  }, 120_000);
  afterAll(async () => {
    await db.close();
  });
  beforeEach(() => {
    warnings.length = 0;
    errors.length = 0;
  });

  it('delivers after a rate limit that outlasts the attempts, without reporting a failure', async () => {
    const sink = scriptedSink([...Array.from({ length: MAX_ATTEMPTS + 3 }, rateLimited), 'ok']);
    const failures: string[] = [];
    const { outcomes, deliveries } = await deliverUntilSettled(dispatcherFor(sink, failures), event());
    expect(outcomes).toEqual([
      { sink: 'github', target: 'github:acme/app#7', state: 'delivered', detail: 'comment posted' },
    ]);
    expect(deliveries).toBe(MAX_ATTEMPTS + 4);
    expect(failures).toEqual([]);
    expect(warnings.filter((w) => /asked to wait 60 s/.test(w))).toHaveLength(MAX_ATTEMPTS + 3);
  });

  it('still gives up after the attempts when the calls fail, rate limits in between not counted', async () => {
    const sink = scriptedSink([
      rateLimited(),
      serverError(),
      rateLimited(),
      serverError(),
      serverError(),
      serverError(),
      serverError(),
      'ok',
    ]);
    const failures: string[] = [];
    const { outcomes, deliveries } = await deliverUntilSettled(dispatcherFor(sink, failures), event());
    expect(outcomes[0].state).toBe('failed');
    // Two deliveries were waits, five were failures.
    expect(deliveries).toBe(MAX_ATTEMPTS + 2);
    expect(failures).toEqual([expect.stringContaining('HTTP 502')]);
    expect(errors).toEqual([expect.stringContaining('github -> github:acme/app#7 failed')]);
  });

  it('stops waiting after the deferrals the consumers allow', async () => {
    const sink = scriptedSink([rateLimited()]);
    const failures: string[] = [];
    const { outcomes, deliveries } = await deliverUntilSettled(dispatcherFor(sink, failures), event());
    expect(outcomes[0].state).toBe('failed');
    expect(deliveries).toBe(MAX_DELIVER);
    expect(failures).toHaveLength(1);
  });

  it("gives the consumers room for the waits within the streams' dedupe window", () => {
    const topo = topology('t_dispatch');
    for (const spec of Object.values(notifierConsumers(topo, MAX_ATTEMPTS))) {
      if (spec.maxDeliver === -1) continue;
      expect(spec.maxDeliver).toBe(MAX_DELIVER);
      expect(redeliverySpanMs(spec)).toBeLessThanOrEqual(topo.streams.runs.duplicateWindowMs);
    }
  });
});
