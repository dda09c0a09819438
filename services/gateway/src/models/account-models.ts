/**
 * Checks the account, not the file: lists each vendor's models with the provider's own key
 * (`GET /v1/models` through the official SDKs' `models.list()`: Anthropic, OpenAI and
 * OpenAI-compatible servers such as vLLM and Ollama) and turns off, with one log line, the
 * configured models the account cannot use. Kinds without a model list the gateway can read
 * (Azure deployments, Bedrock, Vertex, job vendors) are not checked. It re-checks every few hours;
 * a list that cannot be read (network, 5xx) leaves the last answer in place rather than turning a
 * vendor's every model off on one failed call.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { ProviderConfig, ProvidersConfig } from '@agentflow/contracts';
import type { GatewayLogger } from '../log/gateway-logger';
import type { ModelAvailability } from './model-availability';

/** Lists the model ids an account may use. */
export type ModelLister = () => Promise<string[]>;

/** @default 6 hours: vendors add and withdraw models by announcement, not by the minute. */
export const DEFAULT_RECHECK_MS = 6 * 3_600_000;

/** The lister for a provider's kind, or undefined when the kind has no model list the gateway reads. */
export function modelListerFor(config: ProviderConfig, apiKey: string): ModelLister | undefined {
  const timeout = 15_000;
  switch (config.kind) {
    case 'anthropic': {
      const client = new Anthropic({ apiKey, baseURL: config.baseUrl, maxRetries: 0, timeout });
      return async () => {
        const ids: string[] = [];
        for await (const m of client.models.list({ limit: 1000 })) ids.push(m.id);
        return ids;
      };
    }
    case 'openai':
    case 'openai-compatible': {
      if (config.kind === 'openai-compatible' && !config.baseUrl) return undefined;
      const headers = (config.options?.headers ?? undefined) as Record<string, string> | undefined;
      const client = new OpenAI({
        apiKey,
        baseURL: config.baseUrl,
        maxRetries: 0,
        timeout,
        defaultHeaders: headers,
      });
      return async () => {
        const ids: string[] = [];
        for await (const m of client.models.list()) ids.push(m.id);
        return ids;
      };
    }
    default:
      return undefined;
  }
}

/** What one provider's check found. */
export type ProviderCheck =
  | { provider: string; state: 'checked'; listed: number; missing: string[] }
  | { provider: string; state: 'not-checked'; why: string }
  | { provider: string; state: 'failed'; why: string; status?: number };

export interface AccountModelCheckOptions {
  config: ProvidersConfig;
  availability: ModelAvailability;
  logger: GatewayLogger;
  /** Providers to check, with their keys (the gateway resolves them once at start-up). */
  keys: ReadonlyMap<string, string>;
  /** Which providers to check: those on the vendor's own API (`auto`: no `baseUrl`), or every one with a key. @default 'auto' */
  scope?: 'auto' | 'all';
  /** @default {@link DEFAULT_RECHECK_MS} */
  recheckMs?: number;
  /** Tests replace the SDK listers. */
  listerFor?: (name: string, config: ProviderConfig, apiKey: string) => ModelLister | undefined;
}

export class AccountModelCheck {
  private timer: NodeJS.Timeout | undefined;
  private last: ProviderCheck[] = [];

  constructor(private readonly o: AccountModelCheckOptions) {}

  /** The newest result per provider. */
  get results(): readonly ProviderCheck[] {
    return this.last;
  }

  /** Checks now, then every `recheckMs` (the timer does not hold the process open). */
  async start(): Promise<void> {
    await this.run();
    this.timer = setInterval(() => void this.run(), this.o.recheckMs ?? DEFAULT_RECHECK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass over every provider with a key. */
  async run(): Promise<ProviderCheck[]> {
    const results = await Promise.all([...this.o.keys].map(([name, key]) => this.check(name, key)));
    this.last = results;
    return results;
  }

  private async check(name: string, key: string): Promise<ProviderCheck> {
    const config = this.o.config.providers[name];
    if (!config || config.enabled === false)
      return { provider: name, state: 'not-checked', why: 'provider is off' };
    if ((this.o.scope ?? 'auto') === 'auto' && config.baseUrl) {
      return {
        provider: name,
        state: 'not-checked',
        why: "baseUrl is set (not the vendor's own API); set GATEWAY_MODEL_CHECK=on to check it too",
      };
    }
    const lister = (this.o.listerFor ?? ((_n, c, k) => modelListerFor(c, k)))(name, config, key);
    if (!lister)
      return {
        provider: name,
        state: 'not-checked',
        why: `kind ${config.kind} has no model list the gateway reads`,
      };
    let listed: string[];
    try {
      listed = await lister();
    } catch (error) {
      const status = (error as { status?: number }).status;
      const why = error instanceof Error ? error.message : String(error);
      this.o.logger.warn('model list unavailable: configured models stay as they were', {
        provider: name,
        status,
        error: why,
      });
      return { provider: name, state: 'failed', why, ...(status !== undefined ? { status } : {}) };
    }
    const have = new Set(listed);
    const missing = new Map<string, string>();
    for (const model of Object.keys(config.models)) {
      if (have.has(model)) continue;
      const replacement = config.models[model].replacement;
      const instead = replacement
        ? `its steps go to its replacement ${replacement}`
        : 'its steps go to the next model of their chain';
      missing.set(
        model,
        `${name}/${model} is not in the account's model list (GET /v1/models); ${instead}. Ask the vendor for access, or remove it from providers.yml`,
      );
    }
    this.o.availability.setAccountMissing(name, missing);
    if (missing.size > 0) {
      this.o.logger.warn('models off: the account cannot use them', {
        provider: name,
        models: [...missing.keys()],
        servedBy: Object.fromEntries(
          [...missing.keys()].map((m) => [m, this.o.availability.replacement(name, m) ?? 'next in chain']),
        ),
      });
    }
    return { provider: name, state: 'checked', listed: listed.length, missing: [...missing.keys()] };
  }
}
