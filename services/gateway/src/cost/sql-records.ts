/** Multi-row inserts of ledger and audit records, idempotent on their ids (a redelivered batch is a no-op). */
import type { SqlExecutor } from '@agentflow/store';
import type { AuditRecord } from '../audit/audit-record';
import type { LedgerEntry, WasteKind } from './ledger-entry';

/** The ledger table's waste vocabulary (0001_core.sql). */
const WASTE_KIND: Record<WasteKind, string | null> = {
  none: null,
  retry: 'retry',
  fallback: 'fallback',
  superseded: 'cancelled',
};

function placeholders(rows: number, columns: number): string {
  const out: string[] = [];
  for (let r = 0; r < rows; r++)
    out.push(`(${Array.from({ length: columns }, (_, c) => `$${r * columns + c + 1}`).join(', ')})`);
  return out.join(', ');
}

const LEDGER_COLUMNS = [
  'request_id',
  'occurred_at',
  'team',
  'project',
  'repo',
  'workflow',
  'run_id',
  'step_id',
  'service',
  'provider',
  'model',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'cost_usd',
  'cached',
  'waste_kind',
  'waste_usd',
  'gateway_request_id',
  'price_effective_from',
];

export async function insertLedger(db: SqlExecutor, entries: LedgerEntry[]): Promise<void> {
  if (!entries.length) return;
  const params: unknown[] = [];
  for (const e of entries) {
    const a = e.attribution;
    params.push(
      e.id,
      e.at,
      a.team ?? null,
      a.project ?? null,
      a.repo ?? null,
      a.workflow ?? null,
      a.runId ?? null,
      a.stepId ?? null,
      a.service ?? null,
      e.provider,
      e.model,
      e.usage.inputTokens,
      e.usage.outputTokens,
      e.usage.cacheReadTokens,
      e.usage.cacheWriteTokens,
      e.costUsd,
      e.cached,
      WASTE_KIND[e.waste],
      e.wasteUsd,
      e.requestId,
      e.priceEffectiveFrom ?? null,
    );
  }
  await db.query(
    `INSERT INTO cost_ledger (${LEDGER_COLUMNS.join(', ')}) VALUES ${placeholders(entries.length, LEDGER_COLUMNS.length)} ON CONFLICT (request_id) DO NOTHING`,
    params,
  );
}

const AUDIT_COLUMNS = [
  'id',
  'occurred_at',
  'request_id',
  'repo',
  'pr',
  'commit_sha',
  'run_id',
  'provider',
  'region',
  'retention',
  'model',
  'data_class',
  'paths',
  'secrets_redacted',
  'emails_redacted',
  'vendor_request_id',
  'decision',
  'outcome',
];

export async function insertAudit(db: SqlExecutor, records: AuditRecord[]): Promise<void> {
  if (!records.length) return;
  const params: unknown[] = [];
  for (const r of records) {
    params.push(
      r.id,
      r.at,
      r.requestId,
      r.repo ?? null,
      r.pr ?? null,
      r.commitSha ?? null,
      r.runId ?? null,
      r.provider,
      r.region ?? null,
      r.retention ?? null,
      r.model,
      r.dataClass,
      JSON.stringify(r.paths),
      r.redactions.secrets,
      r.redactions.emails,
      r.vendorRequestId ?? null,
      r.decision,
      r.outcome,
    );
  }
  await db.query(
    `INSERT INTO gateway_audit (${AUDIT_COLUMNS.join(', ')}) VALUES ${placeholders(records.length, AUDIT_COLUMNS.length)} ON CONFLICT (id) DO NOTHING`,
    params,
  );
}

/** Marks the useful spend of a cancelled or superseded run as waste. Idempotent. */
export async function markRunSuperseded(db: SqlExecutor, runId: string): Promise<number> {
  const res = await db.query(
    `UPDATE cost_ledger SET waste_kind = 'cancelled', waste_usd = cost_usd WHERE run_id = $1 AND waste_kind IS NULL AND cached = false`,
    [runId],
  );
  return res.rowCount;
}
