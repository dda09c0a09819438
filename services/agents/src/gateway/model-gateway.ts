/**
 * How agents reach the models: one request/reply call to the gateway on `af.gateway.generate`.
 * The gateway owns provider fallback and retries; the agent only maps its answer to what the
 * step does next (parse, defer, fail) and aborts the call when the run is cancelled.
 */
import {
  AgentflowError,
  GatewayResponse,
  createEnvelope,
  decodeEnvelope,
  schemaVersionOf,
  validateBody,
  type GatewayRequest,
  type Topology,
} from '@agentflow/contracts';
import type { MessageBus } from '@agentflow/bus';
import { RequestFailedError } from '@agentflow/bus';

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
  if (raw && typeof raw === 'object' && 'body' in raw && 'type' in raw) return decodeEnvelope('gateway.response', raw).body;
  return validateBody(GatewayResponse, raw, 'gateway.response');
}

export class BusModelGateway implements ModelGateway {
  constructor(
    private readonly bus: MessageBus,
    private readonly topology: Topology,
  ) {}

  async generate(request: GatewayRequest, signal: AbortSignal): Promise<GatewayResponse> {
    if (signal.aborted) throw new TaskCancelledError('the run was cancelled before the model call');
    const envelope = createEnvelope('gateway.request', request, {
      runId: request.attribution.runId,
      id: request.requestId,
      schemaVersion: schemaVersionOf('gateway.request'),
    });
    // A little past the deadline: the gateway answers `deadline_exceeded` itself at the deadline.
    const timeoutMs = Math.max(1_000, request.deadline - Date.now() + 2_000);
    try {
      const reply = await this.bus.request(this.topology.subjects.gatewayGenerate, encoder.encode(JSON.stringify(envelope)), { timeoutMs, signal });
      return decodeGatewayReply(reply.data);
    } catch (error) {
      if (signal.aborted || (error instanceof RequestFailedError && error.reason === 'aborted')) {
        throw new TaskCancelledError('the run was cancelled; the model call was aborted', { cause: error });
      }
      throw error;
    }
  }
}

/** Turns a non-`ok` response into the typed error the task runner maps to a result. */
export function throwUnlessOk(response: GatewayResponse): void {
  if (response.status === 'ok') return;
  if (response.status === 'deferred') {
    throw new GatewayDeferredError(response.errorMessage ?? 'no provider can take the call now', response.retryAt, response);
  }
  if (response.errorCode === 'aborted') throw new TaskCancelledError('the gateway aborted the call: the run was cancelled');
  throw new GatewayFailedError(response.errorCode ?? 'gateway_failed', response.errorMessage ?? 'the gateway could not complete the call', response);
}
