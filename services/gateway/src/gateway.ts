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
import { isPooledProvider, type PooledProvider } from './http/vendor-pool/pooled-provider';
import { Redactor } from './redaction/redactor';
import { ModelRouter } from './routing/model-router';
import { systemClock, type Clock } from './shared/clock';
import { observeBudgets, prometheusObserver } from './metrics/gateway-metrics';
import { ModelAvailability } from './models/model-availability';
import { AccountModelCheck, type AccountModelCheckOptions } from './models/account-models';

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
  /**
   * Keep-alive undici pools instead of the SDK client for the kinds whose manifest says `pooled`
   * (the service and `agentflow up` ask for them: the hot path of both fronts). @default false
   */
  pooledClients?: boolean;
  /**
   * Check each vendor's model list at start and every few hours and turn off the configured
   * models the account lacks: `auto` checks providers on the vendor's own API (no `baseUrl`),
   * `all` every provider with a key and a list API. @default 'off' (the service sets `auto`)
   */
  modelCheck?: 'off' | 'auto' | 'all';
  /** @default 6 hours */
  modelRecheckMs?: number;
  /** Tests replace the SDK model listers. */
  modelListerFor?: AccountModelCheckOptions['listerFor'];
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
  /** The pooled providers built, for their owner to close after {@link stop}. */
  readonly pooledProviders: readonly PooledProvider[];
  /** Providers configured but off (no key set), with the reason a caller sees. */
  readonly unavailableProviders: ReadonlyMap<string, string>;
  readonly instanceId: string;
  /** Configured models that must not be called now (retired, not in the account), and what serves them. */
  readonly models: ModelAvailability;
  /** The account's model lists, when `modelCheck` is on. */
  readonly accountCheck: AccountModelCheck | undefined;
  private readonly records: RecordSink;

  constructor(private readonly options: GatewayOptions) {
    const env = options.env ?? process.env;
    const clock = options.clock ?? systemClock;
    const { settings } = options;
    this.instanceId = options.instanceId ?? randomUUID();
    this.scrubber = new SecretScrubber();
    this.logger = new JsonLineLogger(
      options.logLevel ?? (env.LOG_LEVEL as LogLevel | undefined) ?? 'info',
      this.scrubber,
      options.logWrite,
    );
    const onError = (e: unknown) =>
      this.logger.warn('shared state operation failed', {
        error: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
      });
    const keys = new ProviderKeys(env, this.scrubber);
    const unavailable = new Map<string, string>();
    this.providers =
      options.providers ??
      buildChatProviders(options.providersConfig, {
        keys,
        scrub: this.scrubber.scrub,
        logger: this.logger,
        vertexAuthClient: options.vertexAuthClient,
        pooledClients: options.pooledClients,
        onUnavailable: (provider, reason) => {
          unavailable.set(provider, reason);
          this.logger.warn('provider off: no API key', { provider, reason });
        },
      });
    this.unavailableProviders = unavailable;
    this.pooledProviders = [...this.providers.values()].filter(isPooledProvider);
    this.policy = new PolicyState(settings.policy, env.GATEWAY_POLICY_FILE, onError);
    this.cache = new ResponseCache(
      options.state.cache,
      { ttlMs: settings.cache.ttlSeconds * 1000, maxLocalEntries: settings.cache.maxLocalEntries },
      clock,
      onError,
    );
    this.budget = new BudgetGuard(
      options.state.budgets,
      settings,
      clock,
      (alert) => {
        this.logger.warn('budget threshold crossed', { ...alert });
        options.onBudgetAlert?.(alert);
      },
      onError,
    );
    observeBudgets(this.budget);
    const config = options.providersConfig;
    this.limiter = new RateLimiter(
      options.state.limits,
      (provider, model) => ({
        ...config.providers[provider]?.limits,
        ...config.providers[provider]?.models[model]?.limits,
      }),
      clock,
      settings.rateLeaseFraction,
      settings.replicas,
      onError,
    );
    this.breakers = new CircuitBreakerBoard(
      options.state.limits,
      { ...settings.breaker, instanceId: this.instanceId },
      clock,
      onError,
    );
    this.breakers.onChange = (provider, model, state) => {
      this.logger.info('circuit breaker changed', { provider, model, state });
      prometheusObserver.breaker(provider, model, state);
    };
    this.records = typeof options.records === 'function' ? options.records(this.logger) : options.records;
    this.models = new ModelAvailability(config, clock);
    this.accountCheck =
      (options.modelCheck ?? 'off') === 'off'
        ? undefined
        : new AccountModelCheck({
            config,
            availability: this.models,
            logger: this.logger,
            keys: this.resolvedKeys(keys),
            scope: options.modelCheck === 'all' ? 'all' : 'auto',
            recheckMs: options.modelRecheckMs,
            listerFor: options.modelListerFor,
          });
    this.pipeline = new GatewayPipeline({
      config,
      settings,
      providers: this.providers,
      unavailable: this.unavailableProviders,
      policy: this.policy,
      redactor: new Redactor(),
      cache: this.cache,
      budget: this.budget,
      limiter: this.limiter,
      breakers: this.breakers,
      router: new ModelRouter(config, settings.downgradeBelow, this.models),
      prices: new PriceBook(config),
      records: this.records,
      logger: this.logger,
      clock,
      random: options.random,
    });
  }

  /** Starts the KV watches (breakers, cache, rules-only switch) and the policy file watch. */
  async start(): Promise<void> {
    await Promise.all([
      this.breakers.start(),
      this.cache.start(),
      this.policy.start(this.options.state.limits),
      this.accountCheck?.start(),
    ]);
    for (const off of this.models.offModels().filter((m) => m.reason === 'model_retired')) {
      this.logger.warn('model off: retired', {
        provider: off.provider,
        model: off.model,
        servedBy: off.servedBy ?? 'next in chain',
        reason: off.message,
      });
    }
  }

  /** The keys of the providers that are on, for the account check (a provider without one is off already). */
  private resolvedKeys(keys: ProviderKeys): Map<string, string> {
    const out = new Map<string, string>();
    for (const name of this.providers.keys()) {
      const config = this.options.providersConfig.providers[name];
      if (!config?.apiKey) continue;
      try {
        const key = keys.resolve(name, config);
        if (key) out.set(name, key);
      } catch {
        // No key: the provider is off and reported as such already.
      }
    }
    return out;
  }

  generate(request: GatewayRequest, signal?: AbortSignal): Promise<GatewayResponse> {
    return this.pipeline.generate(request, signal);
  }

  /** Stops the watches and writes pending spend and records. */
  async stop(): Promise<void> {
    this.accountCheck?.stop();
    this.breakers.stop();
    this.cache.stop();
    this.policy.stop();
    await this.budget.flush();
    await this.records.flush();
  }
}
