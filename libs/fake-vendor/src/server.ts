/**
 * A fake AI vendor on 127.0.0.1 (random port) that speaks the real wire formats of Anthropic
 * Messages (direct, Bedrock and Vertex paths) and OpenAI Chat Completions (direct and Azure paths),
 * so the official SDKs can be driven against it. Faults are scripted per route (a queue, or a
 * function per request); everything served is counted and, unless told otherwise, logged with its
 * raw body so tests can assert what reached the vendor. Without a script it answers as the
 * deterministic simulated reviewer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import {
  anthropicCachedPrefix,
  anthropicErrorBody,
  anthropicMessage,
  anthropicPrompt,
  anthropicStreamError,
  anthropicStreamEvents,
  anthropicOutputFormat,
  anthropicToolSchema,
  anthropicUsage,
  FORCED_TOOL_CHOICE_MESSAGE,
  forcesTool,
  REFUSE_FORCED_TOOL_CHOICE,
  type AnthropicContent,
} from './anthropic-wire';
import {
  openaiCachedPrefix,
  openaiCompletion,
  openaiErrorBody,
  openaiPrompt,
  openaiSchema,
  openaiStreamError,
  openaiStreamEvents,
  openaiUsage,
} from './openai-wire';
import type { ScriptFunction, ServedRequest, StreamPacing, VendorRoute, VendorScript } from './script';
import { simulatedJson, simulatedText } from './simulated-reviewer';
import { estimateTokens } from './tokens';
import { FakeCursorAgents } from './cursor-agents';
import { FakeHttpJobVendor } from './http-job-vendor';
import { FakeBatches } from './batches';
import { anthropicModelList, DEFAULT_ACCOUNT_MODELS, listDialect, openaiModelList } from './model-lists';

export interface FakeVendorOptions {
  /** @default 0 (a free port) */
  port?: number;
  /**
   * Keys accepted (`x-api-key`, `Authorization: Bearer`, Azure `api-key`). When set, any other key
   * gets the vendor's 401, whose message echoes the key as OpenAI's does: the path on which a
   * gateway must not leak it. @default any key is accepted
   */
  apiKeys?: string[];
  /** Added before every answer (the bench's "50 ms vendor"). @default 0 */
  latencyMs?: number;
  /** `full` keeps every raw body; `count` only counts (for benchmarks). @default 'full' */
  log?: 'full' | 'count';
  /** Context window per model; a longer prompt gets the vendor's context-length error. */
  contextWindows?: Record<string, number>;
  /**
   * The models the account may use, per vendor, as `GET /v1/models` lists them.
   * @default {@link DEFAULT_ACCOUNT_MODELS} and the models of `contextWindows`
   */
  accountModels?: Partial<Record<VendorRoute, string[]>>;
  /**
   * Anthropic models that answer a forced `tool_choice` with a 400, as their migration guides say.
   * @default {@link REFUSE_FORCED_TOOL_CHOICE}
   */
  refuseForcedToolChoice?: string[];
}

interface Parsed {
  route: VendorRoute;
  dialect: ServedRequest['dialect'];
  model: string;
  stream: boolean;
}

const MODEL_PATH = /^\/model\/([^/]+)\/(invoke|invoke-with-response-stream)$/;
const VERTEX_PATH =
  /^\/(?:v1\/)?projects\/[^/]+\/locations\/[^/]+\/publishers\/anthropic\/models\/([^/:]+):(rawPredict|streamRawPredict)$/;
const AZURE_PATH = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/;

function parseRoute(path: string, body: Record<string, unknown>): Parsed | null {
  const stream = body.stream === true;
  if (path === '/v1/messages')
    return { route: 'anthropic', dialect: 'anthropic', model: String(body.model ?? ''), stream };
  let m = MODEL_PATH.exec(path);
  if (m)
    return {
      route: 'anthropic',
      dialect: 'bedrock',
      model: decodeURIComponent(m[1]),
      stream: m[2] !== 'invoke',
    };
  m = VERTEX_PATH.exec(path);
  if (m)
    return {
      route: 'anthropic',
      dialect: 'vertex',
      model: decodeURIComponent(m[1]),
      stream: m[2] === 'streamRawPredict',
    };
  if (path === '/v1/chat/completions' || path === '/chat/completions')
    return { route: 'openai', dialect: 'openai', model: String(body.model ?? ''), stream };
  m = AZURE_PATH.exec(path);
  if (m) return { route: 'openai', dialect: 'azure', model: decodeURIComponent(m[1]), stream };
  return null;
}

function presentedKey(headers: IncomingMessage['headers']): string | undefined {
  const direct = headers['x-api-key'] ?? headers['api-key'];
  if (typeof direct === 'string') return direct;
  const auth = headers.authorization;
  if (typeof auth !== 'string') return undefined;
  if (auth.startsWith('Bearer ')) return auth.slice(7);
  // Basic with the key as user name and an empty password, as Cursor's API takes it.
  if (auth.startsWith('Basic '))
    return Buffer.from(auth.slice(6), 'base64').toString('utf8').replace(/:$/, '');
  return undefined;
}

export class FakeVendorServer {
  private readonly server: Server;
  private readonly queues: Record<VendorRoute, VendorScript[]> = { anthropic: [], openai: [] };
  private readonly functions: Partial<Record<VendorRoute, ScriptFunction>> = {};
  private readonly log: ServedRequest[] = [];
  private readonly counts = new Map<string, number>();
  private readonly seenPrefixes = new Set<string>();
  private readonly nonce = randomBytes(4).toString('hex');
  private seq = 0;
  private hanging = 0;
  private readonly lists: Record<VendorRoute, number> = { anthropic: 0, openai: 0 };
  private options: FakeVendorOptions;
  private address = '';
  /** Cursor cloud agents API (`/v0/agents`), scripted per launch. */
  readonly cursor = new FakeCursorAgents();
  /** The generic submit-and-poll vendor (`/testing-ai/v1/runs`). */
  readonly httpJob = new FakeHttpJobVendor();
  /** Anthropic Message Batches and OpenAI Batch (with files). */
  readonly batches = new FakeBatches(
    () => this.address,
    (model) => this.refusesForcedTool(model),
  );

  constructor(options: FakeVendorOptions = {}) {
    this.options = { ...options };
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            error: { message: `fake vendor failed: ${String(error)}`, type: 'server_error' },
          }),
        );
      });
    });
    this.server.keepAliveTimeout = 65_000;
  }

  /** Starts listening on 127.0.0.1; resolves with the base URL (`http://127.0.0.1:PORT`). */
  async start(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, '127.0.0.1', () => resolve());
    });
    this.address = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.address;
  }

  /** Base URL for the Anthropic SDK (`baseURL`). */
  get anthropicBaseUrl(): string {
    return this.address;
  }

  /** Base URL for the OpenAI SDK (`baseURL`, which includes `/v1`). */
  get openaiBaseUrl(): string {
    return `${this.address}/v1`;
  }

  get url(): string {
    return this.address;
  }

  /** Ends hanging requests and open streams, then stops listening. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Queue scripts for the next requests on a route, served in order before the function or the default. */
  enqueue(route: VendorRoute, ...scripts: VendorScript[]): this {
    this.queues[route].push(...scripts);
    return this;
  }

  /** Decide per request on a route (after the queue is empty); undefined falls through to the default. */
  setScript(route: VendorRoute, fn: ScriptFunction | undefined): this {
    if (fn) this.functions[route] = fn;
    else delete this.functions[route];
    return this;
  }

  setLatency(ms: number): this {
    this.options.latencyMs = ms;
    return this;
  }

  /** What was served, in order (empty when logging counts only). */
  served(route?: VendorRoute): ServedRequest[] {
    return route ? this.log.filter((r) => r.route === route) : [...this.log];
  }

  /** Requests served, optionally by route and status (`count('openai', 200)`). */
  count(route?: VendorRoute, status?: number): number {
    let total = 0;
    for (const [key, n] of this.counts) {
      const [r, s] = key.split(':');
      if ((route === undefined || r === route) && (status === undefined || Number(s) === status)) total += n;
    }
    return total;
  }

  /** Whether any logged request body, header or path contains `text` (for "no secret reached the vendor"). */
  received(text: string): boolean {
    return this.log.some(
      (r) =>
        r.rawBody?.includes(text) ||
        r.path.includes(text) ||
        Object.values(r.headers).some((v) => v.includes(text)),
    );
  }

  /** Requests held by a `hang` script whose client is still connected (0 once every caller aborted). */
  get openHangs(): number {
    return this.hanging;
  }

  /** Which models the account has on `route` (`undefined`: back to the default list). */
  setAccountModels(route: VendorRoute, ids: string[] | undefined): this {
    this.options.accountModels = { ...this.options.accountModels, [route]: ids };
    return this;
  }

  /** The models `GET /v1/models` lists for `route`. */
  accountModels(route: VendorRoute): string[] {
    const set = this.options.accountModels?.[route];
    if (set) return [...set];
    const extra = Object.keys(this.options.contextWindows ?? {}).filter(
      (id) => !DEFAULT_ACCOUNT_MODELS[route].includes(id),
    );
    return [...DEFAULT_ACCOUNT_MODELS[route], ...extra];
  }

  /** Whether `model` answers a forced `tool_choice` with a 400, as {@link REFUSE_FORCED_TOOL_CHOICE} or the options say. */
  refusesForcedTool(model: string): boolean {
    return (this.options.refuseForcedToolChoice ?? REFUSE_FORCED_TOOL_CHOICE).includes(model);
  }

  /** `GET /v1/models` requests answered, per dialect (kept apart from the generation counts). */
  listRequests(route?: VendorRoute): number {
    return route ? this.lists[route] : this.lists.anthropic + this.lists.openai;
  }

  private listModels(req: IncomingMessage, res: ServerResponse): void {
    const route = listDialect(req);
    this.lists[route] += 1;
    const requestId = this.requestId(route);
    const idHeader = route === 'anthropic' ? 'request-id' : 'x-request-id';
    const parsed: Parsed = { route, dialect: route, model: '', stream: false };
    const key = presentedKey(req.headers);
    if (this.options.apiKeys && (!key || !this.options.apiKeys.includes(key))) {
      const message =
        route === 'openai'
          ? `Incorrect API key provided: ${key ?? '(none)'}. You can find your API key at https://platform.openai.com/account/api-keys.`
          : `invalid x-api-key: ${key ?? '(none)'}`;
      this.sendError(res, parsed, 401, message, requestId, idHeader);
      return;
    }
    const ids = this.accountModels(route);
    if (route === 'openai') {
      res.writeHead(200, { 'content-type': 'application/json', [idHeader]: requestId });
      res.end(JSON.stringify(openaiModelList(ids)));
      return;
    }
    const result = anthropicModelList(ids, new URL(req.url ?? '/', 'http://fake').searchParams);
    if (result.status === 400) {
      this.sendError(res, parsed, 400, result.message, requestId, idHeader);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', [idHeader]: requestId });
    res.end(JSON.stringify(result.body));
  }

  /** Forget the log, the counts (list requests too), the queues and the prompt-cache memory. */
  reset(): void {
    this.log.length = 0;
    this.counts.clear();
    this.queues.anthropic.length = 0;
    this.queues.openai.length = 0;
    this.seenPrefixes.clear();
    this.lists.anthropic = 0;
    this.lists.openai = 0;
  }

  private requestId(route: VendorRoute): string {
    this.seq += 1;
    return `${route === 'anthropic' ? 'req_' : 'req-'}sim${this.nonce}${this.seq.toString(36).padStart(6, '0')}`;
  }

  private record(entry: ServedRequest): void {
    const key = `${entry.route}:${entry.status}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (this.options.log !== 'count') this.log.push(entry);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '/').split('?')[0];

    if (req.method === 'GET' && path === '/v1/models') {
      this.listModels(req, res);
      return;
    }

    let body: Record<string, unknown> = {};
    try {
      body = rawBody ? (JSON.parse(rawBody) as Record<string, unknown>) : {};
    } catch {
      body = {};
    }
    if (this.serveJobRoute(req, res, path, body, rawBody)) return;
    const parsed = parseRoute(path, body);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    if (!parsed || req.method !== 'POST') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: {
            message: `no route ${req.method} ${path} on the fake vendor`,
            type: 'invalid_request_error',
          },
        }),
      );
      return;
    }
    const requestId = this.requestId(parsed.route);
    const base = {
      seq: this.seq,
      route: parsed.route,
      dialect: parsed.dialect,
      method: req.method,
      path,
      model: parsed.model,
      stream: parsed.stream,
      headers,
      requestId,
    };
    const logged = this.options.log === 'count' ? base : { ...base, rawBody, body };
    const idHeader = parsed.route === 'anthropic' ? 'request-id' : 'x-request-id';

    const key = presentedKey(req.headers);
    if (this.options.apiKeys && (!key || !this.options.apiKeys.includes(key))) {
      const message =
        parsed.route === 'openai'
          ? `Incorrect API key provided: ${key ?? '(none)'}. You can find your API key at https://platform.openai.com/account/api-keys.`
          : `invalid x-api-key: ${key ?? '(none)'}`;
      this.sendError(res, parsed, 401, message, requestId, idHeader);
      this.record({ ...logged, status: 401, outcome: 'unauthorized' });
      return;
    }

    if (parsed.route === 'anthropic' && forcesTool(body) && this.refusesForcedTool(parsed.model)) {
      this.sendError(res, parsed, 400, FORCED_TOOL_CHOICE_MESSAGE, requestId, idHeader);
      this.record({ ...logged, status: 400, outcome: 'error' });
      return;
    }

    const script = this.queues[parsed.route].shift() ??
      this.functions[parsed.route]?.(logged) ?? { kind: 'reply' as const };
    const prompt = parsed.route === 'anthropic' ? anthropicPrompt(body) : openaiPrompt(body);
    const promptTokens = estimateTokens(prompt) + 8;
    const window = this.options.contextWindows?.[parsed.model];
    const effective: VendorScript =
      script.kind === 'reply' && window !== undefined && promptTokens > window
        ? { kind: 'context-length' }
        : script;

    const latency =
      (this.options.latencyMs ?? 0) + (effective.kind === 'reply' ? (effective.delayMs ?? 0) : 0);
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));

    switch (effective.kind) {
      case 'reply':
      case 'cut':
      case 'stream-error': {
        const status = await this.reply(
          res,
          parsed,
          body,
          prompt,
          promptTokens,
          effective,
          requestId,
          idHeader,
        );
        this.record({ ...logged, status, outcome: effective.kind });
        return;
      }
      case 'hang':
        this.record({ ...logged, status: 0, outcome: 'hang' });
        this.hanging += 1;
        res.on('close', () => {
          this.hanging -= 1;
        });
        // Nothing is written: the client's timeout or abort ends it, or close() does.
        return;
      case 'rate-limit': {
        const extra: Record<string, string> = {};
        if (effective.retryAfterSeconds !== undefined)
          extra['retry-after'] = String(effective.retryAfterSeconds);
        const message =
          parsed.route === 'anthropic'
            ? "This request would exceed your organization's rate limit. Please try again later."
            : `Rate limit reached for ${parsed.model} on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in ${effective.retryAfterSeconds ?? 20}s.`;
        this.sendError(res, parsed, 429, message, requestId, idHeader, extra);
        this.record({ ...logged, status: 429, outcome: 'rate-limit' });
        return;
      }
      case 'overloaded': {
        const status = parsed.route === 'anthropic' ? 529 : 503;
        this.sendError(
          res,
          parsed,
          status,
          parsed.route === 'anthropic' ? 'Overloaded' : 'The server is overloaded or not ready yet.',
          requestId,
          idHeader,
        );
        this.record({ ...logged, status, outcome: 'overloaded' });
        return;
      }
      case 'server-error': {
        const status = effective.status ?? 500;
        this.sendError(
          res,
          parsed,
          status,
          parsed.route === 'anthropic'
            ? 'Internal server error'
            : 'The server had an error while processing your request. Sorry about that!',
          requestId,
          idHeader,
        );
        this.record({ ...logged, status, outcome: 'server-error' });
        return;
      }
      case 'context-length': {
        const limit = window ?? 200_000;
        const message =
          parsed.route === 'anthropic'
            ? `prompt is too long: ${Math.max(promptTokens, limit + 1)} tokens > ${limit} maximum`
            : `This model's maximum context length is ${limit} tokens. However, your messages resulted in ${Math.max(promptTokens, limit + 1)} tokens. Please reduce the length of the messages.`;
        this.sendError(res, parsed, 400, message, requestId, idHeader, {}, 'context_length_exceeded');
        this.record({ ...logged, status: 400, outcome: 'context-length' });
        return;
      }
      case 'error': {
        const extra: Record<string, string> = {};
        if (effective.retryAfterSeconds !== undefined)
          extra['retry-after'] = String(effective.retryAfterSeconds);
        this.sendError(
          res,
          parsed,
          effective.status,
          effective.message ?? `simulated error ${effective.status}`,
          requestId,
          idHeader,
          extra,
        );
        this.record({ ...logged, status: effective.status, outcome: 'error' });
        return;
      }
    }
  }

  /** Long-running vendor endpoints (Cursor, the generic job vendor, Batch APIs); false when none matched. */
  private serveJobRoute(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    body: Record<string, unknown>,
    rawBody: string,
  ): boolean {
    const method = req.method ?? 'GET';
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const isJobPath =
      path.startsWith('/v0/agents') ||
      path.startsWith('/testing-ai/') ||
      path.startsWith('/v1/messages/batches') ||
      path.startsWith('/v1/files') ||
      path.startsWith('/v1/batches');
    if (!isJobPath) return false;
    const key = presentedKey(req.headers);
    const keyed = !path.startsWith('/testing-ai/');
    // Cursor's Cloud Agents API documents Basic authentication only.
    const cursorWithoutBasic =
      path.startsWith('/v0/agents') && !req.headers.authorization?.startsWith('Basic ');
    const answer =
      keyed && this.options.apiKeys && (!key || !this.options.apiKeys.includes(key) || cursorWithoutBasic)
        ? {
            status: 401,
            json: {
              error: {
                message: cursorWithoutBasic
                  ? 'use Basic authentication with the API key as user name'
                  : 'invalid api key',
                type: 'authentication_error',
              },
            },
          }
        : (this.cursor.route(method, path, body) ??
          this.httpJob.route(method, path, body, headers) ??
          this.batches.route(method, path, body, rawBody, headers) ?? {
            status: 404,
            json: {
              error: {
                message: `no route ${method} ${path} on the fake vendor`,
                type: 'invalid_request_error',
              },
            },
          });
    // Job fakes keep their own records (launches, submissions, created batches); the chat log stays chat-only.
    res.writeHead(answer.status, {
      'content-type':
        answer.contentType ?? (answer.text !== undefined ? 'application/jsonl' : 'application/json'),
    });
    res.end(answer.text ?? JSON.stringify(answer.json ?? {}));
    return true;
  }

  private sendError(
    res: ServerResponse,
    parsed: Parsed,
    status: number,
    message: string,
    requestId: string,
    idHeader: string,
    extra: Record<string, string> = {},
    code?: string,
  ): void {
    const body =
      parsed.route === 'anthropic'
        ? anthropicErrorBody(status, message, requestId)
        : openaiErrorBody(status, message, code);
    res.writeHead(status, { 'content-type': 'application/json', [idHeader]: requestId, ...extra });
    res.end(body);
  }

  /** Cache accounting the way each vendor reports it: a prefix seen before is read, else written (Anthropic) or not cached (OpenAI). */
  private cacheTokens(parsed: Parsed, body: Record<string, unknown>): { read: number; write: number } {
    const prefix = parsed.route === 'anthropic' ? anthropicCachedPrefix(body) : openaiCachedPrefix(body);
    if (!prefix) return { read: 0, write: 0 };
    const key = `${parsed.model}\u0000${prefix}`;
    const tokens = estimateTokens(prefix);
    if (this.seenPrefixes.has(key)) return { read: tokens, write: 0 };
    // Bounded like a real prompt cache: long benchmark runs must not grow the fake without limit.
    if (this.seenPrefixes.size >= 10_000) this.seenPrefixes.clear();
    this.seenPrefixes.add(key);
    return parsed.route === 'anthropic' ? { read: 0, write: tokens } : { read: 0, write: 0 };
  }

  private async reply(
    res: ServerResponse,
    parsed: Parsed,
    body: Record<string, unknown>,
    prompt: string,
    promptTokens: number,
    script: Extract<VendorScript, { kind: 'reply' | 'cut' | 'stream-error' }>,
    requestId: string,
    idHeader: string,
  ): Promise<number> {
    const override = script.kind === 'reply' || script.kind === 'cut' ? script.usage : undefined;
    const cache = this.cacheTokens(parsed, body);
    const created = Math.floor(Date.now() / 1000);
    const messageId =
      parsed.route === 'anthropic' ? `msg_sim${requestId.slice(7)}` : `chatcmpl-sim${requestId.slice(7)}`;
    let events: string[];
    let json: string;
    if (parsed.route === 'anthropic') {
      const tool = anthropicToolSchema(body);
      const format = anthropicOutputFormat(body);
      const scriptedJson = script.kind === 'reply' ? script.json : undefined;
      const scriptedText = script.kind === 'reply' ? script.text : undefined;
      const content: AnthropicContent[] = tool
        ? [
            {
              type: 'tool_use',
              id: `toolu_sim${requestId.slice(7)}`,
              name: tool.name,
              input: scriptedJson ?? simulatedJson(prompt, tool.schema),
            },
          ]
        : format
          ? [
              {
                type: 'text',
                text: scriptedText ?? JSON.stringify(scriptedJson ?? simulatedJson(prompt, format)),
              },
            ]
          : [
              {
                type: 'text',
                text:
                  scriptedText ??
                  (scriptedJson !== undefined ? JSON.stringify(scriptedJson) : simulatedText(prompt)),
              },
            ];
      const outputText = content[0].type === 'text' ? content[0].text : JSON.stringify(content[0].input);
      const usage = anthropicUsage(
        Math.max(promptTokens - cache.read - cache.write, 1),
        estimateTokens(outputText),
        cache.read,
        cache.write,
        override,
      );
      const model = parsed.dialect === 'anthropic' ? parsed.model : parsed.model;
      json = anthropicMessage(messageId, model, content, usage);
      events = parsed.stream ? anthropicStreamEvents(messageId, model, content, usage) : [];
    } else {
      const schema = openaiSchema(body);
      const scriptedJson = script.kind === 'reply' ? script.json : undefined;
      const scriptedText = script.kind === 'reply' ? script.text : undefined;
      const content =
        scriptedText ??
        (scriptedJson !== undefined
          ? JSON.stringify(scriptedJson)
          : schema
            ? JSON.stringify(simulatedJson(prompt, schema.schema))
            : simulatedText(prompt));
      const usage = openaiUsage(promptTokens, estimateTokens(content), cache.read, override);
      json = openaiCompletion(messageId, parsed.model, content, usage, created);
      const includeUsage =
        (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
      events = parsed.stream
        ? openaiStreamEvents(messageId, parsed.model, content, includeUsage ? usage : null, created)
        : [];
    }

    if (!parsed.stream) {
      res.writeHead(200, { 'content-type': 'application/json', [idHeader]: requestId });
      if (script.kind === 'cut') {
        res.write(json.slice(0, Math.floor(json.length / 2)));
        res.socket?.destroy();
        return 200;
      }
      res.end(json);
      return 200;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      [idHeader]: requestId,
    });
    res.flushHeaders();
    if (script.kind === 'cut') {
      if (!(await writeEvents(res, events.slice(0, script.afterEvents ?? 2), script))) return 200;
      script.onStream?.('cut');
      // Give the bytes a moment to leave before the socket dies, as a dropped connection would.
      setTimeout(() => res.socket?.destroy(), 5);
      return 200;
    }
    if (script.kind === 'stream-error') {
      const head = events.slice(0, script.afterEvents ?? 2);
      const error =
        parsed.route === 'anthropic'
          ? anthropicStreamError(529, 'Overloaded')
          : openaiStreamError('The server had an error while processing your request.');
      if (await writeEvents(res, [...head, error], script)) res.end();
      return 200;
    }
    if (await writeEvents(res, events, script)) {
      res.end();
      script.onStream?.('finished');
    }
    return 200;
  }
}

/**
 * Writes SSE events one write each, paced and held as scripted. False when the client closed the
 * connection first (the rest is not written: a vendor stops generating for a client that left).
 */
async function writeEvents(res: ServerResponse, events: string[], pacing: StreamPacing): Promise<boolean> {
  let closed = res.destroyed;
  const onClose = () => {
    if (!res.writableEnded) closed = true;
  };
  res.on('close', onClose);
  try {
    for (let i = 0; i < events.length; i++) {
      if (i > 0 && i === pacing.holdAfterEvents) {
        pacing.onStream?.('held');
        await Promise.race([
          pacing.release ?? new Promise(() => undefined),
          new Promise((r) => res.once('close', r)),
        ]);
        if (!closed) pacing.onStream?.('released');
      } else if (i > 0 && pacing.chunkDelayMs) {
        await new Promise((r) => setTimeout(r, pacing.chunkDelayMs));
      }
      if (closed) {
        pacing.onStream?.('client-closed');
        return false;
      }
      res.write(events[i]);
    }
    return true;
  } finally {
    res.off('close', onClose);
  }
}
