/**
 * Keeps the coordinator's `runs` bucket to what live runs need. Without it the bucket holds every
 * run ever made (with five revisions each), and every coordinator start-up replays all of them in
 * the outbox sweeper's watch. An ended run's record is purged `keepEndedMs` after it ended (its
 * report is in PostgreSQL, its events in the HISTORY stream; a late result for it was ignored
 * anyway). An early-cancel mark (a cancel that came before its run request) is purged after the
 * same time: a request that late is not coming. Every replica may sweep; a purge is idempotent.
 */
import type { KeyValueStore } from '@agentflow/bus';
import { describeError } from '@agentflow/contracts';
import { CrossRunIndex, type EarlyCancelRecord } from './cross-run';
import { decodeRecord, type RunRecord, type RunStore } from './run-store';

export interface RetentionLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface RetentionOptions {
  keepEndedMs: number;
  /** 0: never sweeps on its own ({@link sweepOnce} still works). */
  intervalMs: number;
  now?: () => number;
  log?: RetentionLog;
}

const decoder = new TextDecoder();

export class RunRetention {
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<unknown>;

  constructor(
    private readonly kv: KeyValueStore,
    private readonly store: RunStore,
    private readonly options: RetentionOptions,
  ) {}

  start(): void {
    if (this.options.intervalMs <= 0) return;
    this.timer = setInterval(() => {
      this.sweeping ??= this.sweepOnce()
        .catch((error: unknown) =>
          this.options.log?.warn(
            { err: describeError(error) },
            'retention sweep failed; trying again next interval',
          ),
        )
        .finally(() => (this.sweeping = undefined));
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** Purges what is past retention; returns how many run records and early-cancel marks went. */
  async sweepOnce(): Promise<{ runs: number; cancels: number }> {
    const cutoff = (this.options.now ?? Date.now)() - this.options.keepEndedMs;
    let runs = 0;
    for (const key of await this.kv.keys('run.>')) {
      const runId = key.slice('run.'.length);
      // Read past the store: its kept records serve live runs, and an hourly walk over every ended
      // run would push them out.
      const entry = await this.kv.get(key);
      if (!entry) continue;
      let record: RunRecord;
      try {
        record = decodeRecord(entry.value);
      } catch (error) {
        this.options.log?.warn(
          { runId, err: describeError(error) },
          'unreadable run record left in place by retention',
        );
        continue;
      }
      const { state, pending } = record;
      // An outbox not yet published belongs to the outbox sweeper first, whatever the age.
      if (
        state.status === 'running' ||
        pending.length > 0 ||
        state.finishedAt === undefined ||
        state.finishedAt > cutoff
      )
        continue;
      await this.store.purge(runId);
      runs += 1;
    }
    let cancels = 0;
    for (const key of await this.kv.keys(CrossRunIndex.earlyCancelKey('>'))) {
      const entry = await this.kv.get(key);
      if (!entry) continue;
      let at: number;
      try {
        at = (JSON.parse(decoder.decode(entry.value)) as EarlyCancelRecord).at;
      } catch {
        at = 0; // unreadable: nothing can use it
      }
      if (at > cutoff) continue;
      await this.kv.purge(key);
      cancels += 1;
    }
    if (runs + cancels > 0)
      this.options.log?.info({ runs, cancels }, 'purged ended runs and stale early cancels');
    return { runs, cancels };
  }
}
