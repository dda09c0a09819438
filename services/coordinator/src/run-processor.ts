/**
 * Applies one event to one run, crash-safe by construction:
 *   1. load the run's record (state + pending commands) and its revision;
 *      if commands are still pending, publish them and clear them first;
 *   2. apply the event with the pure actor; write the new state with its commands (and the
 *      history entry) by compare-and-set; a conflict means another replica moved first: reload;
 *   3. publish the commands with their deterministic msg ids;
 *   4. clear them by a second compare-and-set. The caller then acks the message.
 * A crash anywhere leaves either the old record (the message is redelivered) or the new one with
 * its outbox (the next event or the sweeper publishes it again; JetStream drops the duplicates).
 */
import { RevisionConflictError } from '@agentflow/bus';
import type { RunActor, RunEvent } from '@agentflow/run-actor';
import type { CrashHook } from './crash-points';
import { ContentionError } from './kv-cas';
import type { OutboxPublisher } from './outbox';
import type { LoadedRecord, RunRecord, RunStore } from './run-store';
import { RunTurns } from './run-turns';

export type ProcessOutcome = { applied: true; record: RunRecord } | { applied: false; reason: string };

export interface ProcessOptions {
  /** Stream sequence of the run's request (only for `runRequested`). */
  requestSeq?: number;
}

const MAX_ATTEMPTS = 64;

export class RunProcessor {
  private readonly turns = new RunTurns();

  constructor(
    private readonly store: RunStore,
    private readonly actor: RunActor,
    private readonly outbox: OutboxPublisher,
    private readonly crash: CrashHook,
    private readonly now: () => number = Date.now,
  ) {}

  /** Applies the event; events of one run take turns in this replica (see {@link RunTurns}). */
  process(runId: string, event: RunEvent, options: ProcessOptions = {}): Promise<ProcessOutcome> {
    return this.turns.take(runId, () => this.processNow(runId, event, options));
  }

  private async processNow(runId: string, event: RunEvent, options: ProcessOptions): Promise<ProcessOutcome> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      // The first try uses the record as this replica last wrote it (no read, no decode): the
      // compare-and-set below fails if anyone wrote since. A kept record with an outbox, or one
      // that makes the event look ignorable, is not trusted: those decisions need the stored one.
      const kept = attempt === 1 ? this.store.cached(runId) : undefined;
      const fromCache = kept !== undefined && kept.record.pending.length === 0;
      const loaded = fromCache ? kept : await this.store.load(runId);
      if (loaded && loaded.record.pending.length > 0) {
        await this.flush(runId, loaded);
        continue;
      }
      const transition = this.actor.apply(loaded?.record.state, event);
      if (transition.ignored || !transition.state) {
        if (fromCache) continue;
        return { applied: false, reason: transition.ignored ?? 'no state' };
      }
      const state = transition.state;
      const record: RunRecord = {
        state,
        pending: [
          {
            type: 'appendHistory',
            msgId: `${runId}:event:${state.eventCount}`,
            index: state.eventCount,
            event,
          },
          ...transition.commands,
        ],
        pendingSince: this.now(),
        historySeq: loaded?.record.historySeq ?? 0,
        requestSeq: loaded?.record.requestSeq ?? options.requestSeq ?? 0,
      };
      let revision: number;
      try {
        revision = loaded
          ? await this.store.update(runId, record, loaded.revision)
          : await this.store.create(runId, record);
      } catch (error) {
        if (error instanceof RevisionConflictError) continue;
        throw error;
      }
      this.crash('after-cas');
      await this.flush(runId, { record, revision });
      return { applied: true, record };
    }
    throw new ContentionError(`run ${runId}`, MAX_ATTEMPTS);
  }

  /** Publishes a record's pending commands and clears them; a lost clear means someone else cleared or moved on. */
  async flush(runId: string, loaded: LoadedRecord): Promise<void> {
    const historySeq = await this.outbox.publish(loaded.record);
    this.crash('after-publish');
    const clean: RunRecord = { ...loaded.record, pending: [], historySeq };
    delete clean.pendingSince;
    try {
      await this.store.update(runId, clean, loaded.revision);
    } catch (error) {
      if (!(error instanceof RevisionConflictError)) throw error;
    }
  }
}
