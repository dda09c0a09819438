/** The one HTTP call every job provider makes: JSON in, JSON out, typed errors, a timeout. */
import { JobVendorError, vendorHttpError } from './job-errors';

export interface JobHttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  json?: unknown;
  body?: string | FormData;
  timeoutMs: number;
  signal?: AbortSignal;
}

export async function jobHttp(what: string, req: JobHttpRequest): Promise<{ status: number; text: string }> {
  const signals = [AbortSignal.timeout(req.timeoutMs), ...(req.signal ? [req.signal] : [])];
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: req.method,
      headers: { ...(req.json !== undefined ? { 'content-type': 'application/json' } : {}), ...req.headers },
      body: req.json !== undefined ? JSON.stringify(req.json) : req.body,
      signal: AbortSignal.any(signals),
    });
  } catch (e) {
    throw new JobVendorError(`${what}: ${e instanceof Error ? e.message : String(e)}`, true);
  }
  const text = await res.text();
  if (!res.ok) throw vendorHttpError(what, res.status, text);
  return { status: res.status, text };
}

export async function jobHttpJson<T>(what: string, req: JobHttpRequest): Promise<T> {
  const { text } = await jobHttp(what, req);
  try {
    return (text ? JSON.parse(text) : {}) as T;
  } catch {
    throw new JobVendorError(`${what}: the vendor answered with invalid JSON`, true);
  }
}
