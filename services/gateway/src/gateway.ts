/**
 * Builds a working gateway from its configuration and the shared state it needs (three KV
 * buckets), and starts the watches that keep its local copies current. The NATS transport and the
 * HTTP front (next issue) both call {@link Gateway.generate}.
 */
import { randomUUID } from 'node:crypto';
import type { GatewayRequest, GatewayResponse, ProvidersConfig, Topology } from '@agentflow/contracts';
import type { KeyValueStore, MessageBus } from '@agentflow/bus';
import { BudgetGuard, type BudgetAlert } from './budget/budget-guard';
import { CircuitBreakerBoard } from './breaker/circuit-breaker';
import { ResponseCache } from './cache/response-cache';
import type { GatewaySettings } from './config/gateway-settings';
import { ProviderKeys } from './config/provider-keys';
import { PriceBook } from './cost/price-book';
import type { RecordSink } from './cost/record-sink';
import { RateLimiter } from './limits/rate-limiter';
import { JsonLineLogger, type GatewayLogger, type LogLevel } from './log/gateway-logger';
import { SecretScrubber } from './log/secret-scrubber';
import { GatewayPipeline } from './pipeline';
import { PolicyState } from './policy/rules-only-switch';
import type { ChatProvider } from './providers/chat-provider';
import { buildChatProviders, type ProviderBuildContext } from './providers/registry';
import { Redactor } from './redaction/redactor';
import { ModelRouter } from './routing/model-router';
import { systemClock, type Clock } from './shared/clock';
import { prometheusObserver } from './metrics/gateway-metrics';

/** The KV buckets a gateway shares with its replicas. */
export interface GatewayState {
  /** Breakers, rate-limit minutes, the rules-only switch (short-lived keys). */
  limits: KeyValueStore;
  /** Budget periods (kept for at least a month). */
  budgets: KeyValueStore;
  /** Response cache entries. */
  cache: KeyValueStore;
}

const DAY = 86_400_000;

/** Opens (creating when absent) the gateway's buckets, named from the topology's prefix. */
export async function openGatewayState(bus: MessageBus, topology: Topology): Promise<GatewayState> {
  const [limits, budgets, cache] = await Promise.all([
    bus.kv(topology.buckets.limits, topology.bucketSettings.limits),
    bus.kv(`${topology.buckets.limits}_budgets`, { maxAgeMs: 40 * DAY }),
    bus.kv(topology.buckets.cache, topology.bucketSettings.cache),
  ]);
  return { limits, budgets, cache };
}

export interface GatewayOptions {
  providersConfig: ProvidersConfig;
  settings: GatewaySettings;
  state: GatewayState;
  /** Where ledger and audit records go, or a factory given the gateway's (scrubbing) logger. */
  records: RecordSink | ((logger: GatewayLogger) => RecordSink);
  env?: Readonly<Record<string, string | undefined>>;
  /** @default env.LOG_LEVEL or 'info' */
  logLevel?: LogLevel;
  /** Where log lines go. @default stdout */
  logWrite?: (line: string) => void;
  clock?: Clock;
  random?: () => number;
  /** This replica's id in shared state. @default a random uuid */
  instanceId?: string;
  /** Budget alerts (50/80/100%); logged as warnings too. */
  onBudgetAlert?: (alert: BudgetAlert) => void;
  /** Replace the providers built from config (tests may wrap them). */
  providers?: Map<string, ChatProvider>;
  vertexAuthClient?: ProviderBuildContext['vertexAuthClient'];
}

export class Gateway {
  readonly pipeline: GatewayPipeline;
  readonly breakers: CircuitBreakerBoard;
  readonly cache: ResponseCache;
  readonly budget: BudgetGuard;
  readonly limiter: RateLimiter;
  readonly policy: PolicyState;
  readonly scrubber: SecretScrubber;
  readonly logger: GatewayLogger;
  readonly providers: Map<string, ChatProvider>;
  /** Providers configured but off (no key set), with the reason a caller sees. */
  readonly unavailableProviders: ReadonlyMap<string, string>;
  readonly instanceId: string;
  private readonly records: RecordSink;

  constructor(private readonly options: GatewayOptions) {
    const env = options.env ?? process.env;
    const clock = options.clock ?? systemClock;
    const { settings } = options;
    this.instanceId = options.instanceId ?? randomUUID();
    this.scrubber = new SecretScrubber();
    this.logger = new JsonLineLogger(options.logLevel ?? ((env.LOG_LEVEL as LogLevel | undefined) ?? 'info'), this.scrubber, options.logWrite);
    const onError = (e: unknown) => this.logger.warn('shared state operation failed', { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    const keys = new ProviderKeys(env, this.scrubber);
    const unavailable = new Map<string, string>();
    this.providers = options.providers ?? buildChatProviders(options.providersConfig, {
      keys, scrub: this.scrubber.scrub, logger: this.logger, vertexAuthClient: options.vertexAuthClient,
      onUnavailable: (provider, reason) => {
        unavailable.set(provider, reason);
        this.logger.warn('provider off: no API key', { provider, reason });
      },
    });
    this.unavailableProviders = unavailable;
    this.policy = new PolicyState(settings.policy, env.GATEWAY_POLICY_FILE, onError);
    this.cache = new ResponseCache(options.state.cache, { ttlMs: settings.cache.ttlSeconds * 1000, maxLocalEntries: settings.cache.maxLocalEntries }, clock, onError);
    this.budget = new BudgetGuard(options.state.budgets, settings, clock, (alert) => {
      this.logger.warn('budget threshold crossed', { ...alert });
      options.onBudgetAlert?.(alert);
    }, onError);
    const config = options.providersConfig;
    this.limiter = new RateLimiter(
      options.state.limits,
      (provider, model) => ({ ...config.providers[provider]?.limits, ...config.providers[provider]?.models[model]?.limits }),
      clock, settings.rateLeaseFraction, settings.replicas, onError,
    );
    this.breakers = new CircuitBreakerBoard(options.state.limits, { ...settings.breaker, instanceId: this.instanceId }, clock, onError);
    this.breakers.onChange = (provider, model, state) => {
      this.logger.info('circuit breaker changed', { provider, model, state });
      prometheusObserver.breaker(provider, model, state);
    };
    this.records = typeof options.records === 'function' ? options.records(this.logger) : options.records;
    this.pipeline = new GatewayPipeline({
      config, settings, providers: this.providers, unavailable: this.unavailableProviders, policy: this.policy, redactor: new Redactor(), cache: this.cache, budget: this.budget,
      limiter: this.limiter, breakers: this.breakers, router: new ModelRouter(config, settings.downgradeBelow), prices: new PriceBook(config),
      records: this.records, logger: this.logger, clock, random: options.random,
    });
  }

  /** Starts the KV watches (breakers, cache, rules-only switch) and the policy file watch. */
  async start(): Promise<void> {
    await Promise.all([this.breakers.start(), this.cache.start(), this.policy.start(this.options.state.limits)]);
  }

  generate(request: GatewayRequest, signal?: AbortSignal): Promise<GatewayResponse> {
    return this.pipeline.generate(request, signal);
  }

  /** Stops the watches and writes pending spend and records. */
  async stop(): Promise<void> {
    this.breakers.stop();
    this.cache.stop();
    this.policy.stop();
    await this.budget.flush();
    await this.records.flush();
  }
}
