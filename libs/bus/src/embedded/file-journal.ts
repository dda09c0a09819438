/**
 * Persistence of the embedded bus in a data directory, so `agentflow up` keeps queued work, run
 * state and large bodies across a restart. Append-only JSON lines per stream, per consumer and
 * per KV bucket, compacted when loaded; object-store bodies as one file each. Writes are
 * synchronous appends in event order (a process crash loses nothing written; a power loss may lose
 * what the OS had not flushed).
 */
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
  writeSync,
  renameSync,
  statSync,
} from 'node:fs';
import { PermanentError } from '@agentflow/contracts';
import { join } from 'node:path';
import type { ConsumerSpec, StreamSpec } from '@agentflow/contracts';
import type { KvEntry, KvOptions } from '../bus';
import type { StoredMessage } from './embedded-stream';

/** A file-name-safe form of any name (stream, durable, bucket, object). */
function fileName(name: string): string {
  return Buffer.from(name, 'utf8').toString('base64url');
}

function fromFileName(file: string): string {
  return Buffer.from(file, 'base64url').toString('utf8');
}

function readLines<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  const out: T[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // A torn last line from a crash mid-append: everything before it is intact.
    }
  }
  return out;
}

function writeAtomically(path: string, content: string): void {
  writeFileSync(`${path}.tmp`, content);
  renameSync(`${path}.tmp`, path);
}

type StreamRecord =
  | {
      op: 'add';
      seq: number;
      subject: string;
      data: string;
      headers: Record<string, string>;
      timeMs: number;
      msgId?: string;
    }
  | { op: 'del'; seq: number }
  | { op: 'dedupe'; msgId: string; seq: number; atMs: number };

export interface KvRecord {
  key: string;
  revision: number;
  value: string;
  operation: KvEntry['operation'];
  atMs: number;
}

export interface LoadedStream {
  spec: StreamSpec;
  messages: Array<{ message: StoredMessage; msgId?: string }>;
  /** Message ids of removed messages still inside the dedupe window. */
  dedupe: Array<{ msgId: string; seq: number; atMs: number }>;
  lastSeq: number;
}

export interface LoadedConsumer {
  spec: ConsumerSpec;
  /** Every sequence at or below this one is settled for good. */
  floor: number;
  /** Settled sequences above the floor. */
  done: number[];
}

export interface LoadedKv {
  bucket: string;
  options: KvOptions;
  records: KvRecord[];
}

/** Another live process owns the data directory: two embedded buses on one directory would corrupt it. */
export class DataDirLockedError extends PermanentError {
  override readonly code = 'data_dir_locked';
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      `data directory ${dir} is in use by process ${pid}; stop it, or use NATS to share a bus between processes`,
    );
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class FileJournal {
  private readonly streamsDir: string;
  private readonly consumersDir: string;
  private readonly kvDir: string;
  private readonly objectsDir: string;

  constructor(readonly dir: string) {
    this.streamsDir = join(dir, 'streams');
    this.consumersDir = join(dir, 'consumers');
    this.kvDir = join(dir, 'kv');
    this.objectsDir = join(dir, 'objects');
    for (const d of [this.streamsDir, this.consumersDir, this.kvDir, this.objectsDir])
      mkdirSync(d, { recursive: true });
    this.lock();
  }

  private get lockPath(): string {
    return join(this.dir, 'LOCK');
  }

  /** One process per directory. A lock left by a dead process (a crash) is taken over. */
  private lock(): void {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.lockPath, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const owner = Number(readFileSync(this.lockPath, 'utf8').trim());
        if (Number.isInteger(owner) && owner > 0 && processAlive(owner))
          throw new DataDirLockedError(this.dir, owner);
        rmSync(this.lockPath, { force: true });
      }
    }
    throw new DataDirLockedError(this.dir, Number(readFileSync(this.lockPath, 'utf8').trim()));
  }

  /** Releases the directory (the bus was drained). */
  close(): void {
    rmSync(this.lockPath, { force: true });
  }

  // ---- streams ------------------------------------------------------------------------------

  streamEnsured(spec: StreamSpec): void {
    writeAtomically(join(this.streamsDir, `${fileName(spec.name)}.spec.json`), JSON.stringify(spec));
  }

  streamDeleted(name: string): void {
    rmSync(join(this.streamsDir, `${fileName(name)}.spec.json`), { force: true });
    rmSync(join(this.streamsDir, `${fileName(name)}.jsonl`), { force: true });
    for (const file of readdirSync(this.consumersDir)) {
      if (file.startsWith(`${fileName(name)}.`)) rmSync(join(this.consumersDir, file), { force: true });
    }
  }

  appended(stream: string, message: StoredMessage, msgId: string | undefined): void {
    const record: StreamRecord = {
      op: 'add',
      seq: message.seq,
      subject: message.subject,
      data: Buffer.from(message.data).toString('base64'),
      headers: message.headers,
      timeMs: message.timeMs,
      msgId,
    };
    appendFileSync(join(this.streamsDir, `${fileName(stream)}.jsonl`), `${JSON.stringify(record)}\n`);
  }

  removed(stream: string, seq: number): void {
    appendFileSync(
      join(this.streamsDir, `${fileName(stream)}.jsonl`),
      `${JSON.stringify({ op: 'del', seq } satisfies StreamRecord)}\n`,
    );
  }

  /** Reads every stream back and rewrites its journal with only what is still alive. */
  loadStreams(now: number): LoadedStream[] {
    const out: LoadedStream[] = [];
    for (const file of readdirSync(this.streamsDir)) {
      if (!file.endsWith('.spec.json')) continue;
      const spec = JSON.parse(readFileSync(join(this.streamsDir, file), 'utf8')) as StreamSpec;
      const journal = join(this.streamsDir, `${fileName(spec.name)}.jsonl`);
      const live = new Map<number, { message: StoredMessage; msgId?: string }>();
      const ids = new Map<string, { msgId: string; seq: number; atMs: number }>();
      let lastSeq = 0;
      for (const r of readLines<StreamRecord>(journal)) {
        if (r.op === 'add') {
          live.set(r.seq, {
            message: {
              seq: r.seq,
              subject: r.subject,
              data: new Uint8Array(Buffer.from(r.data, 'base64')),
              headers: r.headers,
              timeMs: r.timeMs,
            },
            msgId: r.msgId,
          });
          if (r.msgId) ids.set(r.msgId, { msgId: r.msgId, seq: r.seq, atMs: r.timeMs });
          lastSeq = Math.max(lastSeq, r.seq);
        } else if (r.op === 'del') {
          live.delete(r.seq);
        } else {
          ids.set(r.msgId, r);
          lastSeq = Math.max(lastSeq, r.seq);
        }
      }
      for (const [seq, m] of live)
        if (spec.maxAgeMs > 0 && now - m.message.timeMs > spec.maxAgeMs) live.delete(seq);
      const liveIds = new Set([...live.values()].map((m) => m.msgId).filter(Boolean));
      const dedupe = [...ids.values()].filter(
        (d) => !liveIds.has(d.msgId) && now - d.atMs <= spec.duplicateWindowMs,
      );
      const messages = [...live.values()].sort((a, b) => a.message.seq - b.message.seq);
      // Keep the last sequence even when every message is gone, so sequences never go back.
      const compacted: StreamRecord[] = [
        ...dedupe.map((d) => ({ op: 'dedupe' as const, ...d })),
        ...messages.map(({ message: m, msgId }) => ({
          op: 'add' as const,
          seq: m.seq,
          subject: m.subject,
          data: Buffer.from(m.data).toString('base64'),
          headers: m.headers,
          timeMs: m.timeMs,
          msgId,
        })),
      ];
      if (lastSeq > 0 && !compacted.some((r) => r.seq === lastSeq))
        compacted.push({ op: 'dedupe', msgId: `\u0000last-seq`, seq: lastSeq, atMs: 0 });
      writeAtomically(journal, compacted.map((r) => `${JSON.stringify(r)}\n`).join(''));
      out.push({ spec, messages, dedupe: dedupe.filter((d) => d.msgId !== '\u0000last-seq'), lastSeq });
    }
    return out;
  }

  // ---- consumers ----------------------------------------------------------------------------

  private consumerBase(stream: string, durable: string): string {
    return join(this.consumersDir, `${fileName(stream)}.${fileName(durable)}`);
  }

  consumerEnsured(spec: ConsumerSpec): void {
    writeAtomically(`${this.consumerBase(spec.stream, spec.durable)}.spec.json`, JSON.stringify(spec));
  }

  consumerDone(stream: string, durable: string, seq: number): void {
    appendFileSync(`${this.consumerBase(stream, durable)}.jsonl`, `${seq}\n`);
  }

  /** Reads consumers back; `isGone(stream, seq)` says a message no longer exists (it counts as settled for the floor). */
  loadConsumers(
    isGone: (stream: string, seq: number) => boolean,
    lastSeqOf: (stream: string) => number,
  ): LoadedConsumer[] {
    const out: LoadedConsumer[] = [];
    for (const file of readdirSync(this.consumersDir)) {
      if (!file.endsWith('.spec.json')) continue;
      const spec = JSON.parse(readFileSync(join(this.consumersDir, file), 'utf8')) as ConsumerSpec;
      const journal = `${this.consumerBase(spec.stream, spec.durable)}.jsonl`;
      const done = new Set<number>();
      let floor = 0;
      for (const entry of readLines<number | { floor: number }>(journal)) {
        if (typeof entry === 'number') done.add(entry);
        else floor = Math.max(floor, entry.floor);
      }
      const last = lastSeqOf(spec.stream);
      while (floor < last && (done.has(floor + 1) || isGone(spec.stream, floor + 1))) {
        floor += 1;
        done.delete(floor);
      }
      for (const seq of done) if (seq <= floor) done.delete(seq);
      writeAtomically(
        journal,
        [JSON.stringify({ floor }), ...[...done].sort((a, b) => a - b).map(String)]
          .map((l) => `${l}\n`)
          .join(''),
      );
      out.push({ spec, floor, done: [...done] });
    }
    return out;
  }

  // ---- KV -----------------------------------------------------------------------------------

  kvCreated(bucket: string, options: KvOptions): void {
    writeAtomically(join(this.kvDir, `${fileName(bucket)}.options.json`), JSON.stringify(options));
  }

  kvWritten(bucket: string, record: KvRecord): void {
    appendFileSync(join(this.kvDir, `${fileName(bucket)}.jsonl`), `${JSON.stringify(record)}\n`);
  }

  kvDeleted(bucket: string): void {
    rmSync(join(this.kvDir, `${fileName(bucket)}.options.json`), { force: true });
    rmSync(join(this.kvDir, `${fileName(bucket)}.jsonl`), { force: true });
  }

  /** Reads buckets back, keeping `history` revisions per key, and rewrites each journal as that snapshot. */
  loadKv(now: number): LoadedKv[] {
    const out: LoadedKv[] = [];
    for (const file of readdirSync(this.kvDir)) {
      if (!file.endsWith('.options.json')) continue;
      const bucket = fromFileName(file.slice(0, -'.options.json'.length));
      const options = JSON.parse(readFileSync(join(this.kvDir, file), 'utf8')) as KvOptions;
      const journal = join(this.kvDir, `${fileName(bucket)}.jsonl`);
      const byKey = new Map<string, KvRecord[]>();
      let lastRevision = 0;
      for (const r of readLines<KvRecord>(journal)) {
        lastRevision = Math.max(lastRevision, r.revision);
        const revisions = r.operation === 'PURGE' ? [] : (byKey.get(r.key) ?? []);
        revisions.push(r);
        while (revisions.length > Math.max(1, options.history ?? 1)) revisions.shift();
        byKey.set(r.key, revisions);
      }
      const maxAge = options.maxAgeMs ?? 0;
      const records = [...byKey.values()].flat().filter((r) => maxAge <= 0 || now - r.atMs <= maxAge);
      records.sort((a, b) => a.revision - b.revision);
      // The highest revision is kept even when its key expired, so revisions never go back.
      if (lastRevision > 0 && !records.some((r) => r.revision === lastRevision)) {
        records.unshift({
          key: '\u0000last-revision',
          revision: lastRevision,
          value: '',
          operation: 'PURGE',
          atMs: 0,
        });
      }
      writeAtomically(journal, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
      out.push({ bucket, options, records });
    }
    return out;
  }

  // ---- objects ------------------------------------------------------------------------------

  private objectPath(bucket: string, name: string): string {
    return join(this.objectsDir, fileName(bucket), fileName(name));
  }

  objectBucketCreated(bucket: string): void {
    mkdirSync(join(this.objectsDir, fileName(bucket)), { recursive: true });
  }

  objectBuckets(): string[] {
    return readdirSync(this.objectsDir).map(fromFileName);
  }

  writeObject(bucket: string, name: string, data: Uint8Array): void {
    const path = this.objectPath(bucket, name);
    writeFileSync(`${path}.tmp`, data);
    renameSync(`${path}.tmp`, path);
  }

  /** The bodies of a bucket on disk, with their write times. */
  listObjects(bucket: string): Array<{ name: string; writtenAtMs: number }> {
    const dir = join(this.objectsDir, fileName(bucket));
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => !f.endsWith('.tmp'))
      .map((f) => ({ name: fromFileName(f), writtenAtMs: statSync(join(dir, f)).mtimeMs }));
  }

  readObject(bucket: string, name: string): Uint8Array | undefined {
    const path = this.objectPath(bucket, name);
    return existsSync(path) ? new Uint8Array(readFileSync(path)) : undefined;
  }

  deleteObject(bucket: string, name: string): void {
    rmSync(this.objectPath(bucket, name), { force: true });
  }

  objectBucketDeleted(bucket: string): void {
    rmSync(join(this.objectsDir, fileName(bucket)), { recursive: true, force: true });
  }
}
