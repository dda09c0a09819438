/**
 * Where ledger and audit records go from the hot path: handed over without waiting. In production
 * they are published to the gateway records stream and written to PostgreSQL in batches by
 * {@link RecordStreamWriter}; single-process tools can write batches directly.
 */
import type { AuditRecord } from '../audit/audit-record';
import type { LedgerEntry } from './ledger-entry';

export interface RecordSink {
  ledger(entry: LedgerEntry): void;
  audit(record: AuditRecord): void;
  /** Waits until everything handed over so far is stored (shutdown, tests). */
  flush(): Promise<void>;
}

/** Keeps records in memory: for tests and for tools that read them back at once. */
export class MemoryRecordSink implements RecordSink {
  readonly entries: LedgerEntry[] = [];
  readonly audits: AuditRecord[] = [];
  ledger(entry: LedgerEntry): void {
    this.entries.push(entry);
  }
  audit(record: AuditRecord): void {
    this.audits.push(record);
  }
  async flush(): Promise<void> {}
}
