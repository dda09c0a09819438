/**
 * What a job launch passes before anything leaves the gateway: the rules a chat request meets,
 * applied to jobs. Rules-only mode refuses every job; never-sent paths refuse a launch that carries
 * them; every text sent (a Cursor or generic vendor's prompt and template values, each Batch API
 * request) is redacted; the job's estimated cost is reserved from every budget that applies and
 * settled with the real cost when the job ends. The launch's audit record says where the code went.
 */
import { randomUUID } from 'node:crypto';
import type { Attribution, BatchItem, JobLaunch, ProviderConfig } from '@agentflow/contracts';
import type { AuditRecord } from '../audit/audit-record';
import type { BudgetGuard, BudgetTicket } from '../budget/budget-guard';
import type { RecordSink } from '../cost/record-sink';
import type { PolicyState } from '../policy/rules-only-switch';
import type { RedactionCounts, Redactor } from '../redaction/redactor';
import type { Clock } from '../shared/clock';
import { JobPolicyDenied } from './job-errors';
import type { JobSpec } from './job-provider';

export interface JobAdmissionDeps {
  policy: PolicyState;
  redactor: Redactor;
  budget: BudgetGuard;
  records: RecordSink;
  providers: Record<string, ProviderConfig>;
  clock: Pick<Clock, 'now'>;
}

/** The spec as it may be sent, and how much was taken out of it. */
export interface AdmittedSpec {
  spec: JobSpec;
  redactions: RedactionCounts;
}

export class JobAdmission {
  /** Reservations of jobs launched by this process, settled when the job ends. */
  private readonly tickets = new Map<string, BudgetTicket>();

  constructor(private readonly d: JobAdmissionDeps) {}

  /** Refuses what may not be sent at all; throws {@link JobPolicyDenied} naming the rule, and audits the refusal. */
  check(request: JobLaunch): void {
    if (this.d.policy.rulesOnly) {
      this.audit(request, 'denied:rules-only', 'not_called', { secrets: 0, emails: 0 });
      throw new JobPolicyDenied(
        'rules-only mode is on: no vendor job is launched; run the deterministic analysers only',
      );
    }
    const blocked = this.d.policy.neverSent.blocked((request.paths ?? []).map((p) => p.path));
    if (blocked.length) {
      this.audit(request, 'denied:never-sent', 'not_called', { secrets: 0, emails: 0 });
      throw new JobPolicyDenied(
        `never-sent paths in the job: ${blocked.slice(0, 5).join(', ')}; leave them out of the prompt`,
      );
    }
  }

  /** The launch's texts with secrets and e-mail addresses replaced by placeholders. */
  redact(request: JobLaunch): AdmittedSpec {
    const counts: RedactionCounts = { secrets: 0, emails: 0 };
    const add = (c: RedactionCounts) => {
      counts.secrets += c.secrets;
      counts.emails += c.emails;
    };
    const text = (value: string): string => {
      const r = this.d.redactor.redact(undefined, [{ role: 'user', content: value }]);
      add(r.counts);
      return r.messages[0].content;
    };
    const batch = request.batch?.map((item): BatchItem => {
      const r = this.d.redactor.redact(item.system, item.messages);
      add(r.counts);
      return { ...item, ...(r.system !== undefined ? { system: r.system } : {}), messages: r.messages };
    });
    const input = request.input ? redactValues(request.input, text) : undefined;
    const spec: JobSpec = {
      ...(request.prompt !== undefined ? { prompt: text(request.prompt) } : {}),
      ...(request.repository !== undefined ? { repository: request.repository } : {}),
      ...(request.ref !== undefined ? { ref: request.ref } : {}),
      ...(input ? { input } : {}),
      ...(batch ? { batch } : {}),
    };
    return { spec, redactions: counts };
  }

  /** Reserves the job's estimate from every budget that applies; throws `BudgetExceeded` when one has no room. */
  async reserve(jobId: string, attribution: Attribution, estimateUsd: number): Promise<void> {
    this.tickets.set(jobId, await this.d.budget.reserve(attribution, estimateUsd));
  }

  /** The job ended (or was never submitted, at cost 0): its reservation becomes its real cost. */
  settle(jobId: string, attribution: Attribution, costUsd: number): void {
    const ticket = this.tickets.get(jobId);
    this.tickets.delete(jobId);
    if (ticket) this.d.budget.settle(ticket, costUsd);
    // Launched before this process started: nothing reserved here, so the spend is counted as it is.
    else if (costUsd > 0) this.d.budget.charge(attribution, costUsd);
  }

  /** Frees this process's reservation for a job whose cost another replica already counted. */
  release(jobId: string): void {
    const ticket = this.tickets.get(jobId);
    this.tickets.delete(jobId);
    if (ticket) this.d.budget.settle(ticket, 0);
  }

  /** Records that the job was sent to its vendor, and what was taken out of it. */
  launched(request: JobLaunch, vendorJobId: string, redactions: RedactionCounts): void {
    this.audit(request, 'allowed', 'ok', redactions, vendorJobId);
  }

  private audit(
    request: JobLaunch,
    decision: string,
    outcome: string,
    redactions: RedactionCounts,
    vendorJobId?: string,
  ): void {
    const config = this.d.providers[request.provider];
    const record: AuditRecord = {
      id: `job:${request.requestId}:${randomUUID().slice(0, 8)}`,
      at: new Date(this.d.clock.now()).toISOString(),
      requestId: request.requestId,
      repo: request.attribution.repo,
      runId: request.attribution.runId,
      provider: request.provider,
      region: config?.region,
      retention: config?.retention,
      model: [...new Set(request.batch?.map((b) => b.model) ?? [])].join(',') || request.provider,
      dataClass: request.dataClass,
      paths: (request.paths ?? []).map((p) => ({ path: p.path, sha256: p.sha256 })),
      redactions,
      vendorRequestId: vendorJobId,
      decision,
      outcome,
    };
    this.d.records.audit(record);
  }
}

/** Redacts every string in a generic vendor's template values, however deep. */
function redactValues(value: Record<string, unknown>, text: (s: string) => string): Record<string, unknown> {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return text(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as Record<string, unknown>;
}
