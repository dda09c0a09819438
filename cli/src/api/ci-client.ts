/**
 * The ingress's CI API as the CLI calls it (services/ingress/src/api): start a run with its
 * artifacts, read one run, list the runs of a repository or pull request. AGENTFLOW_URL and
 * AGENTFLOW_API_TOKEN say where and as whom.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** A run as `GET /api/runs/:id` answers. */
export interface ApiRun {
  runId: string;
  workflow: string;
  platform: string;
  repo: string;
  pr: number | null;
  headSha: string;
  trigger: string;
  status: string;
  gateConclusion: 'success' | 'failure' | 'neutral' | null;
  costUsd: number;
  requestedAt: string;
  finishedAt: string | null;
}

/** An HTTP answer that is not a success, with the server's problem detail. `retryable` for 429 and 5xx. */
export class CiApiError extends Error {
  readonly retryable: boolean;
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'CiApiError';
    this.retryable = status === 429 || status >= 500 || status === 0;
  }
}

/** Missing AGENTFLOW_URL / AGENTFLOW_API_TOKEN or an unreadable file: fix the invocation. */
export class CiUsageError extends Error {
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'CiUsageError';
  }
}

export const TERMINAL_STATUSES = new Set(['completed', 'failed', 'cancelled', 'superseded']);

export interface StartRunInput {
  workflow: string;
  platform: 'github' | 'gitlab';
  repo: string;
  pr?: number;
  headSha: string;
  baseSha?: string;
  requestId?: string;
  coverageFile?: string;
  sarifFile?: string;
}

function artifact(
  path: string,
  kind: 'coverage' | 'sarif',
): { name: string; kind: string; content: string; encoding: 'base64' } {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (error) {
    throw new CiUsageError(`cannot read ${kind} file ${path}: ${(error as Error).message}`);
  }
  const name = basename(path)
    .replace(/[^\w.@-]/g, '_')
    .slice(0, 128);
  return { name, kind, content: data.toString('base64'), encoding: 'base64' };
}

export class CiClient {
  private readonly base: string;

  constructor(
    url: string | undefined,
    private readonly token: string | undefined,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    if (!url)
      throw new CiUsageError(
        'set AGENTFLOW_URL (or --url) to the agentflow ingress, e.g. https://agentflow.example.com',
      );
    if (!token)
      throw new CiUsageError(
        'set AGENTFLOW_API_TOKEN (or --token) to an API token of the ingress (POST /api/tokens)',
      );
    this.base = url.replace(/\/+$/, '');
  }

  static fromEnv(
    env: Readonly<Record<string, string | undefined>>,
    overrides: { url?: string; token?: string } = {},
  ): CiClient {
    return new CiClient(overrides.url ?? env.AGENTFLOW_URL, overrides.token ?? env.AGENTFLOW_API_TOKEN);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new CiApiError(0, `cannot reach ${this.base}: ${(error as Error).message}`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const detail = (parsed as { detail?: string; message?: string; title?: string } | undefined) ?? {};
      throw new CiApiError(
        response.status,
        `${method} ${path}: HTTP ${response.status} ${detail.detail ?? detail.message ?? detail.title ?? text.slice(0, 200)}`,
      );
    }
    return parsed as T;
  }

  startRun(input: StartRunInput): Promise<{ runId: string; workflow: string; requestId: string }> {
    const artifacts = [
      ...(input.coverageFile ? [artifact(input.coverageFile, 'coverage')] : []),
      ...(input.sarifFile ? [artifact(input.sarifFile, 'sarif')] : []),
    ];
    return this.call('POST', '/api/runs', {
      workflow: input.workflow,
      platform: input.platform,
      repo: input.repo,
      ...(input.pr ? { pr: input.pr } : {}),
      headSha: input.headSha,
      ...(input.baseSha ? { baseSha: input.baseSha } : {}),
      ...(input.requestId ? { requestId: input.requestId } : {}),
      ...(artifacts.length ? { artifacts } : {}),
    });
  }

  run(runId: string): Promise<ApiRun> {
    return this.call('GET', `/api/runs/${encodeURIComponent(runId)}`);
  }

  async runs(query: { repo: string; pr?: number; platform?: string }): Promise<ApiRun[]> {
    const params = new URLSearchParams({
      repo: query.repo,
      ...(query.pr ? { pr: String(query.pr) } : {}),
      ...(query.platform ? { platform: query.platform } : {}),
    });
    return (await this.call<{ runs: ApiRun[] }>('GET', `/api/runs?${params}`)).runs;
  }

  /** Polls until the run ends; transient errors (5xx, 429, network) are retried until the deadline. */
  async waitFor(
    runId: string,
    options: { timeoutMs: number; intervalMs?: number; onStatus?: (run: ApiRun) => void },
  ): Promise<ApiRun> {
    const deadline = Date.now() + options.timeoutMs;
    let last: ApiRun | undefined;
    for (;;) {
      try {
        last = await this.run(runId);
        options.onStatus?.(last);
        if (TERMINAL_STATUSES.has(last.status)) return last;
      } catch (error) {
        if (!(error instanceof CiApiError) || !error.retryable) throw error;
      }
      if (Date.now() > deadline)
        throw new CiApiError(
          0,
          `run ${runId} did not finish within ${Math.round(options.timeoutMs / 1000)} s (last status ${last?.status ?? 'unknown'}); agentflow run ${runId} shows it later`,
        );
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 3000));
    }
  }
}
