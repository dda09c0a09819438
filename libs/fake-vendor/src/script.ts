/**
 * What the fake vendor does with the next request on a route: answer, fail in a vendor's way, or
 * misbehave on the wire. Tests queue these per route, or install a function that decides per request.
 */

/** Token counts to report instead of the ones the fake estimates from the request. */
export interface UsageOverride {
  inputTokens?: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
}

/** What happened to a streamed answer, in order, for tests that assert on when the client saw what. */
export type StreamEvent = 'held' | 'released' | 'finished' | 'cut' | 'client-closed';

/**
 * How a streamed answer is paced. Each SSE event is its own write, so a client sees them arrive
 * one by one as from the real API.
 */
export interface StreamPacing {
  /** Wait between two events. @default 0 */
  chunkDelayMs?: number;
  /** Stop after this many events until `release` settles (to prove a client saw them before the rest exists). */
  holdAfterEvents?: number;
  /** What a hold waits for. @default never settles (the client's abort or close() ends the stream) */
  release?: PromiseLike<unknown>;
  /** Told what the stream did: held, released, finished, cut, or the client closed it first. */
  onStream?: (event: StreamEvent) => void;
}

export type VendorScript =
  /** A normal answer. `text` for plain output, `json` for structured output (tool use / json_schema). Defaults: the simulated reviewer. */
  | ({ kind: 'reply'; text?: string; json?: unknown; usage?: UsageOverride; delayMs?: number } & StreamPacing)
  /** 429 in the vendor's shape, with `Retry-After` (seconds) when given. */
  | { kind: 'rate-limit'; retryAfterSeconds?: number }
  /** Anthropic 529 `overloaded_error`; OpenAI 503 `server_error`. */
  | { kind: 'overloaded' }
  /** 500 in the vendor's shape. */
  | { kind: 'server-error'; status?: number }
  /** The vendor's context-length error (Anthropic 400 `prompt is too long`, OpenAI 400 `context_length_exceeded`). */
  | { kind: 'context-length' }
  /** Any status and message in the vendor's error shape. */
  | { kind: 'error'; status: number; message?: string; retryAfterSeconds?: number }
  /** Accept the request and never answer (until the client goes away or the server closes). */
  | { kind: 'hang' }
  /**
   * Send headers and part of the body, then destroy the socket. For a stream: after `afterEvents`
   * SSE events (default 2); for a plain response: half the JSON body.
   */
  | ({ kind: 'cut'; afterEvents?: number; usage?: UsageOverride } & StreamPacing)
  /** A 200 stream that carries an error event midway (Anthropic `event: error`; OpenAI an `error` chunk). */
  | ({ kind: 'stream-error'; afterEvents?: number } & StreamPacing);

export type VendorRoute = 'anthropic' | 'openai';

/** A request as the fake vendor saw it (the log tests assert on). */
export interface ServedRequest {
  seq: number;
  route: VendorRoute;
  /** Which wire dialect: direct API, Bedrock, Vertex, Azure. */
  dialect: 'anthropic' | 'bedrock' | 'vertex' | 'openai' | 'azure';
  method: string;
  path: string;
  model: string;
  stream: boolean;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** The raw request body as received. Absent when the server logs counts only. */
  rawBody?: string;
  body?: Record<string, unknown>;
  status: number;
  requestId: string;
  /** What was done: `reply`, `rate-limit`, ... */
  outcome: VendorScript['kind'] | 'unauthorized' | 'invalid';
}

/** Decides per request; return undefined to fall through to the queue, then to the default. */
export type ScriptFunction = (request: Omit<ServedRequest, 'status' | 'outcome'>) => VendorScript | undefined;
