/**
 * The gateway on NATS: request/reply on `topology.subjects.gatewayGenerate` in queue group
 * `gateway` (no stream captures it), envelopes of `gateway.request` in and `gateway.response` out,
 * bodies over 256 KB through the object store both ways (header `af-body-ref`, as the messenger
 * does). A request in flight is aborted, vendor call included, by a notice on
 * `topology.subjects.gatewayAbort` naming its requestId, or by its run's cancel subject.
 *
 * A replica can die mid-call (ADR 0078): the replica serving a request answers `gatewayHeld`
 * probes for it, and a caller that hears no one within its reply bound sends it again under the
 * same requestId (header `af-send` > 0). A resend is answered from the answer already given when
 * there is one (`RequestRecords`), joins the call when it reaches the replica serving it, waits for
 * the serving replica's answer when another replica still holds it, and only when none does is the
 * vendor called again.
 */
import { randomUUID } from 'node:crypto';
import {
  createEnvelope,
  decodeEnvelope,
  describeError,
  GatewayAbort,
  GatewayHeldQuery,
  HEADERS,
  InvalidMessageError,
  LARGE_BODY_THRESHOLD,
  validateBody,
  type BodyRef,
  type GatewayHeld,
  type GatewayRequest,
  type GatewayResponse,
  type Topology,
} from '@agentflow/contracts';
import type { MessageBus, ObjectStore, ReplyMessage, ServiceHandle } from '@agentflow/bus';
import type { GatewayLogger } from '../log/gateway-logger';
import { ABORT_SUPERSEDED } from '../pipeline';
import { RequestRecords } from './request-records';

export const GATEWAY_QUEUE = 'gateway';

export interface Generator {
  generate(request: GatewayRequest, signal?: AbortSignal): Promise<GatewayResponse>;
}

interface InFlight {
  controller: AbortController;
  runId?: string;
  /** Resends of this request that reached this replica while it serves it: answered with it. */
  waiters: Array<{ msg: ReplyMessage; runId: string }>;
  /** Aborted because this replica is stopping: left unanswered, so the caller sends it to another replica. */
  stopping?: boolean;
}

export interface GatewayTransportOptions {
  /** This replica's id, told to callers that probe for their request. @default a random uuid */
  instance?: string;
  /** Answers kept for resends; null turns the de-duplication of answered requests off. @default opened at start */
  records?: RequestRecords | null;
  /** How long a resend waits for a `gatewayHeld` answer from another replica. @default 1000 */
  heldProbeMs?: number;
  /** On stop, how long requests in flight may still finish before they are aborted. @default 5000 */
  drainMs?: number;
  /** How long an answer waits for its record before it goes out anyway. @default 1000 */
  recordWaitMs?: number;
  now?: () => number;
}

const encoder = new TextEncoder();

function isBodyRef(v: unknown): v is BodyRef {
  return (
    !!v &&
    typeof v === 'object' &&
    typeof (v as BodyRef).ref === 'string' &&
    typeof (v as BodyRef).sha256 === 'string'
  );
}

export class GatewayNatsTransport {
  private readonly inFlight = new Map<string, InFlight>();
  private handles: ServiceHandle[] = [];
  private generateHandle: ServiceHandle | null = null;
  private objectStore: Promise<ObjectStore> | null = null;
  private records: RequestRecords | null = null;
  readonly instance: string;
  private readonly now: () => number;

  constructor(
    private readonly bus: MessageBus,
    private readonly topology: Topology,
    private readonly gateway: Generator,
    private readonly logger: GatewayLogger,
    private readonly options: GatewayTransportOptions = {},
  ) {
    this.instance = options.instance ?? randomUUID();
    this.now = options.now ?? Date.now;
  }

  /** Requests being served now. */
  get active(): number {
    return this.inFlight.size;
  }

  async start(): Promise<void> {
    const s = this.topology.subjects;
    if (this.options.records !== undefined) this.records = this.options.records;
    else {
      try {
        this.records = await RequestRecords.open(this.bus, this.topology, this.instance, () =>
          this.objects(),
        );
      } catch (e) {
        this.logger.warn(
          'gateway answer records unavailable: a request sent again after a lost reply calls the vendor again',
          { error: describeError(e) },
        );
      }
    }
    this.handles = await Promise.all([
      this.bus.subscribe(s.gatewayHeld, (msg) => this.onHeld(msg)),
      this.bus.subscribe(s.gatewayAbort, (msg) => this.onAbort(msg)),
      this.bus.subscribe(s.runCancel('*'), (msg) => this.onRunCancel(msg.subject)),
    ]);
    this.generateHandle = await this.bus.serve(s.gatewayGenerate, GATEWAY_QUEUE, (msg) => this.handle(msg));
  }

  /**
   * Stops taking requests, lets those in flight finish for `drainMs`, then aborts the rest without
   * answering them: their callers hear no one for them and send them to another replica (answering
   * `aborted` would read as a cancel, which is not retried). Held probes are answered meanwhile, so
   * a request still being served here is not sent elsewhere too.
   */
  async stop(): Promise<void> {
    await this.generateHandle?.stop();
    this.generateHandle = null;
    const end = this.now() + (this.options.drainMs ?? 5_000);
    while (this.inFlight.size > 0 && this.now() < end) await new Promise((r) => setTimeout(r, 20));
    if (this.inFlight.size > 0) {
      this.logger.warn(
        'gateway stopping with requests in flight: they are aborted unanswered and their callers send them to another replica',
        {
          requests: this.inFlight.size,
          instance: this.instance,
        },
      );
      for (const f of this.inFlight.values()) {
        f.stopping = true;
        f.controller.abort('gateway shutting down');
      }
    }
    await Promise.all(this.handles.map((h) => h.stop()));
    this.handles = [];
  }

  /** Answers a caller's probe for the request this replica serves; the others stay silent. */
  private onHeld(msg: ReplyMessage): void {
    try {
      const query = validateBody(GatewayHeldQuery, msg.json());
      if (!this.inFlight.has(query.requestId)) return;
      const held: GatewayHeld = { requestId: query.requestId, held: true, instance: this.instance };
      msg.respond(encoder.encode(JSON.stringify(held)));
    } catch (e) {
      this.logger.warn('ignored an invalid gateway held probe', { error: describeError(e) });
    }
  }

  /** The replica (not this one) that answers for `requestId` now, or null when none does. */
  private async holder(requestId: string): Promise<string | null> {
    try {
      const reply = await this.bus.request(
        this.topology.subjects.gatewayHeld,
        encoder.encode(JSON.stringify({ requestId })),
        {
          timeoutMs: this.options.heldProbeMs ?? 1_000,
        },
      );
      const held = reply.json<GatewayHeld>();
      return held.held ? held.instance : null;
    } catch {
      return null;
    }
  }

  /**
   * A resend while another replica still serves the request: wait for that replica's answer rather
   * than call the vendor a second time. One watch on the answer's key for the whole wait, and a
   * `gatewayHeld` probe every `heldProbeMs` to see that the holder is still there; bounded by the
   * request's deadline. Null when the holder went away without answering.
   */
  private async relay(request: GatewayRequest, send: number): Promise<GatewayResponse | null> {
    const records = this.records;
    if (!records) return null;
    const holder = await this.holder(request.requestId);
    if (!holder) return records.answered(request.requestId).catch(() => null);
    this.logger.warn(
      'request sent again while another replica still serves it: waiting for that answer instead of calling the vendor again',
      {
        requestId: request.requestId,
        send,
        holder,
      },
    );
    const gone = new AbortController();
    const until = AbortSignal.any([
      gone.signal,
      AbortSignal.timeout(Math.max(1, request.deadline - this.now())),
    ]);
    const answer = records.waitFor(request.requestId, until).catch(() => null);
    const probeMs = this.options.heldProbeMs ?? 1_000;
    void (async () => {
      while (!until.aborted) {
        await new Promise((r) => setTimeout(r, probeMs));
        if (until.aborted) return;
        if (!(await this.holder(request.requestId))) gone.abort();
      }
    })();
    const relayed = await answer;
    gone.abort();
    // The holder may have answered on its way out, between the last look and its going.
    return relayed ?? (await records.answered(request.requestId).catch(() => null));
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
        requestId,
        status: 'failed',
        errorCode: 'invalid_request',
        errorMessage: problem.slice(0, 1000),
        usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
        costUsd: 0,
        cached: false,
        attempts: [],
        vendorMs: 0,
      });
      return;
    }
    const send = Number(msg.headers[HEADERS.gatewaySend] ?? 0) || 0;
    const serving = this.inFlight.get(request.requestId);
    if (serving) {
      // The caller lost sight of this replica for a moment; it gets the one answer of the one call.
      serving.waiters.push({ msg, runId });
      return;
    }
    if (send > 0) {
      const earlier = await this.records?.answered(request.requestId).catch(() => null);
      if (earlier) {
        this.logger.warn(
          'request sent again after its caller heard nothing: answered with the answer already given, the vendor is not called again',
          {
            requestId: request.requestId,
            runId,
            send,
            status: earlier.status,
          },
        );
        await this.reply(msg, runId, earlier);
        return;
      }
      const relayed = await this.relay(request, send);
      if (relayed) {
        await this.reply(msg, runId, relayed);
        return;
      }
      this.logger.warn(
        'request sent again and no replica serves it any more (the one that took it stopped or died mid-call): serving it here, the vendor is called again',
        {
          requestId: request.requestId,
          runId,
          send,
          instance: this.instance,
        },
      );
    }
    const flight: InFlight = {
      controller: new AbortController(),
      runId: request.attribution.runId,
      waiters: [{ msg, runId }],
    };
    this.inFlight.set(request.requestId, flight);
    try {
      const response = await this.gateway.generate(request, flight.controller.signal);
      if (flight.stopping) return;
      await this.record(response);
      for (const w of flight.waiters) await this.reply(w.msg, w.runId, response);
    } catch (e) {
      this.logger.error('gateway request failed unexpectedly; answered internal, the step may be retried', {
        requestId: request.requestId,
        error: describeError(e),
      });
      for (const w of flight.waiters) {
        await this.reply(w.msg, w.runId, {
          requestId: request.requestId,
          status: 'failed',
          errorCode: 'internal',
          errorMessage: 'the gateway failed unexpectedly; the step may be retried',
          usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
          costUsd: 0,
          cached: false,
          attempts: [],
          vendorMs: 0,
        });
      }
    } finally {
      this.inFlight.delete(request.requestId);
    }
  }

  /**
   * Records the answer before it goes out, so a resend racing the reply finds it; waits at most
   * `recordWaitMs` for the bucket, so a slow bucket delays an answer by that much at worst.
   */
  private async record(response: GatewayResponse): Promise<void> {
    if (!this.records) return;
    const waitMs = this.options.recordWaitMs ?? 1_000;
    let timer: NodeJS.Timeout | undefined;
    const recorded = this.records.record(response, this.now()).then(() => true);
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), waitMs);
    });
    try {
      if ((await Promise.race([recorded, late])) === 'late') {
        this.logger.warn(
          'recording a gateway answer is slow: answering without waiting for it; a resend before it lands calls the vendor again',
          {
            requestId: response.requestId,
            waitMs,
          },
        );
        void recorded.catch((e: unknown) =>
          this.logger.warn(
            'could not record a gateway answer: a resend of this request calls the vendor again',
            {
              requestId: response.requestId,
              error: describeError(e),
            },
          ),
        );
      }
    } catch (e) {
      this.logger.warn('could not record a gateway answer: a resend of this request calls the vendor again', {
        requestId: response.requestId,
        error: describeError(e),
      });
    } finally {
      clearTimeout(timer);
    }
  }

  private async reply(msg: ReplyMessage, runId: string, response: GatewayResponse): Promise<void> {
    const envelope = createEnvelope('gateway.response', response, { runId });
    let data = encoder.encode(JSON.stringify(envelope));
    const headers: Record<string, string> = {
      [HEADERS.messageType]: 'gateway.response',
      [HEADERS.schemaVersion]: '1',
    };
    if (data.byteLength > LARGE_BODY_THRESHOLD) {
      const ref = await (
        await this.objects()
      ).put(`gateway-response-${response.requestId}`, encoder.encode(JSON.stringify(response)));
      headers[HEADERS.bodyRef] = ref.ref;
      data = encoder.encode(JSON.stringify({ ...envelope, body: ref }));
    }
    msg.respond(data, headers);
  }
}

/** What a caller (the agents service) does: send an envelope, wait for the reply envelope. */
export async function requestGeneration(
  bus: MessageBus,
  topology: Topology,
  request: GatewayRequest,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<GatewayResponse> {
  const envelope = createEnvelope('gateway.request', request, { runId: request.attribution.runId ?? '-' });
  const timeoutMs = options.timeoutMs ?? Math.max(1000, request.deadline - Date.now() + 2000);
  const headers: Record<string, string> = {
    [HEADERS.messageType]: 'gateway.request',
    [HEADERS.schemaVersion]: '1',
  };
  let data = encoder.encode(JSON.stringify(envelope));
  if (data.byteLength > LARGE_BODY_THRESHOLD) {
    const ref = await (
      await bus.objects(topology.buckets.objects)
    ).put(`gateway-request-${request.requestId}`, encoder.encode(JSON.stringify(request)));
    headers[HEADERS.bodyRef] = ref.ref;
    data = encoder.encode(JSON.stringify({ ...envelope, body: ref }));
  }
  const reply = await bus.request(topology.subjects.gatewayGenerate, data, {
    timeoutMs,
    signal: options.signal,
    headers,
  });
  const raw = reply.json<Record<string, unknown>>();
  if (reply.headers[HEADERS.bodyRef] !== undefined && isBodyRef(raw.body)) {
    raw.body = JSON.parse(
      new TextDecoder().decode(await (await bus.objects(topology.buckets.objects)).get(raw.body)),
    );
  }
  return decodeEnvelope('gateway.response', raw).body as GatewayResponse;
}

/**
 * Aborts a request in flight on whichever replica holds it. Resolves true when a replica aborted
 * it, false when none held it within `timeoutMs` (it had finished, or never arrived).
 */
export async function abortGeneration(
  bus: MessageBus,
  topology: Topology,
  requestId: string,
  reason = 'cancelled',
  timeoutMs = 2000,
): Promise<boolean> {
  try {
    const reply = await bus.request(
      topology.subjects.gatewayAbort,
      encoder.encode(JSON.stringify({ requestId, reason })),
      { timeoutMs },
    );
    return reply.json<{ aborted?: boolean }>().aborted === true;
  } catch {
    return false;
  }
}
