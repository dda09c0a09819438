/**
 * Re-publishes outboxes nobody finished: a coordinator that died between writing a run's state
 * and clearing its pending commands leaves them in KV; after `sweepAfterMs` any replica publishes
 * them again (JetStream drops what was already stored) and clears them.
 */
import type { KeyValueStore } from '@agentflow/bus';
import { describeError } from '@agentflow/contracts';
import { outboxMark, type RunStore } from './run-store';
import type { RunProcessor } from './run-processor';

export interface SweeperLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

export class OutboxSweeper {
  /** Runs with pending commands, and since when. Fed by a watch on the run records. */
  private readonly pending = new Map<string, number>();
  private stopWatch?: () => void;
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;

  constructor(
    private readonly kv: KeyValueStore,
    private readonly store: RunStore,
    private readonly processor: RunProcessor,
    private readonly options: {
      sweepAfterMs: number;
      sweepIntervalMs: number;
      now?: () => number;
      log?: SweeperLog;
    },
  ) {}

  async start(): Promise<void> {
    this.stopWatch = await this.kv.watch(
      (entry) => {
        const runId = entry.key.slice('run.'.length);
        if (entry.operation !== 'PUT') {
          this.pending.delete(runId);
          return;
        }
        try {
          // Every write of every run passes here: read only the outbox fields, not the whole run.
          const mark = outboxMark(entry.value);
          if (mark.pending) this.pending.set(runId, mark.since);
          else this.pending.delete(runId);
        } catch (error) {
          this.options.log?.warn(
            { runId, err: describeError(error) },
            'unreadable run record skipped by the sweeper',
          );
        }
      },
      { key: 'run.>', includeHistory: true },
    );
    this.timer = setInterval(() => {
      this.sweeping ??= this.sweep()
        .then(() => undefined)
        .finally(() => {
          this.sweeping = undefined;
        });
    }, this.options.sweepIntervalMs);
    this.timer.unref();
  }

  /** Publishes every outbox older than `sweepAfterMs`; returns how many runs it flushed. */
  async sweep(): Promise<number> {
    const now = (this.options.now ?? Date.now)();
    let flushed = 0;
    for (const [runId, since] of [...this.pending]) {
      if (now - since < this.options.sweepAfterMs) continue;
      try {
        const loaded = await this.store.load(runId);
        if (!loaded || loaded.record.pending.length === 0) {
          this.pending.delete(runId);
          continue;
        }
        await this.processor.flush(runId, loaded);
        flushed++;
      } catch (error) {
        this.options.log?.warn(
          { runId, err: describeError(error) },
          'sweeping a pending outbox failed; it is tried again',
        );
      }
    }
    return flushed;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.stopWatch?.();
    await this.sweeping;
  }
}
