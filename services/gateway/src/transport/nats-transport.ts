/**
 * The gateway on NATS: request/reply on `topology.subjects.gatewayGenerate` in queue group
 * `gateway` (no stream captures it), envelopes of `gateway.request` in and `gateway.response` out,
 * bodies over 256 KB through the object store both ways (header `af-body-ref`, as the messenger
 * does). A request in flight is aborted, vendor call included, by a notice on
 * `topology.subjects.gatewayAbort` naming its requestId, or by its run's cancel subject.
 */
import {
  createEnvelope, decodeEnvelope, describeError, GatewayAbort, HEADERS, InvalidMessageError, LARGE_BODY_THRESHOLD, validateBody,
  type BodyRef, type GatewayRequest, type GatewayResponse, type Topology,
} from '@agentflow/contracts';
import type { MessageBus, ObjectStore, ReplyMessage, ServiceHandle } from '@agentflow/bus';
import type { GatewayLogger } from '../log/gateway-logger';
import { ABORT_SUPERSEDED } from '../pipeline';

export const GATEWAY_QUEUE = 'gateway';

export interface Generator {
  generate(request: GatewayRequest, signal?: AbortSignal): Promise<GatewayResponse>;
}

interface InFlight {
  controller: AbortController;
  runId?: string;
}

const encoder = new TextEncoder();

function isBodyRef(v: unknown): v is BodyRef {
  return !!v && typeof v === 'object' && typeof (v as BodyRef).ref === 'string' && typeof (v as BodyRef).sha256 === 'string';
}

export class GatewayNatsTransport {
  private readonly inFlight = new Map<string, InFlight>();
  private handles: ServiceHandle[] = [];
  private objectStore: Promise<ObjectStore> | null = null;

  constructor(
    private readonly bus: MessageBus,
    private readonly topology: Topology,
    private readonly gateway: Generator,
    private readonly logger: GatewayLogger,
  ) {}

  /** Requests being served now. */
  get active(): number {
    return this.inFlight.size;
  }

  async start(): Promise<void> {
    const s = this.topology.subjects;
    this.handles = await Promise.all([
      this.bus.serve(s.gatewayGenerate, GATEWAY_QUEUE, (msg) => this.handle(msg)),
      this.bus.subscribe(s.gatewayAbort, (msg) => this.onAbort(msg)),
      this.bus.subscribe(s.runCancel('*'), (msg) => this.onRunCancel(msg.subject)),
    ]);
  }

  /** Stops taking requests and aborts those in flight (they answer `aborted`). */
  async stop(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.stop()));
    this.handles = [];
    for (const f of this.inFlight.values()) f.controller.abort('gateway shutting down');
  }

  private objects(): Promise<ObjectStore> {
    this.objectStore ??= this.bus.objects(this.topology.buckets.objects);
    return this.objectStore;
  }

  private onAbort(msg: ReplyMessage): void {
    try {
      const notice = validateBody(GatewayAbort, msg.json());
      const flight = this.inFlight.get(notice.requestId);
      if (!flight) return; // another replica holds it (or it finished): only the holder answers
      flight.controller.abort(notice.reason ?? 'cancelled');
      msg.respond(encoder.encode(JSON.stringify({ aborted: true, requestId: notice.requestId })));
    } catch (e) {
      this.logger.warn('ignored an invalid gateway abort notice', { error: describeError(e) });
    }
  }

  private onRunCancel(subject: string): void {
    // `<prefix>.runs.<runId>.cancel`
    const parts = subject.split('.');
    const runId = parts[parts.length - 2];
    for (const f of this.inFlight.values()) if (f.runId === runId) f.controller.abort(ABORT_SUPERSEDED);
  }

  private async handle(msg: ReplyMessage): Promise<void> {
    let request: GatewayRequest | undefined;
    let runId = '-';
    try {
      const raw = msg.json<Record<string, unknown>>();
      if (msg.headers[HEADERS.bodyRef] !== undefined && isBodyRef(raw?.body)) {
        raw.body = JSON.parse(new TextDecoder().decode(await (await this.objects()).get(raw.body)));
      }
      runId = typeof raw?.runId === 'string' ? raw.runId : '-';
      request = decodeEnvelope('gateway.request', raw).body;
    } catch (e) {
      let requestId = 'unknown';
      try {
        requestId = String(msg.json<{ body?: { requestId?: unknown } }>()?.body?.requestId ?? 'unknown');
      } catch {
        // Not JSON at all: answer with what we know.
      }
      const problem = e instanceof InvalidMessageError ? e.message : describeError(e);
      await this.reply(msg, runId, {
        requestId, status: 'failed', errorCode: 'invalid_request', errorMessage: problem.slice(0, 1000),
        usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 }, costUsd: 0, cached: false, attempts: [], vendorMs: 0,
      });
      return;
    }
    const flight: InFlight = { controller: new AbortController(), runId: request.attribution.runId };
    this.inFlight.set(request.requestId, flight);
    try {
      const response = await this.gateway.generate(request, flight.controller.signal);
      await this.reply(msg, runId, response);
    } catch (e) {
      this.logger.error('gateway request failed unexpectedly', { requestId: request.requestId, error: describeError(e) });
      await this.reply(msg, runId, {
        requestId: request.requestId, status: 'failed', errorCode: 'internal', errorMessage: 'the gateway failed unexpectedly; the step may be retried',
        usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 }, costUsd: 0, cached: false, attempts: [], vendorMs: 0,
      });
    } finally {
      this.inFlight.delete(request.requestId);
    }
  }

  private async reply(msg: ReplyMessage, runId: string, response: GatewayResponse): Promise<void> {
    const envelope = createEnvelope('gateway.response', response, { runId });
    let data = encoder.encode(JSON.stringify(envelope));
    const headers: Record<string, string> = { [HEADERS.messageType]: 'gateway.response', [HEADERS.schemaVersion]: '1' };
    if (data.byteLength > LARGE_BODY_THRESHOLD) {
      const ref = await (await this.objects()).put(`gateway-response-${response.requestId}`, encoder.encode(JSON.stringify(response)));
      headers[HEADERS.bodyRef] = ref.ref;
      data = encoder.encode(JSON.stringify({ ...envelope, body: ref }));
    }
    msg.respond(data, headers);
  }
}

/** What a caller (the agents service) does: send an envelope, wait for the reply envelope. */
export async function requestGeneration(bus: MessageBus, topology: Topology, request: GatewayRequest, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<GatewayResponse> {
  const envelope = createEnvelope('gateway.request', request, { runId: request.attribution.runId ?? '-' });
  const timeoutMs = options.timeoutMs ?? Math.max(1000, request.deadline - Date.now() + 2000);
  const headers: Record<string, string> = { [HEADERS.messageType]: 'gateway.request', [HEADERS.schemaVersion]: '1' };
  let data = encoder.encode(JSON.stringify(envelope));
  if (data.byteLength > LARGE_BODY_THRESHOLD) {
    const ref = await (await bus.objects(topology.buckets.objects)).put(`gateway-request-${request.requestId}`, encoder.encode(JSON.stringify(request)));
    headers[HEADERS.bodyRef] = ref.ref;
    data = encoder.encode(JSON.stringify({ ...envelope, body: ref }));
  }
  const reply = await bus.request(topology.subjects.gatewayGenerate, data, { timeoutMs, signal: options.signal, headers });
  const raw = reply.json<Record<string, unknown>>();
  if (reply.headers[HEADERS.bodyRef] !== undefined && isBodyRef(raw.body)) {
    raw.body = JSON.parse(new TextDecoder().decode(await (await bus.objects(topology.buckets.objects)).get(raw.body)));
  }
  return decodeEnvelope('gateway.response', raw).body as GatewayResponse;
}

/**
 * Aborts a request in flight on whichever replica holds it. Resolves true when a replica aborted
 * it, false when none held it within `timeoutMs` (it had finished, or never arrived).
 */
export async function abortGeneration(bus: MessageBus, topology: Topology, requestId: string, reason = 'cancelled', timeoutMs = 2000): Promise<boolean> {
  try {
    const reply = await bus.request(topology.subjects.gatewayAbort, encoder.encode(JSON.stringify({ requestId, reason })), { timeoutMs });
    return reply.json<{ aborted?: boolean }>().aborted === true;
  } catch {
    return false;
  }
}
