/**
 * The gateway pipeline, per request: policy (rules-only, never-sent paths, data classes) ->
 * redaction -> cache -> model choice -> for each target along the chain: breaker -> budget
 * reservation -> rate limit -> vendor call with retries -> settle cost -> ledger and audit.
 * Everything it reads per request is in memory; the only network call on the hot path is the
 * vendor's. Callable in-process (the HTTP front) or through {@link GatewayNatsTransport}.
 */
import { randomUUID } from 'node:crypto';
import type {
  GatewayRequest,
  GatewayResponse,
  ProviderAttempt,
  ProviderTarget,
  ProvidersConfig,
} from '@agentflow/contracts';
import type { AuditRecord } from './audit/audit-record';
import type { BudgetGuard, BudgetTicket } from './budget/budget-guard';
import type { CircuitBreakerBoard } from './breaker/circuit-breaker';
import { cacheKey, type ResponseCache } from './cache/response-cache';
import type { GatewaySettings, Tier } from './config/gateway-settings';
import { estimatePromptTokens, type PriceBook } from './cost/price-book';
import type { LedgerEntry, WasteKind } from './cost/ledger-entry';
import type { RecordSink } from './cost/record-sink';
import { BudgetExceeded } from './errors';
import { RateLimitWaitTooLong, type RateLimiter } from './limits/rate-limiter';
import type { GatewayLogger } from './log/gateway-logger';
import { allowsDataClass, type PolicyState } from './policy/rules-only-switch';
import type { ChatProvider, ChatResult, TokenCounts } from './providers/chat-provider';
import { endVendorSpan, inVendorSpan, startVendorSpan } from './telemetry/vendor-span';
import { OUTAGE_FAILURES, ProviderError, type ProviderFailure } from './providers/provider-error';
import type { Redacted, Redactor } from './redaction/redactor';
import { decideRetry } from './retry/backoff';
import { ProviderChain } from './fallback/provider-chain';
import type { ModelRouter } from './routing/model-router';
import type { Clock } from './shared/clock';
import { prometheusObserver, type PipelineObserver } from './metrics/gateway-metrics';

export interface PipelineDeps {
  config: ProvidersConfig;
  settings: GatewaySettings;
  providers: Map<string, ChatProvider>;
  /** Providers configured but off for want of a key, and why: skipped with that reason, never called. */
  unavailable?: ReadonlyMap<string, string>;
  policy: PolicyState;
  redactor: Redactor;
  cache: ResponseCache;
  budget: BudgetGuard;
  limiter: RateLimiter;
  breakers: CircuitBreakerBoard;
  router: ModelRouter;
  prices: PriceBook;
  records: RecordSink;
  logger: GatewayLogger;
  clock: Clock;
  random?: () => number;
  /** Metrics; Prometheus through the telemetry library by default. */
  observer?: PipelineObserver;
}

/**
 * Receives a streamed answer. Nothing is sent before {@link start}: until then a failed call is
 * retried or falls back as in a plain call; from then on the client has bytes and a break ends the stream.
 */
export interface PipelineStreamSink {
  /** The first piece is here (from `provider`/`model`); `usage` is what the vendor reported so far. */
  start(from: { provider: string; model: string; usage?: TokenCounts }): void;
  /** A piece of the answer: text, or for structured output a piece of the JSON. */
  piece(text: string): void;
}

/** Why a request was aborted, as the transport says it: a cancelled run's spend is marked superseded. */
export const ABORT_SUPERSEDED = 'superseded';

const ZERO: TokenCounts = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
/** Outcomes that mean "the vendor is unavailable right now": when every attempt ends so, the answer is deferred. */
const UNAVAILABLE = new Set([
  'rate_limited',
  'overloaded',
  'server_error',
  'timeout',
  'network',
  'breaker_open',
]);

function addUsage(a: TokenCounts, b: TokenCounts): TokenCounts {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
  };
}

/** Per-request working state. */
interface Walk {
  req: GatewayRequest;
  redacted: Redacted;
  signal: AbortSignal;
  attempts: ProviderAttempt[];
  usage: TokenCounts;
  costUsd: number;
  vendorMs: number;
  primary: ProviderTarget;
  callNo: number;
  retryAt?: number;
  /** The latest output a vendor gave outside the response schema, kept for when nothing better comes. */
  unstructured?: { text: string; provider: string; model: string };
  /** Streamed requests: where the pieces go, and whether the first one went (no retry, no fallback after it). */
  sink?: PipelineStreamSink;
  committed: boolean;
}

type CallOutcome = { ok: true; result: ChatResult; costUsd: number } | { ok: false; error: ProviderError };

export class GatewayPipeline {
  private readonly random: () => number;
  private readonly observer: PipelineObserver;

  constructor(private readonly d: PipelineDeps) {
    this.random = d.random ?? Math.random;
    this.observer = d.observer ?? prometheusObserver;
  }

  /**
   * Answers one request. Never throws: every outcome, the gateway's own trouble included, is in the response.
   * `abort` is the caller's cancel: a signal, or a controller the caller made for this request alone,
   * which the pipeline then also aborts at the deadline instead of making and linking one of its own
   * (the HTTP front's hot path: an AbortController and its listeners cost as much as a policy check).
   */
  generate(req: GatewayRequest, abort?: AbortSignal | AbortController): Promise<GatewayResponse> {
    return this.serve(req, abort, undefined);
  }

  /**
   * Answers one request as a stream: the vendor is called streaming and each piece goes to `sink`
   * as it arrives, through the same policy, redaction, cache, budget, limits, breaker, ledger and
   * audit as {@link generate}. Resolves, like it, with the whole outcome. A response that never
   * called `sink.start` (a cache hit, a provider that cannot stream, a failure before the first
   * piece) is for the caller to send whole; one that did and is not `ok` broke midway, its spend
   * booked and nothing cached.
   */
  stream(
    req: GatewayRequest,
    sink: PipelineStreamSink,
    abort?: AbortSignal | AbortController,
  ): Promise<GatewayResponse> {
    return this.serve(req, abort, sink);
  }

  private async serve(
    req: GatewayRequest,
    abort: AbortSignal | AbortController | undefined,
    sink: PipelineStreamSink | undefined,
  ): Promise<GatewayResponse> {
    const { clock } = this.d;
    const owned = abort instanceof AbortController;
    const signal = owned ? undefined : abort;
    const controller = owned ? abort : new AbortController();
    const onAbort = () => controller.abort(signal?.reason ?? 'aborted');
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    // setTimeout fires at once past 2^31-1 ms: a deadline weeks away must not abort immediately.
    const untilDeadline = Math.min(req.deadline - clock.now(), 2_147_483_647);
    const deadlineTimer = setTimeout(() => controller.abort('deadline'), Math.max(0, untilDeadline));
    try {
      return await this.run(req, controller.signal, sink);
    } catch (error) {
      // Shared state (KV) failing is the gateway's trouble, not the vendor's: say so, and let the step retry.
      this.d.logger.error('gateway pipeline failed', {
        requestId: req.requestId,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      return this.answer(
        req,
        {},
        {
          errorCode: 'gateway_unavailable',
          errorMessage: 'the gateway could not reach its shared state; retry the step',
        },
      );
    } finally {
      clearTimeout(deadlineTimer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private answer(req: GatewayRequest, walk: Partial<Walk>, rest: Partial<GatewayResponse>): GatewayResponse {
    return {
      requestId: req.requestId,
      status: 'failed',
      usage: walk.usage ?? { ...ZERO },
      costUsd: walk.costUsd ?? 0,
      cached: false,
      attempts: walk.attempts ?? [],
      vendorMs: walk.vendorMs ?? 0,
      ...rest,
    };
  }

  private async run(
    req: GatewayRequest,
    signal: AbortSignal,
    sink: PipelineStreamSink | undefined,
  ): Promise<GatewayResponse> {
    const { policy, clock } = this.d;
    if (signal.aborted) return this.answer(req, {}, this.abortedFields(signal));
    if (req.deadline <= clock.now())
      return this.answer(
        req,
        {},
        { errorCode: 'deadline_exceeded', errorMessage: 'the deadline had passed when the request arrived' },
      );

    if (policy.rulesOnly) {
      this.auditDenied(req, 'rules-only');
      return this.answer(
        req,
        {},
        {
          errorCode: 'policy_denied',
          errorMessage: 'rules-only mode is on: no vendor is called; run the deterministic analysers only',
        },
      );
    }
    const blocked = policy.neverSent.blocked(req.paths.map((p) => p.path));
    if (blocked.length) {
      this.auditDenied(req, 'never-sent');
      return this.answer(
        req,
        {},
        {
          errorCode: 'policy_denied',
          errorMessage: `never-sent paths in the request: ${blocked.slice(0, 5).join(', ')}; leave them out of the prompt`,
        },
      );
    }
    const allowed = req.providers.filter((t) => {
      const p = this.d.config.providers[t.provider];
      return p && allowsDataClass(p.dataClasses, req.dataClass);
    });
    if (!allowed.length) {
      this.auditDenied(req, 'data-class');
      return this.answer(
        req,
        {},
        {
          errorCode: 'policy_denied',
          errorMessage: `no provider in the chain may receive data class ${req.dataClass}`,
        },
      );
    }

    const redacted = this.d.redactor.redact(req.system, req.messages);
    // Hashed only for a request that uses the cache: the key is a sha256 over the whole prompt.
    const key =
      req.cache === false
        ? undefined
        : cacheKey({
            providers: req.providers,
            system: redacted.system,
            messages: redacted.messages,
            maxTokens: req.maxTokens,
            temperature: req.temperature,
            responseSchema: req.responseSchema,
            complexity: req.complexity,
            dataClass: req.dataClass,
          });
    if (key !== undefined) {
      const hit = this.d.cache.get(key);
      this.observer.cache(hit !== undefined);
      if (hit) {
        this.ledger(req, hit.provider, hit.model, ZERO, 0, 'none', 0, `${req.requestId}:cache`, true);
        return this.answer(
          req,
          {},
          {
            status: 'ok',
            text: hit.text,
            structured: hit.structured,
            provider: hit.provider,
            model: hit.model,
            cached: true,
          },
        );
      }
    }

    const offTargets: Array<{ target: ProviderTarget; outcome: string; message: string }> = [];
    const chain = this.d.router.route(
      allowed,
      req.complexity as Tier | undefined,
      this.d.budget.remainingFraction(req.attribution),
      (target, off, instead) => {
        offTargets.push({
          target,
          outcome: off.reason,
          message: `${off.message}; ${instead ? `routed to ${instead.provider}/${instead.model}` : 'skipped'}`,
        });
      },
    );
    const walk: Walk = {
      req,
      redacted,
      signal,
      attempts: [],
      usage: { ...ZERO },
      costUsd: 0,
      vendorMs: 0,
      primary: chain[0],
      callNo: 0,
      sink,
      committed: false,
    };
    // A model that is off was never called: the answer's attempts and the audit trail say which
    // and why, as for any fallback, so a step served by a replacement is visible after the fact.
    for (const [i, off] of offTargets.entries()) {
      this.attempt(walk, off.target, off.outcome, 0, off.message);
      this.audit(
        req,
        redacted,
        off.target,
        off.outcome,
        undefined,
        `${req.requestId}:off:${i}`,
        new Date(clock.now()).toISOString(),
      );
    }
    const plan = new ProviderChain(chain, this.d.router, req.dataClass, (p) => this.d.providers.has(p));
    for (let target = plan.next(); target; target = plan.next()) {
      if (signal.aborted) return this.answer(req, walk, this.abortedFields(signal));
      let outcome: CallOutcome;
      try {
        outcome = await this.tryTarget(walk, target);
      } catch (error) {
        if (error instanceof BudgetExceeded) {
          // Larger than the whole limit: deferring it would only fail again next period.
          if (error.neverFits)
            return this.answer(req, walk, {
              status: 'failed',
              errorCode: 'request_over_budget',
              errorMessage: error.message,
            });
          return this.answer(req, walk, {
            status: 'deferred',
            errorCode: 'budget_exceeded',
            errorMessage: error.message,
            retryAt: error.retryAt,
          });
        }
        throw error;
      }
      if (outcome.ok) {
        const { result } = outcome;
        if (key !== undefined) {
          this.d.cache.put(key, {
            text: result.text,
            structured: result.structured,
            provider: target.provider,
            model: target.model,
            usage: result.usage,
          });
        }
        return this.answer(req, walk, {
          status: 'ok',
          text: result.text,
          structured: result.structured,
          provider: target.provider,
          model: target.model,
        });
      }
      if (walk.committed) {
        // The client has part of the answer: another vendor's answer cannot continue it.
        if (signal.aborted) return this.answer(req, walk, this.abortedFields(signal));
        return this.answer(req, walk, {
          status: 'failed',
          errorCode: 'stream_broken',
          provider: target.provider,
          model: target.model,
          errorMessage: `${outcome.error.message}; the stream broke after the first bytes were sent, so it was not retried`,
        });
      }
      if (outcome.error.isContextLength) plan.contextTooLong(target);
      if (outcome.error.failure === 'bad_output' && outcome.error.details.text !== undefined) {
        walk.unstructured = {
          text: outcome.error.details.text,
          provider: target.provider,
          model: target.model,
        };
      }
    }
    if (signal.aborted) return this.answer(req, walk, this.abortedFields(signal));
    if (clock.now() >= req.deadline)
      return this.answer(req, walk, {
        errorCode: 'deadline_exceeded',
        errorMessage: 'the deadline passed before any provider answered',
      });
    // Every vendor answered, only not in the schema: that text is still the model's answer, and
    // the caller's repair parser can often read it (code fences, trailing commas). Hand it over,
    // unstructured and uncached, rather than failing the call and dropping what was paid for.
    if (walk.unstructured && walk.attempts.every((a) => a.outcome === 'bad_output')) {
      const { text, provider, model } = walk.unstructured;
      return this.answer(req, walk, { status: 'ok', text, provider, model });
    }
    const allUnavailable = walk.attempts.length > 0 && walk.attempts.every((a) => UNAVAILABLE.has(a.outcome));
    const summary = walk.attempts
      .map(
        (a) =>
          `${a.provider}/${a.model}: ${a.outcome}${a.status ? ` ${a.status}` : ''}${a.message ? ` (${a.message})` : ''}`,
      )
      .join('; ');
    if (allUnavailable) {
      return this.answer(req, walk, {
        status: 'deferred',
        errorCode: 'all_providers_failed',
        retryAt: walk.retryAt ?? clock.now() + 60_000,
        errorMessage: `every allowed provider is unavailable; retry after retryAt. ${summary}`,
      });
    }
    return this.answer(req, walk, {
      status: 'failed',
      errorCode: 'all_providers_failed',
      errorMessage: summary,
    });
  }

  private abortedFields(signal: AbortSignal): Partial<GatewayResponse> {
    if (signal.reason === 'deadline')
      return {
        errorCode: 'deadline_exceeded',
        errorMessage: 'the deadline passed before any provider answered',
      };
    return { errorCode: 'aborted', errorMessage: `request aborted (${String(signal.reason)})` };
  }

  /** Calls one provider+model, with retries. Throws only {@link BudgetExceeded}. */
  private async tryTarget(walk: Walk, target: ProviderTarget): Promise<CallOutcome> {
    const { req, signal } = walk;
    const { clock, breakers, settings } = this.d;
    const provider = this.d.providers.get(target.provider);
    const providerConfig = this.d.config.providers[target.provider];
    const offReason = this.d.unavailable?.get(target.provider);
    if (!provider && offReason && providerConfig?.models[target.model]) {
      const error = new ProviderError('auth', offReason, target);
      this.attempt(walk, target, 'unconfigured', 0, offReason);
      return { ok: false, error };
    }
    if (!provider || !providerConfig?.models[target.model]) {
      const error = new ProviderError(
        'bad_request',
        `${target.provider}/${target.model} is not configured in providers.yml`,
        target,
      );
      this.attempt(walk, target, 'bad_request', 0, error.message);
      return { ok: false, error };
    }
    if (!allowsDataClass(providerConfig.dataClasses, req.dataClass)) {
      const error = new ProviderError(
        'bad_request',
        `${target.provider} may not receive data class ${req.dataClass}`,
        target,
      );
      this.attempt(walk, target, 'policy_denied', 0, error.message);
      return { ok: false, error };
    }
    const promptTokens = estimatePromptTokens(walk.redacted.system, walk.redacted.messages);
    let lastError: ProviderError | undefined;
    for (let attemptNo = 1; ; attemptNo++) {
      const permit = breakers.permit(target.provider, target.model);
      if (!permit.allowed) {
        walk.retryAt = Math.min(walk.retryAt ?? Infinity, permit.retryAt);
        this.attempt(walk, target, 'breaker_open', 0, 'circuit breaker open');
        return {
          ok: false,
          error:
            lastError ??
            new ProviderError(
              'overloaded',
              `${target.provider}/${target.model}: circuit breaker open`,
              target,
            ),
        };
      }
      const estimate = this.d.prices.estimate(
        target.provider,
        target.model,
        promptTokens,
        req.maxTokens,
        clock.now(),
      );
      let ticket: BudgetTicket;
      try {
        ticket = await this.d.budget.reserve(req.attribution, estimate);
      } catch (error) {
        breakers.release(target.provider, target.model, permit.probe);
        throw error;
      }
      const outcome = await this.callOnce(
        walk,
        target,
        provider,
        ticket,
        promptTokens,
        permit.probe,
        attemptNo,
      );
      if (outcome.ok) return outcome;
      lastError = outcome.error;
      if (outcome.error.failure === 'aborted' || walk.committed) return outcome;
      const decision = decideRetry(
        outcome.error,
        attemptNo,
        {
          maxAttempts: settings.retry.maxAttemptsPerProvider,
          baseDelayMs: settings.retry.baseDelayMs,
          maxDelayMs: settings.retry.maxDelayMs,
        },
        clock.now(),
        req.deadline,
        this.random,
      );
      if (!decision.retry) {
        if (outcome.error.retryAfterMs !== undefined)
          walk.retryAt = Math.min(walk.retryAt ?? Infinity, clock.now() + outcome.error.retryAfterMs);
        return outcome;
      }
      try {
        await clock.sleep(decision.delayMs, signal);
      } catch {
        return outcome;
      }
    }
  }

  private async callOnce(
    walk: Walk,
    target: ProviderTarget,
    provider: ChatProvider,
    ticket: BudgetTicket,
    promptTokens: number,
    probe: boolean,
    attemptNo: number,
  ): Promise<CallOutcome> {
    const { req, signal } = walk;
    const { clock, breakers } = this.d;
    let permitRelease: ((tokens: number) => void) | undefined;
    try {
      const rate = await this.d.limiter.acquire(
        target.provider,
        target.model,
        promptTokens + req.maxTokens,
        req.deadline,
        signal,
      );
      permitRelease = rate.release;
    } catch (error) {
      this.d.budget.settle(ticket, 0);
      breakers.release(target.provider, target.model, probe);
      if (error instanceof RateLimitWaitTooLong) {
        walk.retryAt = Math.min(walk.retryAt ?? Infinity, error.retryAt);
        this.attempt(walk, target, 'rate_limited', 0, 'gateway rate limit used up before the deadline');
        return {
          ok: false,
          error: new ProviderError('rate_limited', error.message, {
            ...target,
            retryAfterMs: error.retryAt - clock.now(),
          }),
        };
      }
      const aborted = new ProviderError(
        'aborted',
        `${target.provider}/${target.model}: aborted while waiting for rate`,
        target,
      );
      this.attempt(walk, target, 'aborted', 0, aborted.message);
      return { ok: false, error: aborted };
    }
    const timeoutMs = Math.min(
      this.d.config.providers[target.provider]?.timeoutMs ?? 120_000,
      req.deadline - clock.now(),
    );
    const started = clock.now();
    walk.callNo += 1;
    const callId = `${req.requestId}:${walk.callNo}`;
    const span = startVendorSpan({
      provider: target.provider,
      kind: this.d.config.providers[target.provider]?.kind,
      model: target.model,
      requestId: req.requestId,
      attempt: attemptNo,
      fallback: target.provider !== walk.primary.provider || target.model !== walk.primary.model,
      maxTokens: req.maxTokens,
      temperature: req.temperature,
    });
    let result: ChatResult | undefined;
    let error: ProviderError | undefined;
    const call = {
      model: target.model,
      system: walk.redacted.system,
      messages: walk.redacted.messages,
      maxTokens: req.maxTokens,
      temperature: req.temperature,
      responseSchema: req.responseSchema,
      cachePrompt: true,
      signal,
      timeoutMs,
      structuredOutput: this.d.config.providers[target.provider]?.models[target.model]?.structuredOutput,
    };
    try {
      const sink = walk.sink;
      result = await inVendorSpan(span, async () =>
        sink && provider.stream
          ? provider.stream(call, (piece, usage) => {
              if (!walk.committed) {
                walk.committed = true;
                sink.start({ provider: target.provider, model: target.model, usage });
              }
              sink.piece(piece);
            })
          : provider.generate(call),
      );
    } catch (e) {
      error =
        e instanceof ProviderError
          ? e
          : new ProviderError(
              'network',
              `${target.provider}/${target.model}: ${e instanceof Error ? e.name : 'error'}`,
              target,
            );
    }
    const durationMs = clock.now() - started;
    walk.vendorMs += durationMs;
    const usage = result?.usage ?? error?.details.usage ?? ZERO;
    const at = clock.now();
    const cost = this.d.prices.cost(target.provider, target.model, usage, at);
    permitRelease(usage.inputTokens + usage.outputTokens + usage.cacheReadTokens + usage.cacheWriteTokens);
    this.d.budget.settle(ticket, cost);
    walk.usage = addUsage(walk.usage, usage);
    walk.costUsd += cost;

    const failure: ProviderFailure | 'ok' = result ? 'ok' : error!.failure;
    if (result) breakers.success(target.provider, target.model, probe);
    else if (OUTAGE_FAILURES.has(error!.failure))
      breakers.failure(target.provider, target.model, probe, error!.failure);
    else breakers.release(target.provider, target.model, probe);

    const vendorRequestId = result?.vendorRequestId ?? error?.vendorRequestId;
    endVendorSpan(span, { outcome: failure, usage, costUsd: cost, vendorRequestId, status: error?.status });
    this.observer.call(target.provider, target.model, failure);
    if (error) this.observer.error(target.provider, error.failure);
    this.attempt(walk, target, failure, durationMs, error?.message, error?.status, vendorRequestId);
    if (
      error?.status === 400 &&
      req.responseSchema &&
      call.structuredOutput !== 'json-schema' &&
      this.d.config.providers[target.provider]?.kind.startsWith('anthropic') &&
      /tool_choice/.test(error.message)
    ) {
      this.d.logger.warn(
        'model refuses a forced tool: set `structuredOutput: json-schema` on it in providers.yml; this request goes on down its chain',
        {
          requestId: req.requestId,
          provider: target.provider,
          model: target.model,
          error: error.message,
        },
      );
    }
    // The call's audit record and ledger entry carry the same instant, the one its cost was priced at.
    const atIso = new Date(at).toISOString();
    this.audit(req, walk.redacted, target, failure, vendorRequestId, callId, atIso);

    if (cost > 0 || result) {
      let waste: WasteKind = 'none';
      let wasteUsd = 0;
      if (!result) {
        waste = signal.reason === ABORT_SUPERSEDED ? 'superseded' : 'retry';
        wasteUsd = cost;
      } else if (target.provider !== walk.primary.provider || target.model !== walk.primary.model) {
        const primaryCost = this.d.prices.cost(walk.primary.provider, walk.primary.model, usage, at);
        wasteUsd = Math.max(0, cost - primaryCost);
        if (wasteUsd > 0) waste = 'fallback';
      }
      this.ledger(req, target.provider, target.model, usage, cost, waste, wasteUsd, callId, false, at, atIso);
    }
    this.d.logger.debug('vendor call', {
      requestId: req.requestId,
      provider: target.provider,
      model: target.model,
      attempt: attemptNo,
      outcome: failure,
      status: error?.status,
      durationMs,
      costUsd: cost,
      vendorRequestId,
    });
    return result ? { ok: true, result, costUsd: cost } : { ok: false, error: error! };
  }

  private attempt(
    walk: Walk,
    target: ProviderTarget,
    outcome: string,
    durationMs: number,
    message?: string,
    status?: number,
    vendorRequestId?: string,
  ): void {
    walk.attempts.push({
      provider: target.provider,
      model: target.model,
      outcome,
      durationMs,
      ...(status !== undefined ? { status } : {}),
      ...(message ? { message } : {}),
      ...(vendorRequestId ? { vendorRequestId } : {}),
    });
  }

  private ledger(
    req: GatewayRequest,
    provider: string,
    model: string,
    usage: TokenCounts,
    costUsd: number,
    waste: WasteKind,
    wasteUsd: number,
    id: string,
    cached: boolean,
    at = this.d.clock.now(),
    atIso = new Date(at).toISOString(),
  ): void {
    const entry: LedgerEntry = {
      id,
      at: atIso,
      requestId: req.requestId,
      attribution: { ...req.attribution },
      provider,
      model,
      usage,
      costUsd,
      cached,
      waste,
      wasteUsd,
      priceEffectiveFrom: this.d.prices.price(provider, model, at)?.effectiveFrom,
    };
    this.d.records.ledger(entry);
    this.observer.spent(entry);
  }

  private audit(
    req: GatewayRequest,
    redacted: Redacted,
    target: ProviderTarget,
    outcome: string,
    vendorRequestId: string | undefined,
    id: string,
    at: string,
  ): void {
    const p = this.d.config.providers[target.provider];
    const record: AuditRecord = {
      id,
      at,
      requestId: req.requestId,
      repo: req.attribution.repo,
      pr: req.pr,
      commitSha: req.commitSha,
      runId: req.attribution.runId,
      provider: target.provider,
      region: p?.region,
      retention: p?.retention,
      model: target.model,
      dataClass: req.dataClass,
      paths: req.paths.map((x) => ({ path: x.path, sha256: x.sha256 })),
      redactions: redacted.counts,
      vendorRequestId,
      decision: 'allowed',
      outcome,
    };
    this.d.records.audit(record);
  }

  private auditDenied(req: GatewayRequest, rule: string): void {
    this.d.records.audit({
      id: `${req.requestId}:denied:${randomUUID().slice(0, 8)}`,
      at: new Date(this.d.clock.now()).toISOString(),
      requestId: req.requestId,
      repo: req.attribution.repo,
      pr: req.pr,
      commitSha: req.commitSha,
      runId: req.attribution.runId,
      provider: '-',
      model: '-',
      dataClass: req.dataClass,
      paths: req.paths.map((x) => ({ path: x.path, sha256: x.sha256 })),
      redactions: { secrets: 0, emails: 0 },
      decision: `denied:${rule}`,
      outcome: 'not_called',
    });
  }
}
