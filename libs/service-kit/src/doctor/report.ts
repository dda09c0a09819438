/**
 * What `agentflow doctor` says: one line per thing agentflow depends on, each `ok`, `off` (not
 * configured, so that capability is not used) or `broken` (configured but not working), with what
 * to do. Anything broken makes the report fail (exit 1); `off` never does.
 */
import type { ProvidersConfig, Topology } from '@agentflow/contracts';

export type DoctorState = 'ok' | 'off' | 'broken';

export interface DoctorLine {
  /** What was checked: `anthropic`, `github`, `nats`, ... */
  check: string;
  state: DoctorState;
  /** What was found, in one sentence. */
  detail: string;
  /** What to do about it (absent when there is nothing to do). */
  fix?: string;
}

export interface DoctorReport {
  /** When the checks ran (ISO time). */
  at: string;
  /** Where they ran: `local` (the CLI's machine) or `deployed` (the ingress of a running agentflow). */
  from: 'local' | 'deployed';
  lines: DoctorLine[];
  /** True when any line is broken. */
  broken: boolean;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Everything the checks read; nothing else (no process.env, no globals) so both sides run the same code. */
export interface DoctorContext {
  env: Env;
  /** providers.yml as the gateway reads it; without it no vendor is checked. */
  providers?: ProvidersConfig;
  topology: Topology;
  /** @default globalThis.fetch */
  fetch: typeof fetch;
  /** Reads a key file named in providers.yml (`apiKey.file`). */
  readFile: (path: string) => string | undefined;
  now: () => number;
  /** Per network call. @default 5000 */
  timeoutMs: number;
}

export type DoctorCheck = (ctx: DoctorContext) => Promise<DoctorLine[]>;

export function line(check: string, state: DoctorState, detail: string, fix?: string): DoctorLine {
  return fix ? { check, state, detail, fix } : { check, state, detail };
}

/** A call that failed before an answer: the network, a timeout, a refused connection. */
export function unreachable(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (error instanceof Error && error.name === 'TimeoutError') return 'no answer in time';
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/** GET/POST with the context's timeout; the body parsed as JSON when it is JSON. */
export async function call(
  ctx: DoctorContext,
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const res = await ctx.fetch(url, { ...init, signal: AbortSignal.timeout(ctx.timeoutMs) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: keep the text for the message.
  }
  return { status: res.status, headers: res.headers, body };
}

/** The vendor's own words from an error body, in any of the shapes the platforms use. */
export function errorText(body: unknown): string {
  const b = body as { error?: { message?: string; type?: string } | string; message?: string } | undefined;
  if (typeof b?.error === 'string') return b.error;
  return b?.error?.message ?? b?.message ?? (typeof body === 'string' ? body.slice(0, 200) : '');
}
