/**
 * `options` of a `kind: http-job` provider: a testing-AI, doc-AI or security-AI product driven by
 * configuration alone. Read and checked once at start-up; see workflows/vendors/ for a worked example.
 */
import { ConfigError } from '@agentflow/contracts';
import { compileJsonPath, type PathStep } from './json-path';

/** A condition on the status answer: the value at `path` is one of `in`. */
export interface StatusCondition {
  path: string;
  in: Array<string | number | boolean>;
}

export interface HttpJobOptions {
  submit: {
    /** `{{baseUrl}}` and launch values may be used. */
    url: string;
    /** @default POST */
    method?: 'POST' | 'PUT';
    /** JSON body template: `{{prompt}}`, `{{repository}}`, `{{ref}}`, `{{input.<name>}}`. */
    body?: unknown;
    /** Where the vendor's job id is in the submit answer. */
    jobId: string;
  };
  /** How the key is sent. @default { header: 'authorization', format: 'Bearer {{key}}' } */
  auth?: { header: string; format?: string };
  status: {
    /** `{{jobId}}` is the vendor's job id. */
    url: string;
    /** Where the vendor's status word is (kept as `vendorStatus`). */
    state: string;
  };
  done: StatusCondition;
  failed: StatusCondition;
  /** Statuses meaning the vendor gave up waiting (reported as `expired`). */
  expired?: StatusCondition;
  /** Where the failure reason is in a failed answer. */
  reason?: string;
  /** Cancel endpoint; without it a cancel only stops polling. */
  cancel?: { url: string; method?: 'POST' | 'DELETE' };
  /** JSON paths into the final status answer: `summary`, `url`, `branch`, `prUrl` and free `data` fields. */
  result?: { summary?: string; url?: string; branch?: string; prUrl?: string; data?: Record<string, string> };
  /** Flat USD per finished job for the ledger. @default 0 */
  costPerJobUsd?: number;
}

export interface CompiledHttpJobOptions extends HttpJobOptions {
  paths: {
    jobId: PathStep[];
    state: PathStep[];
    done: PathStep[];
    failed: PathStep[];
    expired?: PathStep[];
    reason?: PathStep[];
    result: Record<string, PathStep[]>;
    data: Record<string, PathStep[]>;
  };
}

function need(value: unknown, what: string, provider: string): string {
  if (typeof value !== 'string' || !value)
    throw new ConfigError(`provider ${provider} (http-job): ${what} is required`);
  return value;
}

function condition(value: unknown, what: string, provider: string): StatusCondition {
  const c = value as Partial<StatusCondition> | undefined;
  need(c?.path, `${what}.path`, provider);
  if (!Array.isArray(c?.in) || c.in.length === 0)
    throw new ConfigError(`provider ${provider} (http-job): ${what}.in lists the statuses that mean ${what}`);
  return c as StatusCondition;
}

export function compileHttpJobOptions(
  provider: string,
  raw: Record<string, unknown> | undefined,
): CompiledHttpJobOptions {
  const o = (raw ?? {}) as unknown as HttpJobOptions;
  need(o.submit?.url, 'submit.url', provider);
  need(o.submit?.jobId, 'submit.jobId', provider);
  need(o.status?.url, 'status.url', provider);
  need(o.status?.state, 'status.state', provider);
  const done = condition(o.done, 'done', provider);
  const failed = condition(o.failed, 'failed', provider);
  const expired = o.expired ? condition(o.expired, 'expired', provider) : undefined;
  const result: Record<string, PathStep[]> = {};
  for (const key of ['summary', 'url', 'branch', 'prUrl'] as const) {
    const p = o.result?.[key];
    if (p) result[key] = compileJsonPath(p);
  }
  const data: Record<string, PathStep[]> = {};
  for (const [k, p] of Object.entries(o.result?.data ?? {}))
    data[k] = compileJsonPath(need(p, `result.data.${k}`, provider));
  return {
    ...o,
    paths: {
      jobId: compileJsonPath(o.submit.jobId),
      state: compileJsonPath(o.status.state),
      done: compileJsonPath(done.path),
      failed: compileJsonPath(failed.path),
      ...(expired ? { expired: compileJsonPath(expired.path) } : {}),
      ...(o.reason ? { reason: compileJsonPath(o.reason) } : {}),
      result,
      data,
    },
  };
}
