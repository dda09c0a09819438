/**
 * Runs job-style vendor jobs durably. A launch writes the job record to KV before anything else is
 * trusted; the poller reads every record on the open-jobs index (the jobs not handed back yet), so
 * a restarted gateway resumes the jobs it had. A terminal state is recorded, priced into the ledger and published
 * once to the job-results stream for the launching step.
 */
import { randomUUID } from 'node:crypto';
import type { JobFinished, JobLaunch, JobReply } from '@agentflow/contracts';
import { TERMINAL_JOB_STATES } from '@agentflow/contracts';
import { RevisionConflictError } from '@agentflow/bus';
import type { GatewayLogger } from '../log/gateway-logger';
import type { RecordSink } from '../cost/record-sink';
import type { Clock } from '../shared/clock';
import { JobVendorError, UnknownJob, UnknownJobProvider } from './job-errors';
import type { JobAdmission } from './job-admission';
import type { JobPolicy } from './job-policy';
import type { JobProvider, JobSnapshot } from './job-provider';
import { replyOf, type JobRecord, type JobStore } from './job-record';
import type { JobResultSink } from './job-results';

export interface JobRunnerOptions {
  providers: Map<string, JobProvider>;
  store: JobStore;
  results: JobResultSink;
  records: RecordSink;
  policy: JobPolicy;
  /** Rules-only, never-sent paths, redaction, budget: what every launch passes before it is sent. */
  admission: JobAdmission;
  logger: GatewayLogger;
  clock: Pick<Clock, 'now'>;
  /** Time between polls of one job. @default 15000 */
  pollIntervalMs?: number;
  /** How often the poller looks for due jobs. @default pollIntervalMs / 3 */
  tickMs?: number;
  /** Longest a job may run when the launch gives no deadline. @default 6 h */
  maxJobMs?: number;
  /** Consecutive retryable vendor errors before a job is failed. @default 10 */
  maxPollErrors?: number;
}

const ZERO = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };

export class JobRunner {
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private readonly abort = new AbortController();
  private readonly errors = new Map<string, number>();
  private readonly pollIntervalMs: number;

  constructor(private readonly o: JobRunnerOptions) {
    this.pollIntervalMs = o.pollIntervalMs ?? 15_000;
  }

  /** Starts polling every job in the store that is not handed back yet (the restart path). */
  start(): void {
    if (this.timer) return;
    const tick = Math.max(10, this.o.tickMs ?? Math.floor(this.pollIntervalMs / 3));
    this.timer = setInterval(() => {
      if (!this.ticking) this.ticking = this.pollDue().finally(() => (this.ticking = null));
    }, tick);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.abort.abort();
    await this.ticking;
  }

  async launch(request: JobLaunch): Promise<JobReply> {
    // Policy first: a provider that is off is not built, and must read as off, not as unknown.
    this.o.policy.check(request.provider, request.dataClass);
    const provider = this.o.providers.get(request.provider);
    if (!provider)
      throw new UnknownJobProvider(
        `no job-style provider named ${request.provider}; declare it in providers.yml with kind cursor or http-job, or a batch-capable chat provider`,
      );
    const { admission } = this.o;
    admission.check(request);
    const jobId = randomUUID();
    const existing = await this.o.store.claimLaunch(request.requestId, jobId);
    if (existing) return this.status(existing);
    const { spec, redactions } = admission.redact(request);
    const now = this.o.clock.now();
    let submitted: Awaited<ReturnType<JobProvider['submit']>>;
    try {
      await admission.reserve(jobId, request.attribution, provider.estimateUsd(spec, now));
      submitted = await provider.submit(spec, this.abort.signal);
    } catch (e) {
      // Nothing was started: free the reservation and the request id, so a later launch can try again.
      admission.settle(jobId, request.attribution, 0);
      await this.o.store.releaseLaunch(request.requestId).catch(() => undefined);
      throw e;
    }
    const { vendorJobId, snapshot } = submitted;
    admission.launched(request, vendorJobId, redactions);
    const record: JobRecord = {
      jobId,
      provider: provider.name,
      vendorJobId,
      spec,
      attribution: request.attribution,
      dataClass: request.dataClass,
      state: snapshot.state,
      vendorStatus: snapshot.vendorStatus,
      costUsd: 0,
      submittedAt: new Date(now).toISOString(),
      deadline: request.deadline ?? now + (this.o.maxJobMs ?? 6 * 3_600_000),
      nextPollAt: now + this.pollIntervalMs,
      polls: 0,
      handedBack: false,
    };
    await this.o.store.create(record);
    this.o.logger.info('job launched', {
      jobId,
      provider: provider.name,
      vendorJobId,
      runId: request.attribution.runId,
      stepId: request.attribution.stepId,
    });
    return replyOf(record);
  }

  async status(jobId: string): Promise<JobReply> {
    const found = await this.o.store.get(jobId);
    if (!found) throw new UnknownJob(`no job ${jobId} in the gateway's job records`);
    return replyOf(found.record);
  }

  /** Marks the job for cancellation and tells the vendor now; the record turns `cancelled` and is handed back. */
  async cancel(jobId: string): Promise<JobReply> {
    const found = await this.o.store.get(jobId);
    if (!found) throw new UnknownJob(`no job ${jobId} in the gateway's job records`);
    if (TERMINAL_JOB_STATES.has(found.record.state)) return replyOf(found.record);
    const provider = this.o.providers.get(found.record.provider);
    await provider?.cancel(found.record.vendorJobId, this.abort.signal);
    // The poller may have written in between; cancel wins unless the job ended meanwhile.
    let current = found;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.o.store.update(
          { ...current.record, cancelRequested: true, state: 'cancelled', reason: 'cancelled by the caller' },
          current.revision,
        );
        break;
      } catch (e) {
        const again = await this.o.store.get(jobId);
        if (!(e instanceof RevisionConflictError) || attempt >= 3 || !again) throw e;
        if (TERMINAL_JOB_STATES.has(again.record.state)) return replyOf(again.record);
        current = again;
      }
    }
    const record: JobRecord = {
      ...current.record,
      cancelRequested: true,
      state: 'cancelled',
      reason: 'cancelled by the caller',
    };
    this.o.admission.settle(jobId, record.attribution, record.costUsd);
    await this.handBack(jobId);
    return replyOf(record);
  }

  /** One pass over the store: polls the jobs that are due, hands back those that ended. */
  async pollDue(): Promise<void> {
    let ids: string[];
    try {
      ids = await this.o.store.jobIds();
    } catch (e) {
      this.o.logger.warn('job store unreachable; polling later', { error: String(e) });
      return;
    }
    for (const jobId of ids) {
      if (this.abort.signal.aborted) return;
      try {
        await this.pollOne(jobId);
      } catch (e) {
        // Replicas poll the same jobs; losing the compare-and-set means another one recorded it.
        if (e instanceof RevisionConflictError)
          this.o.logger.debug('job changed by another replica', { jobId });
        else
          this.o.logger.warn('job poll failed', { jobId, error: e instanceof Error ? e.message : String(e) });
      }
    }
  }

  private async pollOne(jobId: string): Promise<void> {
    const found = await this.o.store.get(jobId);
    if (!found) {
      this.o.logger.warn(
        'a listed job has no record (expired from the jobs bucket or deleted): taken off the open jobs, not polled again',
        { jobId },
      );
      await this.o.store.closeJob(jobId);
      return;
    }
    if (found.record.handedBack) {
      // Another replica saw it end and counted its cost (and normally took it off the list); a reservation held here is just freed.
      this.o.admission.release(jobId);
      await this.o.store.closeJob(jobId);
      return;
    }
    const { record, revision } = found;
    if (TERMINAL_JOB_STATES.has(record.state)) {
      await this.handBack(jobId);
      return;
    }
    const now = this.o.clock.now();
    if (record.nextPollAt > now) return;
    const provider = this.o.providers.get(record.provider);
    let snapshot: JobSnapshot;
    if (!provider) {
      snapshot = {
        state: 'failed',
        vendorStatus: record.vendorStatus,
        reason: `provider ${record.provider} is no longer configured`,
      };
    } else if (now > record.deadline) {
      await provider.cancel(record.vendorJobId, this.abort.signal).catch(() => undefined);
      snapshot = {
        state: 'expired',
        vendorStatus: record.vendorStatus,
        reason: `no result before the deadline ${new Date(record.deadline).toISOString()}`,
      };
    } else {
      try {
        snapshot = await provider.poll(record.vendorJobId, record.spec, this.abort.signal);
        this.errors.delete(jobId);
      } catch (e) {
        const count = (this.errors.get(jobId) ?? 0) + 1;
        this.errors.set(jobId, count);
        const retryable = e instanceof JobVendorError ? e.retryable : true;
        if (this.abort.signal.aborted) return;
        if (retryable && count < (this.o.maxPollErrors ?? 10)) {
          await this.o.store.update(
            { ...record, nextPollAt: now + this.pollIntervalMs * Math.min(count + 1, 8) },
            revision,
          );
          return;
        }
        snapshot = {
          state: 'failed',
          vendorStatus: record.vendorStatus,
          reason: e instanceof Error ? e.message : String(e),
        };
      }
    }
    const next: JobRecord = {
      ...record,
      state: snapshot.state,
      vendorStatus: snapshot.vendorStatus,
      polls: record.polls + 1,
      nextPollAt: now + this.pollIntervalMs,
      ...(snapshot.outcome ? { outcome: snapshot.outcome } : {}),
      ...(snapshot.reason ? { reason: snapshot.reason } : {}),
      costUsd: snapshot.costUsd ?? record.costUsd,
    };
    await this.o.store.update(next, revision);
    if (TERMINAL_JOB_STATES.has(next.state)) {
      this.ledger(next, snapshot);
      await this.handBack(jobId);
    }
  }

  private ledger(record: JobRecord, snapshot: JobSnapshot): void {
    this.o.admission.settle(record.jobId, record.attribution, record.costUsd);
    this.o.records.ledger({
      id: `job:${record.jobId}`,
      at: new Date(this.o.clock.now()).toISOString(),
      requestId: record.jobId,
      attribution: record.attribution,
      provider: record.provider,
      model: record.spec.batch?.[0]?.model ?? record.provider,
      usage: snapshot.usage ?? ZERO,
      costUsd: record.costUsd,
      cached: false,
      waste: record.state === 'finished' ? 'none' : 'retry',
      wasteUsd: record.state === 'finished' ? 0 : record.costUsd,
    });
  }

  /** Publishes the JobFinished (deduplicated by job id) and marks the record handed back. */
  private async handBack(jobId: string): Promise<void> {
    const found = await this.o.store.get(jobId);
    if (!found || found.record.handedBack) return;
    const r = found.record;
    const message: JobFinished = {
      jobId: r.jobId,
      provider: r.provider,
      state: r.state,
      vendorStatus: r.vendorStatus,
      costUsd: r.costUsd,
      attribution: r.attribution,
      finishedAt: new Date(this.o.clock.now()).toISOString(),
      ...(r.outcome ? { outcome: r.outcome } : {}),
      ...(r.reason ? { reason: r.reason } : {}),
    };
    await this.o.results.finished(message);
    await this.o.store.update({ ...r, handedBack: true }, found.revision);
    await this.o.store.closeJob(jobId);
    this.o.logger.info('job handed back', {
      jobId,
      state: r.state,
      runId: r.attribution.runId,
      stepId: r.attribution.stepId,
    });
  }
}
