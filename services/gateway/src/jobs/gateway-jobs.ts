/**
 * The job side of a gateway process: the job providers from providers.yml, the jobs bucket, the
 * hand-back stream, the poller and the request/reply transport, started and stopped together.
 */
import type { ProvidersConfig, Topology } from '@agentflow/contracts';
import type { MessageBus } from '@agentflow/bus';
import type { BudgetGuard } from '../budget/budget-guard';
import { ProviderKeys } from '../config/provider-keys';
import type { RecordSink } from '../cost/record-sink';
import type { GatewayLogger } from '../log/gateway-logger';
import type { SecretScrubber } from '../log/secret-scrubber';
import type { PolicyState } from '../policy/rules-only-switch';
import { Redactor } from '../redaction/redactor';
import { systemClock, type Clock } from '../shared/clock';
import { JobAdmission } from './job-admission';
import { JobPolicy } from './job-policy';
import type { JobProvider } from './job-provider';
import { JobStore } from './job-record';
import { buildJobProviders } from './job-registry';
import { BusJobResultSink, gatewayJobResultsStream, type JobResultSink } from './job-results';
import { JobRunner } from './job-runner';
import { JobsTransport } from './jobs-transport';

/** Bucket of job records; kept a month so a late status query still finds its job. */
export function gatewayJobsBucket(topology: Topology): string {
  return `${topology.prefix}_gateway_jobs`;
}

export interface JobsEnv {
  /** GATEWAY_JOB_POLL_MS: time between polls of one job. @default 15000 */
  pollIntervalMs: number;
  /** GATEWAY_JOB_MAX_MS: longest a job may run without a deadline of its own. @default 21600000 (6 h) */
  maxJobMs: number;
}

export function readJobsEnv(env: Readonly<Record<string, string | undefined>>): JobsEnv {
  const num = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0)
      throw new Error(`${name} must be a positive number of milliseconds, got ${raw}`);
    return n;
  };
  return {
    pollIntervalMs: num('GATEWAY_JOB_POLL_MS', 15_000),
    maxJobMs: num('GATEWAY_JOB_MAX_MS', 6 * 3_600_000),
  };
}

export interface GatewayJobsOptions {
  bus: MessageBus;
  topology: Topology;
  providersConfig: ProvidersConfig;
  records: RecordSink;
  logger: GatewayLogger;
  scrubber: SecretScrubber;
  /** The chat pipeline's policy (rules-only, never-sent paths): jobs obey the same switch. */
  policy: PolicyState;
  /** The chat pipeline's budgets: a job's cost counts against them like a chat call's. */
  budget: BudgetGuard;
  env: Readonly<Record<string, string | undefined>>;
  clock?: Pick<Clock, 'now'>;
  /** Replace the providers built from config. */
  providers?: Map<string, JobProvider>;
  /** Replace the stream hand-back (tests). */
  results?: JobResultSink;
}

export class GatewayJobs {
  runner: JobRunner | null = null;
  private transport: JobsTransport | null = null;

  constructor(private readonly o: GatewayJobsOptions) {}

  async start(): Promise<void> {
    const { bus, topology, logger } = this.o;
    const clock = this.o.clock ?? systemClock;
    const env = readJobsEnv(this.o.env);
    const providers =
      this.o.providers ??
      buildJobProviders(this.o.providersConfig, new ProviderKeys(this.o.env, this.o.scrubber), clock);
    const [kv] = await Promise.all([
      bus.kv(gatewayJobsBucket(topology), { maxAgeMs: 31 * 86_400_000 }),
      bus.ensureStream(gatewayJobResultsStream(topology)),
    ]);
    this.runner = new JobRunner({
      providers,
      store: new JobStore(kv, logger),
      results: this.o.results ?? new BusJobResultSink(bus, topology),
      records: this.o.records,
      policy: new JobPolicy(this.o.providersConfig.providers),
      logger,
      clock,
      pollIntervalMs: env.pollIntervalMs,
      maxJobMs: env.maxJobMs,
      admission: new JobAdmission({
        policy: this.o.policy,
        redactor: new Redactor(),
        budget: this.o.budget,
        records: this.o.records,
        providers: this.o.providersConfig.providers,
        clock,
      }),
    });
    this.runner.start();
    this.transport = new JobsTransport(bus, topology, this.runner, logger);
    await this.transport.start();
    logger.info('gateway jobs serving', {
      subject: topology.subjects.gatewayJobs,
      providers: [...providers.keys()],
    });
  }

  async stop(): Promise<void> {
    await this.transport?.stop();
    await this.runner?.stop();
    await this.o.records.flush();
  }
}
