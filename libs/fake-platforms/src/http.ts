/**
 * A tiny HTTP router for the fake platforms: exact wire behaviour matters more here than features,
 * so each fake writes its own status codes and headers through {@link FakeResponse}.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  params: Record<string, string>;
  rawBody: string;
  /** Parsed JSON or form body (Slack posts forms); `{}` when empty. */
  body: Record<string, unknown>;
}

export interface FakeResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type FakeHandler = (req: FakeRequest) => FakeResponse | Promise<FakeResponse>;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: FakeHandler;
}

/** One request as the fake saw it, for assertions. */
export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}

export class FakeRouter {
  private readonly routes: Route[] = [];

  /** `path` uses `:name` for one segment and `*name` for the rest of the path. */
  on(method: string, path: string, handler: FakeHandler): this {
    const names: string[] = [];
    const source = path
      .split('/')
      .map((segment) => {
        if (segment.startsWith(':')) {
          names.push(segment.slice(1));
          return '([^/]+)';
        }
        if (segment.startsWith('*')) {
          names.push(segment.slice(1));
          return '(.+)';
        }
        return segment.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), names, handler });
    return this;
  }

  match(method: string, path: string): { handler: FakeHandler; params: Record<string, string> } | null {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1])));
      return { handler: route.handler, params };
    }
    return null;
  }
}

function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  if (contentType?.includes('application/x-www-form-urlencoded')) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of new URLSearchParams(raw)) out[k] = v;
    return out;
  }
  const parsed: unknown = JSON.parse(raw);
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : { value: parsed };
}

export interface RunningFake {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * Serves `router` on 127.0.0.1. `prefixes` are stripped before routing (GitHub Enterprise serves
 * the REST API under `/api/v3`). `decorate` adds headers to every response (rate-limit headers).
 */
export async function serveFake(
  router: FakeRouter,
  options: {
    port?: number;
    prefixes?: string[];
    decorate?: (req: FakeRequest, res: FakeResponse) => void;
    /** Runs before routing; a response short-circuits (forced failures). */
    intercept?: (req: FakeRequest) => FakeResponse | null;
    /** Milliseconds to wait before handling a request (a slow platform); 0 or absent: at once. */
    delayMs?: (req: FakeRequest) => number;
    notFound?: (req: FakeRequest) => FakeResponse;
    /**
     * Requests this answers itself, body unread and as bytes (git's smart HTTP protocol, whose
     * bodies are packs, not JSON): it answers true when it took the request. Not recorded.
     */
    raw?: (req: IncomingMessage, res: ServerResponse) => boolean;
  } = {},
): Promise<RunningFake> {
  const requests: RecordedRequest[] = [];
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (options.raw?.(req, res)) return;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let path = url.pathname;
    for (const prefix of options.prefixes ?? []) {
      if (path.startsWith(prefix + '/')) path = path.slice(prefix.length);
    }
    const fakeReq: FakeRequest = {
      method: req.method ?? 'GET',
      path,
      query: url.searchParams,
      headers: req.headers,
      params: {},
      rawBody,
      body: {},
    };
    let response: FakeResponse;
    try {
      fakeReq.body = parseBody(rawBody, req.headers['content-type']);
      const delay = options.delayMs?.(fakeReq) ?? 0;
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      response = options.intercept?.(fakeReq) ?? (await route(fakeReq));
    } catch (error) {
      response =
        error instanceof SyntaxError
          ? { status: 400, body: { message: 'Problems parsing JSON' } }
          : { status: 500, body: { message: String(error) } };
    }
    options.decorate?.(fakeReq, response);
    requests.push({
      method: fakeReq.method,
      path,
      status: response.status,
      body: fakeReq.body,
      headers: req.headers,
    });
    const headers: Record<string, string> = { ...(response.headers ?? {}) };
    let payload = '';
    if (response.body !== undefined) {
      headers['content-type'] ??= 'application/json; charset=utf-8';
      payload = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
    }
    res.writeHead(response.status, headers);
    res.end(payload);
  };
  const route = async (fakeReq: FakeRequest): Promise<FakeResponse> => {
    const found = router.match(fakeReq.method, fakeReq.path);
    if (!found) return options.notFound?.(fakeReq) ?? { status: 404, body: { message: 'Not Found' } };
    fakeReq.params = found.params;
    return found.handler(fakeReq);
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A forced failure for the next matching calls, to test rate limits and outages. */
export interface FailureRule {
  method?: string;
  /** Substring or regular expression the request path must match. */
  path?: string | RegExp;
  status: number;
  /** Seconds, sent as `Retry-After`. */
  retryAfter?: number;
  body?: unknown;
  /** How many calls fail. @default 1 */
  times?: number;
}

export function takeFailure(rules: FailureRule[], req: FakeRequest): FailureRule | null {
  for (const rule of rules) {
    if (rule.method && rule.method !== req.method) continue;
    if (
      rule.path &&
      !(typeof rule.path === 'string' ? req.path.includes(rule.path) : rule.path.test(req.path))
    )
      continue;
    const left = (rule.times ?? 1) - 1;
    if (left <= 0) rules.splice(rules.indexOf(rule), 1);
    else rule.times = left;
    return rule;
  }
  return null;
}
