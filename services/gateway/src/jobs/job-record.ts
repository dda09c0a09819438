/**
 * A job's durable record, one KV key per job (`job.<jobId>`) in the gateway's jobs bucket. Every
 * change is a compare-and-set, so two replicas polling the same job never both hand it back.
 */
import type { Attribution, JobOutcome, JobReply, JobState } from '@agentflow/contracts';
import type { KeyValueStore } from '@agentflow/bus';
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

export class JobStore {
  constructor(readonly kv: KeyValueStore) {}

  async get(jobId: string): Promise<{ record: JobRecord; revision: number } | null> {
    const entry = await this.kv.get(jobKey(jobId));
    if (!entry || entry.operation !== 'PUT') return null;
    return { record: JSON.parse(dec.decode(entry.value)) as JobRecord, revision: entry.revision };
  }

  async create(record: JobRecord): Promise<number> {
    return this.kv.create(jobKey(record.jobId), enc.encode(JSON.stringify(record)));
  }

  /** Compare-and-set; throws when another replica changed the record first. */
  async update(record: JobRecord, revision: number): Promise<number> {
    return this.kv.update(jobKey(record.jobId), enc.encode(JSON.stringify(record)), revision);
  }

  async jobIds(): Promise<string[]> {
    const keys = await this.kv.keys('job.>');
    return keys.map((k) => k.slice(4));
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
    status: 'ok', jobId: record.jobId, state: record.state, vendorStatus: record.vendorStatus,
    ...(record.outcome ? { outcome: record.outcome } : {}), ...(record.reason ? { reason: record.reason } : {}),
  };
}
