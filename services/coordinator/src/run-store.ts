/**
 * The run's durable record in the `runs` KV bucket: the actor's state together with the commands
 * it still has to publish (the outbox). Both change in one compare-and-set.
 */
import type { KeyValueStore } from '@agentflow/bus';
import { upgradeState, type RunCommand, type RunEvent, type RunState } from '@agentflow/run-actor';

/** Appends the applied event to `af.history.<runId>`; part of the outbox so a crash cannot lose it. */
export interface AppendHistoryCommand {
  type: 'appendHistory';
  msgId: string;
  /** 1-based position of the event in the run's history. */
  index: number;
  event: RunEvent;
}

export type PendingCommand = RunCommand | AppendHistoryCommand;

export interface RunRecord {
  state: RunState;
  /** Commands written with the state and not yet known to be published. Empty when clean. */
  pending: PendingCommand[];
  /** Epoch ms the pending commands were written (the sweeper's clock). */
  pendingSince?: number;
  /** Stream sequence of the run's last history entry: the expected last subject sequence of the next. */
  historySeq: number;
  /** Stream sequence of the run's request, which orders runs of one PR (a late older run never overwrites a newer review). */
  requestSeq: number;
}

export interface LoadedRecord {
  record: RunRecord;
  revision: number;
}

const encoder = new TextEncoder();

export function runKey(runId: string): string {
  return `run.${runId}`;
}

export function decodeRecord(value: Uint8Array): RunRecord {
  const raw = JSON.parse(new TextDecoder().decode(value)) as RunRecord;
  return { ...raw, state: upgradeState(raw.state) };
}

export class RunStore {
  constructor(private readonly kv: KeyValueStore) {}

  async load(runId: string): Promise<LoadedRecord | null> {
    const entry = await this.kv.get(runKey(runId));
    if (!entry || entry.operation !== 'PUT') return null;
    return { record: decodeRecord(entry.value), revision: entry.revision };
  }

  /** Creates the record; throws RevisionConflictError when another replica created it first. */
  create(runId: string, record: RunRecord): Promise<number> {
    return this.kv.create(runKey(runId), encoder.encode(JSON.stringify(record)));
  }

  /** Compare-and-set; throws RevisionConflictError when the record moved since `revision`. */
  update(runId: string, record: RunRecord, revision: number): Promise<number> {
    return this.kv.update(runKey(runId), encoder.encode(JSON.stringify(record)), revision);
  }
}
