/**
 * The gateway's HTTP front: OpenAI- and Anthropic-compatible endpoints over the same
 * {@link Gateway.generate} the NATS transport calls, so every HTTP request goes through policy,
 * redaction, cache, budgets, limits, breakers, retries, fallbacks, the ledger and the audit log.
 *
 * A streamed request (`stream: true`) streams through: the vendor is called streaming and each
 * piece is written to the client as it arrives. The 200 and the first event go out with the first
 * piece of the answer, so until then a failed vendor call is retried or falls back unseen and a
 * failure is an HTTP error in the vendor's shape. After it, a vendor stream that breaks ends the
 * client's stream with the dialect's own error event (which the SDKs raise), never a truncated
 * success; its spend is booked and nothing is cached. A client that goes away aborts the vendor call.
 *
 * Per request it reads only memory (key ring, rate windows, the pipeline's local state); the only
 * network call is the vendor's.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayRequest, GatewayResponse } from '@agentflow/contracts';
import type { GatewayPipeline, PipelineStreamSink } from '../pipeline';
import type { GatewayLogger } from '../log/gateway-logger';
import type { KeyRequestRate } from '../virtual-keys/request-rate';
import type { VirtualKey, VirtualKeyRing } from '../virtual-keys/virtual-keys';
import { anthropicDialect } from './anthropic-dialect';
import type { ClientCall, Dialect, FrontError } from './dialect';
import { openaiDialect } from './openai-dialect';
import { RequestLimits, skippedHeader } from './request-limits';
import { forwardedHeaders, pickForwarded } from './vendor-pool/forwarded-headers';

/** The routes the front serves, for mounting on another server (Fastify in `agentflow up`). */
export const GATEWAY_HTTP_ROUTES = [
  { method: 'POST', path: '/v1/chat/completions' },
  { method: 'POST', path: '/v1/messages' },
  { method: 'GET', path: '/v1/models' },
] as const;

export interface HttpFrontOptions {
  /** The {@link Gateway}; the front calls its pipeline (`Gateway.generate` is the same call). */
  gateway: { readonly pipeline: Pick<GatewayPipeline, 'generate' | 'stream'> };
  keys: VirtualKeyRing;
  rate: KeyRequestRate;
  logger: GatewayLogger;
  /** Deadline given to each request's pipeline run. @default 600000 */
  requestTimeoutMs?: number;
  /** Model limits (maximum output, context window) per target. @default from the key ring's providers config */
  limits?: RequestLimits;
  now?: () => number;
}

function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const direct = headers['x-api-key'];
  if (typeof direct === 'string' && direct) return direct;
  const auth = headers.authorization;
  return typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
}

function retryAfter(retryAt: number | undefined, now: number): number {
  return Math.max(1, Math.ceil(((retryAt ?? now + 60_000) - now) / 1000));
}

/** A pipeline answer that is not `ok`, in the front's terms. */
export function frontErrorOf(r: GatewayResponse, now: number): FrontError {
  const message = r.errorMessage ?? r.errorCode ?? 'the gateway failed';
  switch (r.errorCode) {
    case 'budget_exceeded':
      return { kind: 'budget_exceeded', message, retryAfterSeconds: retryAfter(r.retryAt, now) };
    case 'policy_denied':
      return { kind: 'permission', message };
    case 'deadline_exceeded':
      return { kind: 'timeout', message };
    case 'invalid_request':
    case 'request_over_budget':
      return { kind: 'invalid_request', message };
    case 'gateway_unavailable':
      return { kind: 'unavailable', message, retryAfterSeconds: 1 };
    default:
      break;
  }
  if (r.status === 'deferred') {
    const limited = r.attempts.some((a) => a.outcome === 'rate_limited');
    return {
      kind: limited ? 'rate_limited' : 'overloaded',
      message,
      retryAfterSeconds: retryAfter(r.retryAt, now),
    };
  }
  // The vendors refused the request itself (too long, malformed): the client must change it.
  if (
    r.attempts.length &&
    r.attempts.every((a) => a.outcome === 'bad_request' || a.outcome === 'context_length')
  )
    return { kind: 'invalid_request', message };
  // Every attempt ran out of time: whether the vendor call's own timeout (undici's, set to the
  // time left) or the request's deadline fired first is a race, and either way it is a timeout.
  if (r.attempts.length && r.attempts.every((a) => a.outcome === 'timeout'))
    return { kind: 'timeout', message };
  return { kind: 'upstream_failed', message };
}

function answerId(dialect: Dialect, requestId: string): string {
  return dialect.name === 'anthropic' ? `msg_${requestId.replaceAll('-', '')}` : `chatcmpl-${requestId}`;
}

function answerHeaders(
  requestId: string,
  provider: string | undefined,
  model: string | undefined,
  cached: boolean,
  skipped?: string,
): Record<string, string> {
  return {
    'x-request-id': requestId,
    'request-id': requestId,
    'x-agentflow-provider': provider ?? '',
    'x-agentflow-model': model ?? '',
    'x-agentflow-cache': cached ? 'hit' : 'miss',
    ...(skipped ? { 'x-agentflow-skipped': skipped } : {}),
  };
}

/** The dialect a path speaks: Anthropic's for `/v1/messages` (and `/v1/models` asked with `anthropic-version`), else OpenAI's. */
export function dialectOf(path: string, headers: IncomingHttpHeaders): Dialect {
  return path.startsWith('/v1/messages') ||
    (headers['anthropic-version'] !== undefined && !path.startsWith('/v1/chat/'))
    ? anthropicDialect
    : openaiDialect;
}

/** Content types a JSON body may come with; none at all is read as JSON too (curl -d without -H). */
function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined || value === '') return true;
  const type = value.split(';')[0].trim().toLowerCase();
  return type === 'application/json' || type.endsWith('+json');
}

export class GatewayHttpFront {
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private readonly limits: RequestLimits;

  constructor(private readonly o: HttpFrontOptions) {
    this.now = o.now ?? Date.now;
    this.timeoutMs = o.requestTimeoutMs ?? 600_000;
    this.limits = o.limits ?? new RequestLimits(o.keys.providers);
  }

  /**
   * Answers one request from its raw body bytes: the content type and the JSON are checked here,
   * so a body the front cannot read is refused in the dialect's error shape (never a web
   * framework's `{statusCode, message}`). Never throws.
   */
  async handleRaw(req: IncomingMessage, res: ServerResponse, raw: Buffer | undefined): Promise<void> {
    if (raw === undefined || raw.length === 0 || req.method === 'GET')
      return this.handle(req, res, undefined);
    const type = req.headers['content-type'];
    if (!isJsonContentType(type)) {
      return this.refuse(req, res, {
        kind: 'unsupported_media_type',
        message: `the body must be JSON (Content-Type: application/json), not ${String(type).slice(0, 100)}`,
      });
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return this.refuse(req, res, {
        kind: 'invalid_request',
        message: 'the request body is not valid JSON',
      });
    }
    return this.handle(req, res, body);
  }

  /** An error before the request is read (unknown route, body too large, not JSON), in the path's dialect. */
  refuse(req: IncomingMessage, res: ServerResponse, e: FrontError): void {
    const path = (req.url ?? '/').split('?')[0];
    this.fail(res, dialectOf(path, req.headers), randomUUID(), e);
  }

  /** Whether this front serves `method path` (the path without its query). */
  serves(method: string, path: string): boolean {
    return GATEWAY_HTTP_ROUTES.some((r) => r.method === method && r.path === path);
  }

  /** Answers one request whose JSON body is already parsed (undefined for GET). Never throws. */
  async handle(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const requestId = randomUUID();
    const path = (req.url ?? '/').split('?')[0];
    const dialect = dialectOf(path, req.headers);
    try {
      const key = this.o.keys.find(presentedKey(req.headers));
      if (!key) {
        return this.fail(res, dialect, requestId, {
          kind: 'authentication',
          message: 'invalid or missing gateway key: send the virtual key your team was given as the API key',
        });
      }
      if (req.method === 'GET' && path === '/v1/models') return this.models(res, dialect, key, requestId);
      if (!this.serves(req.method ?? '', path))
        return this.fail(res, dialect, requestId, {
          kind: 'not_found',
          message: `${req.method} ${path} is not served by the gateway`,
          code: null,
        });
      const sampling =
        body !== null && typeof body === 'object' && !Array.isArray(body)
          ? dialect.checkSampling(body as Record<string, unknown>)
          : null;
      if (sampling) return this.fail(res, dialect, requestId, sampling);
      const call = dialect.parse(body);
      if (typeof call === 'string')
        return this.fail(res, dialect, requestId, { kind: 'invalid_request', message: call });
      await this.generate(req, res, dialect, key, call, requestId);
    } catch (error) {
      this.o.logger.error('http front failed', {
        requestId,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      if (!res.headersSent)
        this.fail(res, dialect, requestId, {
          kind: 'unavailable',
          message: 'the gateway failed; retry the request',
        });
      else res.destroy();
    }
  }

  private async generate(
    req: IncomingMessage,
    res: ServerResponse,
    dialect: Dialect,
    key: VirtualKey,
    call: ClientCall,
    requestId: string,
  ): Promise<void> {
    if (!key.allows(call.model)) {
      return this.fail(res, dialect, requestId, {
        kind: 'permission',
        message: `key ${key.name} may not call model ${call.model}`,
      });
    }
    const configured = this.o.keys.chain(call.model);
    if (!configured.length)
      return this.fail(res, dialect, requestId, {
        kind: 'not_found',
        message: `model ${call.model} is not configured on this gateway (GET /v1/models lists them)`,
      });
    // Before the rate window, the budget and any vendor: a request no target can take costs nothing.
    const fitted = this.limits.fit(configured, call, dialect);
    const skipped = fitted.skipped.length ? skippedHeader(fitted.skipped) : undefined;
    if (!fitted.targets.length) return this.fail(res, dialect, requestId, fitted.skipped[0].refusal, skipped);
    const chain = fitted.targets;
    const rate = this.o.rate.take(key.name, key.requestsPerMinute);
    if (!rate.allowed) {
      return this.fail(res, dialect, requestId, {
        kind: 'rate_limited',
        message: `key ${key.name} is over its ${key.requestsPerMinute} requests per minute`,
        retryAfterSeconds: rate.retryAfterSeconds,
      });
    }
    // The request's own controller, handed to the pipeline (which aborts it at the deadline too).
    const controller = new AbortController();
    const client = { gone: false };
    // The client went away before the answer: stop the vendor call (its spend is still booked).
    const onClose = () => {
      if (res.writableFinished) return;
      client.gone = true;
      controller.abort('client closed the connection');
    };
    res.once('close', onClose);
    const request: GatewayRequest = {
      requestId,
      providers: chain,
      system: call.system,
      messages: call.messages,
      maxTokens: call.maxTokens,
      temperature: call.temperature,
      responseSchema: call.responseSchema,
      deadline: this.now() + this.timeoutMs,
      dataClass: key.dataClass,
      paths: [],
      attribution: { team: key.team, project: key.project, service: `http:${key.name}` },
    };
    const forward = pickForwarded(req.headers);
    if (call.stream)
      return this.stream(res, dialect, call, request, controller, client, onClose, forward, skipped);
    const { pipeline } = this.o.gateway;
    const response = await (forward
      ? forwardedHeaders.run(forward, () => pipeline.generate(request, controller))
      : pipeline.generate(request, controller));
    res.off('close', onClose);
    if (client.gone || res.destroyed) return;
    if (response.status !== 'ok')
      return this.fail(res, dialect, requestId, frontErrorOf(response, this.now()), skipped);
    const payload = dialect.answer(call, response, answerId(dialect, requestId));
    res.writeHead(200, {
      ...answerHeaders(requestId, response.provider, response.model, response.cached, skipped),
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
    });
    res.end(payload);
  }

  /** A streamed request: pieces are written as the vendor sends them (see the top of this file). */
  private async stream(
    res: ServerResponse,
    dialect: Dialect,
    call: ClientCall,
    request: GatewayRequest,
    controller: AbortController,
    client: { gone: boolean },
    onClose: () => void,
    forward: Record<string, string> | undefined,
    skipped: string | undefined,
  ): Promise<void> {
    const { requestId } = request;
    const id = answerId(dialect, requestId);
    const live = dialect.live(call, id);
    let started = false;
    const sink: PipelineStreamSink = {
      start: (from) => {
        if (res.destroyed) return;
        started = true;
        res.writeHead(200, {
          ...answerHeaders(requestId, from.provider, from.model, false, skipped),
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
        });
        res.write(live.open(from.usage));
      },
      // Not paced by the socket's drain: an answer is bounded by max_tokens, and holding the vendor back would not make it cheaper.
      piece: (text) => {
        if (started && !res.destroyed) res.write(live.piece(text));
      },
    };
    const run = () => this.o.gateway.pipeline.stream(request, sink, controller);
    const response = await (forward ? forwardedHeaders.run(forward, run) : run());
    res.off('close', onClose);
    if (client.gone || res.destroyed) {
      if (started && !res.destroyed) res.destroy();
      return;
    }
    if (started) {
      res.end(
        response.status === 'ok' ? live.close(response) : live.error(frontErrorOf(response, this.now())),
      );
      return;
    }
    // Nothing went out yet: a failure is an HTTP error, and an answer that did not stream (a cache hit) is sent whole.
    if (response.status !== 'ok')
      return this.fail(res, dialect, requestId, frontErrorOf(response, this.now()), skipped);
    res.writeHead(200, {
      ...answerHeaders(requestId, response.provider, response.model, response.cached, skipped),
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
    });
    res.end(dialect.events(call, response, id).join(''));
  }

  private models(res: ServerResponse, dialect: Dialect, key: VirtualKey, requestId: string): void {
    const names = this.o.keys.models(key);
    const body =
      dialect.name === 'anthropic'
        ? {
            data: names.map((id) => ({
              type: 'model',
              id,
              display_name: id,
              created_at: '1970-01-01T00:00:00Z',
            })),
            has_more: false,
            first_id: names[0] ?? null,
            last_id: names.at(-1) ?? null,
          }
        : {
            object: 'list',
            data: names.map((id) => ({ id, object: 'model', created: 0, owned_by: 'agentflow-gateway' })),
          };
    const payload = JSON.stringify(body);
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
      'x-request-id': requestId,
    });
    res.end(payload);
  }

  private fail(
    res: ServerResponse,
    dialect: Dialect,
    requestId: string,
    e: FrontError,
    skipped?: string,
  ): void {
    const wire = dialect.error(e, requestId);
    const payload = JSON.stringify(wire.body);
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
      'x-request-id': requestId,
      'request-id': requestId,
      // Both SDKs read x-should-retry before the status: they retry 408/409/429/5xx by themselves
      // unless told not to, and the gateway already retried and fell back.
      'x-should-retry':
        e.kind === 'rate_limited' || e.kind === 'budget_exceeded' || e.kind === 'overloaded'
          ? 'true'
          : 'false',
      ...(skipped ? { 'x-agentflow-skipped': skipped } : {}),
    };
    if (e.retryAfterSeconds !== undefined) headers['retry-after'] = String(e.retryAfterSeconds);
    res.writeHead(wire.status, headers);
    res.end(payload);
  }
}
