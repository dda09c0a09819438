/**
 * Ledger and audit records travel from the hot path to PostgreSQL through a JetStream stream: the
 * pipeline hands a record over without waiting ({@link BusRecordSink}), and a writer consumes the
 * stream in batches, inserts each batch in one transaction (idempotently, on the record id) and
 * only then acks ({@link RecordStreamWriter}). A gateway replica that dies loses nothing published;
 * PostgreSQL is never on a request's path.
 */
import type { ConsumerHandle, InboundMessage, MessageBus, ServiceHandle } from '@agentflow/bus';
import type { ConsumerSpec, StreamSpec, Topology } from '@agentflow/contracts';
import type { SqlDatabase } from '@agentflow/store';
import type { AuditRecord } from '../audit/audit-record';
import type { GatewayLogger } from '../log/gateway-logger';
import type { LedgerEntry } from './ledger-entry';
import type { RecordSink } from './record-sink';
import { insertAudit, insertLedger, markRunSuperseded } from './sql-records';

/** The stream of gateway records (derived from the topology prefix; captured subjects are the gateway's own). */
export function gatewayRecordsStream(topology: Topology): StreamSpec & { batchSubject: string } {
  const p = topology.prefix;
  return {
    name: `${p.toUpperCase().replace(/[^A-Z0-9_-]/g, '_')}_GATEWAY_RECORDS`,
    subjects: [`${p}.gwrecords.>`],
    retention: 'workqueue',
    maxAgeMs: 7 * 86_400_000,
    duplicateWindowMs: 2 * 3_600_000,
    batchSubject: `${p}.gwrecords.batch`,
  };
}

export function gatewayRecordsConsumer(topology: Topology): ConsumerSpec {
  const stream = gatewayRecordsStream(topology);
  return {
    stream: stream.name,
    durable: 'gateway-records-writer',
    filterSubject: `${topology.prefix}.gwrecords.>`,
    ackWaitMs: 30_000,
    maxDeliver: 10,
    maxAckPending: 2000,
    backoffMs: [30_000, 60_000, 120_000],
  };
}

const encoder = new TextEncoder();
const MAX_BUFFERED = 10_000;

/** One message on the records stream: what one replica handed over in a few milliseconds. */
export interface RecordBatch {
  id: string;
  ledger: LedgerEntry[];
  audit: AuditRecord[];
}

/**
 * Collects records and publishes them as one batch message every `flushEveryMs` (or at
 * `maxBatch` records), so the hot path costs an array push and the stream one message per batch,
 * not two per request. A failed publish is retried with the same message id (deduplicated).
 */
export class BusRecordSink implements RecordSink {
  private ledgerBuffer: LedgerEntry[] = [];
  private auditBuffer: AuditRecord[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly retry: Array<{ id: string; data: Uint8Array }> = [];
  private seq = 0;
  private readonly origin = `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  dropped = 0;

  constructor(
    private readonly bus: MessageBus,
    private readonly topology: Topology,
    private readonly logger: GatewayLogger,
    private readonly options: { flushEveryMs?: number; maxBatch?: number } = {},
  ) {}

  ledger(entry: LedgerEntry): void {
    this.ledgerBuffer.push(entry);
    this.schedule();
  }

  audit(record: AuditRecord): void {
    this.auditBuffer.push(record);
    this.schedule();
  }

  private schedule(): void {
    if (this.ledgerBuffer.length + this.auditBuffer.length >= (this.options.maxBatch ?? 200))
      this.publishNow();
    else this.timer ??= setTimeout(() => this.publishNow(), this.options.flushEveryMs ?? 20);
  }

  private publishNow(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    for (const r of this.retry.splice(0)) this.send(r.id, r.data);
    if (!this.ledgerBuffer.length && !this.auditBuffer.length) return;
    const batch: RecordBatch = {
      id: `${this.origin}-${++this.seq}`,
      ledger: this.ledgerBuffer,
      audit: this.auditBuffer,
    };
    this.ledgerBuffer = [];
    this.auditBuffer = [];
    this.send(batch.id, encoder.encode(JSON.stringify(batch)));
  }

  private send(id: string, data: Uint8Array): void {
    const subject = gatewayRecordsStream(this.topology).batchSubject;
    const p = this.bus.publish(subject, data, { msgId: id }).then(
      () => undefined,
      (error: unknown) => {
        if (this.retry.length >= MAX_BUFFERED) {
          this.dropped += 1;
          this.logger.error(
            'gateway records dropped: the records stream is unreachable and the retry buffer is full',
            { batch: id },
          );
          return;
        }
        this.retry.push({ id, data });
        this.logger.warn('gateway records publish failed; will retry', { batch: id, error: String(error) });
        this.timer ??= setTimeout(() => this.publishNow(), 1000);
      },
    );
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** Publishes what is buffered and waits for every publish so far. */
  async flush(): Promise<void> {
    this.publishNow();
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }
}

/** Consumes the records stream and writes PostgreSQL in batches. */
export class RecordStreamWriter {
  private buffer: InboundMessage[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private consumer: ConsumerHandle | null = null;
  private cancelSub: ServiceHandle | null = null;
  /** Runs cancelled lately: rows for them still in the stream are written as superseded. */
  private readonly superseded = new Set<string>();

  constructor(
    private readonly bus: MessageBus,
    private readonly topology: Topology,
    private readonly db: SqlDatabase,
    private readonly logger: GatewayLogger,
    private readonly options: { batchSize?: number; flushEveryMs?: number } = {},
  ) {}

  async start(): Promise<void> {
    await this.bus.ensureStream(gatewayRecordsStream(this.topology));
    const spec = gatewayRecordsConsumer(this.topology);
    await this.bus.ensureConsumer(spec);
    this.consumer = await this.bus.consume(spec, async (msg) => this.add(msg), {
      manualSettle: true,
      concurrency: 512,
    });
    this.cancelSub = await this.bus.subscribe(this.topology.subjects.runCancel('*'), (msg) => {
      const parts = msg.subject.split('.');
      const runId = parts[parts.length - 2];
      this.remember(runId);
      markRunSuperseded(this.db, runId).catch((e: unknown) =>
        this.logger.warn('could not mark a cancelled run as waste', { runId, error: String(e) }),
      );
    });
  }

  async stop(): Promise<void> {
    await this.cancelSub?.stop();
    await this.consumer?.stop(5000);
    await this.flushNow();
  }

  private remember(runId: string): void {
    this.superseded.add(runId);
    if (this.superseded.size > 10_000)
      this.superseded.delete(this.superseded.values().next().value as string);
  }

  private add(msg: InboundMessage): void {
    this.buffer.push(msg);
    if (this.buffer.length >= (this.options.batchSize ?? 200)) void this.flushNow();
    else this.timer ??= setTimeout(() => void this.flushNow(), this.options.flushEveryMs ?? 100);
  }

  /** Writes what is buffered now, after the previous batch. */
  flushNow(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.buffer.splice(0);
    if (!batch.length) return this.writing;
    this.writing = this.writing.then(() => this.write(batch));
    return this.writing;
  }

  private async write(batch: InboundMessage[]): Promise<void> {
    const ledger: LedgerEntry[] = [];
    const audit: AuditRecord[] = [];
    const bad: InboundMessage[] = [];
    for (const msg of batch) {
      try {
        const records = msg.json<RecordBatch>();
        if (!Array.isArray(records.ledger) || !Array.isArray(records.audit))
          throw new Error('not a record batch');
        for (const entry of records.ledger) {
          if (
            entry.attribution.runId &&
            this.superseded.has(entry.attribution.runId) &&
            entry.waste === 'none' &&
            !entry.cached
          ) {
            entry.waste = 'superseded';
            entry.wasteUsd = entry.costUsd;
          }
          ledger.push(entry);
        }
        audit.push(...records.audit);
      } catch {
        bad.push(msg);
      }
    }
    for (const msg of bad) msg.term('not a gateway record');
    try {
      await this.db.transaction(async (tx) => {
        await insertLedger(tx, ledger);
        await insertAudit(tx, audit);
      });
      await Promise.all(batch.filter((m) => !bad.includes(m)).map((m) => m.ack()));
    } catch (error) {
      this.logger.warn('gateway records batch not written; redelivering', {
        size: batch.length,
        error: String(error),
      });
      for (const m of batch) if (!bad.includes(m)) m.nak(1000);
    }
  }
}
