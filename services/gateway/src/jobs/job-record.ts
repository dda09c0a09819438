/**
 * A job's durable record, one KV key per job (`job.<jobId>`) in the gateway's jobs bucket. Every
 * change is a compare-and-set, so two replicas polling the same job never both hand it back.
 *
 * The jobs not handed back yet are listed in one key (`index.open`), also changed by
 * compare-and-set, so a poll is one read. Listing the bucket's keys instead costs an ordered
 * consumer on the server per call, which lingers for minutes after it (8,600 of them at a 200 ms
 * poll under chaos, issue 17); the key listing is done once per process, to take in jobs written
 * by a replica that died between the record and the index.
 */
import type { Attribution, JobOutcome, JobReply, JobState } from '@agentflow/contracts';
import { RevisionConflictError, type KeyValueStore } from '@agentflow/bus';
import type { JobSpec } from './job-provider';

export interface JobRecord {
  jobId: string;
  provider: string;
  vendorJobId: string;
  spec: JobSpec;
  attribution: Attribution;
  dataClass: string;
  state: JobState;
  vendorStatus: string;
  outcome?: JobOutcome;
  reason?: string;
  costUsd: number;
  submittedAt: string;
  /** Epoch ms after which polling stops and the job is reported `expired`. */
  deadline: number;
  /** Epoch ms of the next poll; a restarted gateway resumes from here. */
  nextPollAt: number;
  polls: number;
  /** Set once the JobFinished message is on the stream, so a restart does not publish it again. */
  handedBack: boolean;
  /** A cancel was asked for; the poller tells the vendor and records `cancelled`. */
  cancelRequested?: boolean;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function jobKey(jobId: string): string {
  return `job.${jobId}`;
}

/** Key for the launch request id, so a repeated launch returns the first job. */
export function launchKey(requestId: string): string {
  return `launch.${Buffer.from(requestId).toString('base64url')}`;
}

/** The key listing the ids of the jobs not handed back yet. */
export const OPEN_JOBS_KEY = 'index.open';

/** Compare-and-set attempts on the index before an edit gives up (replicas edit it only on launch and hand-back). */
const INDEX_ATTEMPTS = 20;

export class JobStore {
  private seeded = false;

  constructor(
    readonly kv: KeyValueStore,
    private readonly log?: { warn(message: string, fields?: Record<string, unknown>): void },
  ) {}

  async get(jobId: string): Promise<{ record: JobRecord; revision: number } | null> {
    const entry = await this.kv.get(jobKey(jobId));
    if (!entry || entry.operation !== 'PUT') return null;
    return { record: JSON.parse(dec.decode(entry.value)) as JobRecord, revision: entry.revision };
  }

  /** Writes a new job's record, then lists it among the open jobs. */
  async create(record: JobRecord): Promise<number> {
    const revision = await this.kv.create(jobKey(record.jobId), enc.encode(JSON.stringify(record)));
    await this.editIndex((ids) => (ids.includes(record.jobId) ? null : [...ids, record.jobId]));
    return revision;
  }

  /** Compare-and-set; throws when another replica changed the record first. */
  async update(record: JobRecord, revision: number): Promise<number> {
    return this.kv.update(jobKey(record.jobId), enc.encode(JSON.stringify(record)), revision);
  }

  /** The ids of the jobs not handed back yet: one read of the index (the first call also lists the bucket's keys, once). */
  async jobIds(): Promise<string[]> {
    if (!this.seeded) {
      const stored = (await this.kv.keys('job.>')).map((k) => k.slice(4));
      const listed = await this.readIndex();
      const missing: string[] = [];
      for (const id of stored.filter((i) => !listed.ids.includes(i))) {
        // A job written before its index entry (its replica died in between) is taken in here.
        const found = await this.get(id);
        if (found && !found.record.handedBack) missing.push(id);
      }
      if (missing.length > 0)
        await this.editIndex((ids) => [...ids, ...missing.filter((id) => !ids.includes(id))]);
      this.seeded = true;
    }
    return (await this.readIndex()).ids;
  }

  /** Takes a job off the open list: it was handed back, or its record is gone. */
  async closeJob(jobId: string): Promise<void> {
    await this.editIndex((ids) => (ids.includes(jobId) ? ids.filter((id) => id !== jobId) : null));
  }

  private async readIndex(): Promise<{ ids: string[]; revision: number | null }> {
    const entry = await this.kv.get(OPEN_JOBS_KEY);
    if (!entry || entry.operation !== 'PUT') return { ids: [], revision: entry ? entry.revision : null };
    return { ids: entry.json<string[]>(), revision: entry.revision };
  }

  /** Applies `edit` (null: nothing to change) to the index by compare-and-set, again on a conflict. */
  private async editIndex(edit: (ids: string[]) => string[] | null): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const { ids, revision } = await this.readIndex();
      const next = edit(ids);
      if (!next) return;
      const data = enc.encode(JSON.stringify(next));
      try {
        if (revision === null) await this.kv.create(OPEN_JOBS_KEY, data);
        else await this.kv.update(OPEN_JOBS_KEY, data, revision);
        return;
      } catch (e) {
        const conflict = e instanceof RevisionConflictError;
        if (!conflict || attempt >= INDEX_ATTEMPTS) {
          this.log?.warn(
            'could not update the open-jobs index; the next start of a gateway lists the jobs bucket to find them again',
            {
              attempts: attempt,
              error: e instanceof Error ? e.message : String(e),
            },
          );
          throw e;
        }
      }
    }
  }

  /** Gives a launch request id back after a launch that started nothing (refused, or the vendor failed). */
  async releaseLaunch(requestId: string): Promise<void> {
    await this.kv.delete(launchKey(requestId));
  }

  /** Claims a launch request id; resolves with the job id already holding it, or null when claimed now. */
  async claimLaunch(requestId: string, jobId: string): Promise<string | null> {
    try {
      await this.kv.create(launchKey(requestId), enc.encode(jobId));
      return null;
    } catch {
      const entry = await this.kv.get(launchKey(requestId));
      return entry ? dec.decode(entry.value) : null;
    }
  }
}

export function replyOf(record: JobRecord): JobReply {
  return {
    status: 'ok',
    jobId: record.jobId,
    state: record.state,
    vendorStatus: record.vendorStatus,
    ...(record.outcome ? { outcome: record.outcome } : {}),
    ...(record.reason ? { reason: record.reason } : {}),
  };
}
