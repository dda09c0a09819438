/**
 * Vendor request headers a client sent that the vendor must see (`anthropic-beta` turns on beta
 * features). The HTTP front runs each pipeline call inside {@link forwardedHeaders}; the pooled
 * vendor clients add the ones meant for their vendor. Through AsyncLocalStorage because the
 * pipeline's vendor call carries no headers: it serves NATS callers too, who never send any.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingHttpHeaders } from 'node:http';

/** Headers passed through, by the vendor wire that understands them. */
export const FORWARDED_HEADERS = { anthropic: ['anthropic-beta'], openai: [] as string[] } as const;

export const forwardedHeaders = new AsyncLocalStorage<Record<string, string>>();

/** The forwardable headers present on a client request (lower-case names). */
export function pickForwarded(headers: IncomingHttpHeaders): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const name of [...FORWARDED_HEADERS.anthropic, ...FORWARDED_HEADERS.openai]) {
    const value = headers[name];
    if (typeof value === 'string' && value) (out ??= {})[name] = value;
  }
  return out;
}

/** The forwarded headers of the current call that a vendor wire accepts. */
export function forwardedFor(wire: keyof typeof FORWARDED_HEADERS): Record<string, string> | undefined {
  const store = forwardedHeaders.getStore();
  if (!store) return undefined;
  let out: Record<string, string> | undefined;
  for (const name of FORWARDED_HEADERS[wire]) if (store[name]) (out ??= {})[name] = store[name];
  return out;
}
