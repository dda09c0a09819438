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

/** What the sweeper needs to know of a record: whether it has an outbox, and since when. */
export interface OutboxMark {
  pending: boolean;
  since: number;
}

/** Records kept decoded per coordinator, most recently written or read last. @default 1024 */
export const DEFAULT_CACHED_RECORDS = 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * JSON of states already encoded. A state is never changed once the actor returned it (the actor
 * works on a clone), so the clean record written after the outbox is published reuses the text of
 * the record written before it instead of encoding the whole run again.
 */
const stateJson = new WeakMap<RunState, string>();

export function runKey(runId: string): string {
  return `run.${runId}`;
}

export function decodeRecord(value: Uint8Array): RunRecord {
  const raw = JSON.parse(decoder.decode(value)) as RunRecord;
  return { ...raw, state: upgradeState(raw.state) };
}

function json(value: unknown): string {
  return JSON.stringify(value);
}

/**
 * Plain JSON, readable by {@link decodeRecord} (and by any JSON reader), with the outbox fields
 * first: the sweeper's watch sees every write and reads them from the first bytes
 * ({@link outboxMark}) rather than parsing the whole run.
 */
export function encodeRecord(record: RunRecord): Uint8Array {
  let state = stateJson.get(record.state);
  if (state === undefined) {
    state = json(record.state);
    stateJson.set(record.state, state);
  }
  let text = '{';
  if (record.pendingSince !== undefined) text += `"pendingSince":${json(record.pendingSince)},`;
  text += `"pending":${json(record.pending)}`;
  if (record.historySeq !== undefined) text += `,"historySeq":${json(record.historySeq)}`;
  if (record.requestSeq !== undefined) text += `,"requestSeq":${json(record.requestSeq)}`;
  return encoder.encode(`${text},"state":${state}}`);
}

const MARK_WITH_SINCE = /^\{"pendingSince":(-?\d+(?:\.\d+)?),"pending":\[(\])?/;
const MARK_WITHOUT_SINCE = /^\{"pending":\[(\])?/;

/**
 * Whether a stored record has pending commands, and since when, from its first bytes when it was
 * written by {@link encodeRecord}; any other layout (an older coordinator's) is decoded whole.
 */
export function outboxMark(value: Uint8Array): OutboxMark {
  const head = decoder.decode(value.subarray(0, 64));
  const withSince = MARK_WITH_SINCE.exec(head);
  if (withSince) return { pending: withSince[2] === undefined, since: Number(withSince[1]) };
  const without = MARK_WITHOUT_SINCE.exec(head);
  if (without) return { pending: without[1] === undefined, since: 0 };
  const record = decodeRecord(value);
  return { pending: record.pending.length > 0, since: record.pendingSince ?? 0 };
}

/**
 * Reads and writes run records by compare-and-set. It keeps the records it last wrote or read,
 * decoded, by revision: a load whose revision is unchanged skips decoding, and the processor may
 * try an event on the kept record first ({@link cached}); the compare-and-set still decides.
 */
export class RunStore {
  private readonly recent = new Map<string, LoadedRecord>();

  constructor(
    private readonly kv: KeyValueStore,
    private readonly maxCached = DEFAULT_CACHED_RECORDS,
  ) {}

  async load(runId: string): Promise<LoadedRecord | null> {
    const entry = await this.kv.get(runKey(runId));
    if (!entry || entry.operation !== 'PUT') {
      this.recent.delete(runId);
      return null;
    }
    const kept = this.recent.get(runId);
    if (kept && kept.revision === entry.revision) return kept;
    return this.keep(runId, { record: decodeRecord(entry.value), revision: entry.revision });
  }

  /**
   * The record as this store last wrote or read it, without asking the bucket: it may be behind
   * another replica's write, so only a compare-and-set against its revision may rely on it.
   */
  cached(runId: string): LoadedRecord | undefined {
    return this.recent.get(runId);
  }

  /** Removes an ended run's record and its kept revisions from the bucket for good (retention). */
  async purge(runId: string): Promise<void> {
    this.recent.delete(runId);
    await this.kv.purge(runKey(runId));
  }

  /** Forgets the kept record (after a lost compare-and-set: the bucket has moved on). */
  forget(runId: string): void {
    this.recent.delete(runId);
  }

  /** Creates the record; throws RevisionConflictError when another replica created it first. */
  async create(runId: string, record: RunRecord): Promise<number> {
    const revision = await this.kv
      .create(runKey(runId), encodeRecord(record))
      .catch((error: unknown) => this.lost(runId, error));
    this.keep(runId, { record, revision });
    return revision;
  }

  /** Compare-and-set; throws RevisionConflictError when the record moved since `revision`. */
  async update(runId: string, record: RunRecord, revision: number): Promise<number> {
    const next = await this.kv
      .update(runKey(runId), encodeRecord(record), revision)
      .catch((error: unknown) => this.lost(runId, error));
    this.keep(runId, { record, revision: next });
    return next;
  }

  private lost(runId: string, error: unknown): never {
    this.recent.delete(runId);
    throw error;
  }

  private keep(runId: string, loaded: LoadedRecord): LoadedRecord {
    // Re-inserting moves the run to the end, so the oldest kept record is evicted first.
    this.recent.delete(runId);
    this.recent.set(runId, loaded);
    if (this.recent.size > this.maxCached) this.recent.delete(this.recent.keys().next().value!);
    return loaded;
  }
}
