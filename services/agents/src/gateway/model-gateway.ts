/**
 * How agents reach the models: a request/reply call to the gateway on `af.gateway.generate`.
 * The gateway owns provider fallback and retries; the agent only maps its answer to what the
 * step does next (parse, defer, fail) and aborts the call when the run is cancelled.
 *
 * A gateway replica can die mid-call and take the request with it (ADR 0078). While waiting, the
 * agent asks every `probeMs` which replica serves its request (`gatewayHeld`); when none has
 * answered for `replyBoundMs` it sends the request again under the same requestId, and the gateway
 * answers that resend from the answer already given, from the replica still serving it, or, when
 * none is, by calling the vendor again. The wait is bounded by the step's deadline either way.
 */
import {
  AgentflowError,
  GatewayResponse,
  HEADERS,
  createEnvelope,
  decodeEnvelope,
  schemaVersionOf,
  validateBody,
  type GatewayRequest,
  type Topology,
} from '@agentflow/contracts';
import type { MessageBus } from '@agentflow/bus';
import { RequestFailedError } from '@agentflow/bus';
import { createLogger, type Logger } from '@agentflow/telemetry';

/** The port the agents use; `BusModelGateway` is the production implementation. */
export interface ModelGateway {
  generate(request: GatewayRequest, signal: AbortSignal): Promise<GatewayResponse>;
  /**
   * True when calls are gathered and answered together (a vendor batch): the caller then makes
   * every call it has at once, since holding some back would put them in a later batch.
   */
  readonly gathers?: boolean;
}

/** The run was cancelled while a model call was in flight; the call was aborted. Not retried. */
export class TaskCancelledError extends AgentflowError {
  readonly code = 'cancelled';
  readonly retryable = false;
}

/** The task's deadline passed while a model call was in flight; the call was abandoned. Retried by the coordinator. */
export class TaskDeadlineError extends AgentflowError {
  readonly code = 'timeout';
  readonly retryable = true;
}

/**
 * No gateway replica took the request (none is listening on its subject): the call was never
 * made. Retried by the coordinator after a backoff, by when a replica is usually back.
 */
export class GatewayUnavailableError extends AgentflowError {
  readonly code = 'gateway_unavailable';
  readonly retryable = true;
}

/** True when `signal` was aborted by a deadline (`AbortSignal.timeout`), not by a cancel. */
export function abortedByDeadline(signal: AbortSignal): boolean {
  const reason: unknown = signal.reason;
  return signal.aborted && reason instanceof Error && reason.name === 'TimeoutError';
}

/** The error for a call `signal` ended: the deadline's or the cancel's. */
function abortError(signal: AbortSignal, cause?: unknown): AgentflowError {
  return abortedByDeadline(signal)
    ? new TaskDeadlineError(
        'the task passed its deadline while waiting for the gateway; the model call was abandoned',
        { cause },
      )
    : new TaskCancelledError('the run was cancelled; the model call was aborted', { cause });
}

/**
 * The gateway answered `deferred`: every allowed provider is down or the budget is spent. The
 * step reports `deferred` with `retryAt`; the coordinator waits on a timer.
 */
export class GatewayDeferredError extends AgentflowError {
  readonly code = 'deferred';
  readonly retryable = true;
  constructor(
    message: string,
    readonly retryAt: number | undefined,
    readonly response: GatewayResponse,
  ) {
    super(message);
  }
}

/** The gateway answered `failed` (`all_providers_failed`, `policy_denied`, ...); the code passes through to the result. */
export class GatewayFailedError extends AgentflowError {
  readonly retryable = false;
  constructor(
    readonly code: string,
    message: string,
    readonly response: GatewayResponse | undefined,
  ) {
    super(message);
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Decodes the gateway's reply: a `gateway.response` envelope, or a bare body. */
export function decodeGatewayReply(data: Uint8Array): GatewayResponse {
  const raw = JSON.parse(decoder.decode(data)) as Record<string, unknown>;
  if (raw && typeof raw === 'object' && 'body' in raw && 'type' in raw)
    return decodeEnvelope('gateway.response', raw).body;
  return validateBody(GatewayResponse, raw, 'gateway.response');
}

export interface BusModelGatewayOptions {
  /**
   * How long the agent waits without a reply and without any replica saying it serves the request
   * before it sends the request again under the same id. Keep it well under a step's timeout.
   * @default 15000
   */
  replyBoundMs?: number;
  /** How often the agent asks which replica serves its request. @default replyBoundMs / 5 */
  probeMs?: number;
  /** Where the resend warnings go. @default the `agents` logger */
  logger?: Pick<Logger, 'warn'>;
  now?: () => number;
}

export class BusModelGateway implements ModelGateway {
  private readonly replyBoundMs: number;
  private readonly probeMs: number;
  private readonly log: Pick<Logger, 'warn'>;
  private readonly now: () => number;

  constructor(
    private readonly bus: MessageBus,
    private readonly topology: Topology,
    options: BusModelGatewayOptions = {},
  ) {
    this.replyBoundMs = Math.max(100, options.replyBoundMs ?? 15_000);
    this.probeMs = Math.max(20, options.probeMs ?? Math.floor(this.replyBoundMs / 5));
    this.log = options.logger ?? createLogger('agents');
    this.now = options.now ?? Date.now;
  }

  async generate(request: GatewayRequest, signal: AbortSignal): Promise<GatewayResponse> {
    if (signal.aborted) throw abortError(signal);
    const envelope = createEnvelope('gateway.request', request, {
      runId: request.attribution.runId,
      id: request.requestId,
      schemaVersion: schemaVersionOf('gateway.request'),
    });
    const data = encoder.encode(JSON.stringify(envelope));
    // Every send and probe of this call ends with it: the first reply wins, the rest are dropped.
    const done = new AbortController();
    const calls = AbortSignal.any([signal, done.signal]);
    try {
      return await new Promise<GatewayResponse>((resolve, reject) => {
        let settled = false;
        const finish = (fn: () => void) => {
          if (settled) return;
          settled = true;
          fn();
        };
        calls.addEventListener('abort', () => finish(() => reject(abortError(signal))), { once: true });
        let lastSign = this.now();
        let sends = 0;
        const send = () => {
          const n = sends++;
          // A little past the deadline: the gateway answers `deadline_exceeded` itself at the deadline.
          const timeoutMs = Math.max(1_000, request.deadline - this.now() + 2_000);
          this.bus
            .request(this.topology.subjects.gatewayGenerate, data, {
              timeoutMs,
              signal: calls,
              headers: { [HEADERS.gatewaySend]: String(n) },
            })
            .then(
              (reply) =>
                finish(() => {
                  try {
                    resolve(decodeGatewayReply(reply.data));
                  } catch (error) {
                    reject(error);
                  }
                }),
              (error: unknown) => {
                if (calls.aborted) return;
                if (error instanceof RequestFailedError && error.reason === 'no_responders') {
                  finish(() =>
                    reject(
                      new GatewayUnavailableError(
                        n === 0
                          ? 'no gateway replica is listening: the model call was not made; the step is retried after a backoff'
                          : 'the gateway replica serving the call went away and no other replica is listening; the step is retried after a backoff',
                        { cause: error },
                      ),
                    ),
                  );
                } else if (error instanceof RequestFailedError && error.reason === 'timeout') {
                  finish(() =>
                    reject(
                      new TaskDeadlineError('the gateway did not answer before the task deadline', {
                        cause: error,
                      }),
                    ),
                  );
                } else finish(() => reject(error));
              },
            );
        };
        send();
        const probe = async () => {
          while (!calls.aborted) {
            await sleep(this.probeMs, calls);
            if (calls.aborted) return;
            const holder = await this.holder(request.requestId, calls);
            if (holder) {
              lastSign = this.now();
              continue;
            }
            const silentMs = this.now() - lastSign;
            if (silentMs < this.replyBoundMs || calls.aborted) continue;
            if (this.now() >= request.deadline) return; // the deadline ends it; a resend could not be answered in time
            this.log.warn(
              {
                requestId: request.requestId,
                runId: request.attribution.runId,
                stepId: request.attribution.stepId,
                silentMs,
                send: sends,
              },
              'no gateway replica answered for a model call within the reply bound (the one serving it likely died): sending it again under the same request id',
            );
            lastSign = this.now();
            send();
          }
        };
        void probe().catch(() => undefined);
      });
    } finally {
      done.abort();
    }
  }

  /** The replica serving `requestId`, or null when none answered within a probe interval. */
  private async holder(requestId: string, signal: AbortSignal): Promise<string | null> {
    try {
      const reply = await this.bus.request(
        this.topology.subjects.gatewayHeld,
        encoder.encode(JSON.stringify({ requestId })),
        { timeoutMs: this.probeMs, signal },
      );
      const held = JSON.parse(decoder.decode(reply.data)) as { held?: boolean; instance?: string };
      return held.held ? (held.instance ?? 'unknown') : null;
    } catch {
      return null;
    }
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Turns a non-`ok` response into the typed error the task runner maps to a result. */
export function throwUnlessOk(response: GatewayResponse): void {
  if (response.status === 'ok') return;
  if (response.status === 'deferred') {
    throw new GatewayDeferredError(
      response.errorMessage ?? 'no provider can take the call now',
      response.retryAt,
      response,
    );
  }
  if (response.errorCode === 'aborted')
    throw new TaskCancelledError('the gateway aborted the call: the run was cancelled');
  // The gateway works to the task's own deadline: its answer is the same timeout, and retried as one.
  if (response.errorCode === 'deadline_exceeded')
    throw new TaskDeadlineError(response.errorMessage ?? 'the model call passed the task deadline');
  throw new GatewayFailedError(
    response.errorCode ?? 'gateway_failed',
    response.errorMessage ?? 'the gateway could not complete the call',
    response,
  );
}
