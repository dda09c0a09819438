/**
 * A job runner over in-memory shared state, a clock the test moves, and a result sink that keeps
 * what was handed back: for specs that drive job providers against the fake vendor.
 */
import type { JobFinished, ProvidersConfig } from '@agentflow/contracts';
import { BudgetGuard, type BudgetAlert } from '../../budget/budget-guard';
import type { BudgetRule } from '../../config/gateway-settings';
import { MemoryRecordSink } from '../../cost/record-sink';
import { JsonLineLogger } from '../../log/gateway-logger';
import { SecretScrubber } from '../../log/secret-scrubber';
import { PolicyState } from '../../policy/rules-only-switch';
import { Redactor } from '../../redaction/redactor';
import { systemClock } from '../../shared/clock';
import { MemoryKv } from '../../testing/memory-kv';
import { JobAdmission } from '../job-admission';
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
  /** The budgets every runner of this harness reserves from (shared, like the KV-backed ones). */
  budget: BudgetGuard;
  budgetAlerts: BudgetAlert[];
  /** A second runner on the same shared state (a restarted gateway). */
  restart(): JobRunner;
  /** Advances the clock one poll interval and runs one poll pass. */
  pollOnce(runner?: JobRunner): Promise<void>;
}

export const POLL_MS = 1000;

export interface JobHarnessOptions {
  start?: number;
  budgets?: BudgetRule[];
  neverSent?: string[];
  rulesOnly?: boolean;
}

export function jobHarness(
  config: ProvidersConfig,
  providers: Map<string, JobProvider>,
  options: JobHarnessOptions = {},
): JobHarness {
  let t = options.start ?? Date.parse('2026-01-10T10:00:00Z');
  const clock = { now: () => t, advance: (ms: number) => void (t += ms) };
  const kv = new MemoryKv('jobs');
  const results = new MemoryJobResults();
  const records = new MemoryRecordSink();
  const budgetKv = new MemoryKv('budgets');
  const budgetAlerts: BudgetAlert[] = [];
  const settings = { budgets: options.budgets ?? [], budgetLeaseUsd: 0.5, alertThresholds: [0.5, 0.8, 1] };
  const policy = new PolicyState(
    { neverSent: options.neverSent ?? [], rulesOnly: options.rulesOnly ?? false },
    undefined,
  );
  const guard = () =>
    new BudgetGuard(budgetKv, settings, { now: clock.now, sleep: systemClock.sleep }, (a) =>
      budgetAlerts.push(a),
    );
  let budget = guard();
  const make = (fresh: BudgetGuard) =>
    new JobRunner({
      providers,
      store: new JobStore(kv),
      results,
      records,
      policy: new JobPolicy(config.providers),
      admission: new JobAdmission({
        policy,
        redactor: new Redactor(),
        budget: fresh,
        records,
        providers: config.providers,
        clock,
      }),
      logger: new JsonLineLogger('silent', new SecretScrubber()),
      clock,
      pollIntervalMs: POLL_MS,
      maxJobMs: 3_600_000,
    });
  const runner = make(budget);
  return {
    runner,
    kv,
    results,
    records,
    clock,
    budgetAlerts,
    get budget() {
      return budget;
    },
    // A restarted gateway has no reservations in memory; it reads the budgets' shared records.
    restart: () => make((budget = guard())),
    async pollOnce(r = runner) {
      clock.advance(POLL_MS);
      await r.pollDue();
    },
  };
}
