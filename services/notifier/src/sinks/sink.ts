/**
 * An output channel. Each sink lives in its own folder and is listed in `sinks/index.ts`; adding a
 * channel is adding a folder. The dispatcher gives every sink the same event, in parallel, and
 * keeps one ledger row per (sink, target, run, kind).
 */
import type { NotifierEvent } from '../events';

export interface SinkResult {
  /** `skipped` when the sink had nothing to do (outputs off, shadow rollout, a stale head). */
  state: 'delivered' | 'skipped';
  detail: string;
  /** What was written where (comment ids, message timestamps), kept in the ledger. */
  data?: Record<string, unknown>;
}

export interface Sink {
  readonly name: string;
  /** Where this event would go on this sink (`github:acme/app#7`), or null when the sink does not take it. */
  target(event: NotifierEvent): string | null;
  /**
   * Progress events reach this too; they bypass the ledger (they are the latest state, not a
   * once-per-run delivery) and are dropped once the run's result is written.
   */
  deliver(event: NotifierEvent): Promise<SinkResult>;
}
