/**
 * A job runner over in-memory shared state, a clock the test moves, and a result sink that keeps
 * what was handed back: for specs that drive job providers against the fake vendor.
 */
import type { JobFinished, ProvidersConfig } from '@agentflow/contracts';
import { MemoryRecordSink } from '../../cost/record-sink';
import { JsonLineLogger } from '../../log/gateway-logger';
import { SecretScrubber } from '../../log/secret-scrubber';
import { MemoryKv } from '../../testing/memory-kv';
import { JobPolicy } from '../job-policy';
import type { JobProvider } from '../job-provider';
import { JobStore } from '../job-record';
import type { JobResultSink } from '../job-results';
import { JobRunner } from '../job-runner';

export class MemoryJobResults implements JobResultSink {
  readonly messages: JobFinished[] = [];
  async finished(message: JobFinished): Promise<void> {
    // Same dedupe as the stream's message id: a repeated hand-back of one job is dropped.
    if (!this.messages.some((m) => m.jobId === message.jobId)) this.messages.push(message);
  }
}

export interface JobHarness {
  runner: JobRunner;
  kv: MemoryKv;
  results: MemoryJobResults;
  records: MemoryRecordSink;
  clock: { now(): number; advance(ms: number): void };
  /** A second runner on the same shared state (a restarted gateway). */
  restart(): JobRunner;
  /** Advances the clock one poll interval and runs one poll pass. */
  pollOnce(runner?: JobRunner): Promise<void>;
}

export const POLL_MS = 1000;

export function jobHarness(config: ProvidersConfig, providers: Map<string, JobProvider>, start = Date.parse('2026-01-10T10:00:00Z')): JobHarness {
  let t = start;
  const clock = { now: () => t, advance: (ms: number) => void (t += ms) };
  const kv = new MemoryKv('jobs');
  const results = new MemoryJobResults();
  const records = new MemoryRecordSink();
  const make = () => new JobRunner({
    providers, store: new JobStore(kv), results, records, policy: new JobPolicy(config.providers),
    logger: new JsonLineLogger('silent', new SecretScrubber()), clock, pollIntervalMs: POLL_MS, maxJobMs: 3_600_000,
  });
  const runner = make();
  return {
    runner, kv, results, records, clock, restart: make,
    async pollOnce(r = runner) {
      clock.advance(POLL_MS);
      await r.pollDue();
    },
  };
}
