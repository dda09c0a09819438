/**
 * A submit-and-poll vendor driven by {@link HttpJobOptions}: render the submit body, read the job
 * id, poll the status URL, and map the final answer by JSON paths.
 */
import type { JobOutcome, ProviderConfig } from '@agentflow/contracts';
import { JobVendorError } from '../../jobs/job-errors';
import { jobHttp, jobHttpJson } from '../../jobs/job-http';
import type { JobProvider, JobSnapshot, JobSpec } from '../../jobs/job-provider';
import { compileHttpJobOptions, type CompiledHttpJobOptions, type StatusCondition } from './http-job-config';
import { readJsonPath, type PathStep } from './json-path';
import { renderTemplate, renderUrl } from './template';

function matches(answer: unknown, steps: PathStep[] | undefined, c: StatusCondition | undefined): boolean {
  if (!steps || !c) return false;
  const v = readJsonPath(answer, steps);
  return c.in.some((x) => x === v || String(x) === String(v));
}

export class HttpJobProvider implements JobProvider {
  readonly kind = 'http-job' as const;
  private readonly options: CompiledHttpJobOptions;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(
    readonly name: string,
    config: ProviderConfig,
    private readonly apiKey: string | undefined,
  ) {
    this.options = compileHttpJobOptions(name, config.options);
    this.baseUrl = (config.baseUrl ?? '').replace(/\/$/, '');
    this.timeoutMs = config.timeoutMs ?? 30_000;
  }

  private headers(): Record<string, string> {
    if (!this.apiKey) return {};
    const auth = this.options.auth ?? { header: 'authorization', format: 'Bearer {{key}}' };
    return {
      [auth.header.toLowerCase()]: String(renderTemplate(auth.format ?? '{{key}}', { key: this.apiKey })),
    };
  }

  private values(spec: JobSpec, jobId?: string): Record<string, unknown> {
    return {
      baseUrl: this.baseUrl,
      prompt: spec.prompt,
      repository: spec.repository,
      ref: spec.ref,
      input: spec.input ?? {},
      jobId,
    };
  }

  /** The flat price per job: the vendor bills by job or subscription, not by token. */
  estimateUsd(): number {
    return this.options.costPerJobUsd ?? 0;
  }

  async submit(spec: JobSpec, signal?: AbortSignal): Promise<{ vendorJobId: string; snapshot: JobSnapshot }> {
    const s = this.options.submit;
    const values = this.values(spec);
    const answer = await jobHttpJson<unknown>(`${this.name} submit`, {
      method: s.method ?? 'POST',
      url: renderUrl(s.url, values),
      headers: this.headers(),
      json: renderTemplate(s.body ?? {}, values),
      timeoutMs: this.timeoutMs,
      signal,
    });
    const id = readJsonPath(answer, this.options.paths.jobId);
    if (typeof id !== 'string' && typeof id !== 'number')
      throw new JobVendorError(`${this.name} submit: no job id at ${s.jobId} in the answer`, false);
    return {
      vendorJobId: String(id),
      snapshot: {
        state: 'queued',
        vendorStatus: String(readJsonPath(answer, this.options.paths.state) ?? 'submitted'),
      },
    };
  }

  async poll(vendorJobId: string, spec: JobSpec, signal?: AbortSignal): Promise<JobSnapshot> {
    const url = renderUrl(this.options.status.url, this.values(spec, vendorJobId));
    const answer = await jobHttpJson<unknown>(`${this.name} status`, {
      method: 'GET',
      url,
      headers: this.headers(),
      timeoutMs: this.timeoutMs,
      signal,
    });
    const vendorStatus = String(readJsonPath(answer, this.options.paths.state) ?? 'unknown');
    const reason = this.options.paths.reason ? readJsonPath(answer, this.options.paths.reason) : undefined;
    if (matches(answer, this.options.paths.failed, this.options.failed)) {
      return {
        state: 'failed',
        vendorStatus,
        reason: `${this.name} reported ${vendorStatus}${reason ? `: ${String(reason)}` : ''}`,
      };
    }
    if (matches(answer, this.options.paths.expired, this.options.expired)) {
      return {
        state: 'expired',
        vendorStatus,
        reason: `${this.name} reported ${vendorStatus}${reason ? `: ${String(reason)}` : ''}`,
      };
    }
    if (!matches(answer, this.options.paths.done, this.options.done))
      return { state: 'running', vendorStatus };
    const outcome: JobOutcome = {};
    for (const [key, steps] of Object.entries(this.options.paths.result)) {
      const v = readJsonPath(answer, steps);
      if (v !== undefined && v !== null) (outcome as Record<string, unknown>)[key] = String(v);
    }
    const data: Record<string, unknown> = {};
    for (const [key, steps] of Object.entries(this.options.paths.data))
      data[key] = readJsonPath(answer, steps) ?? null;
    if (Object.keys(data).length) outcome.data = data;
    return { state: 'finished', vendorStatus, outcome, costUsd: this.options.costPerJobUsd ?? 0 };
  }

  async cancel(vendorJobId: string, signal?: AbortSignal): Promise<void> {
    const c = this.options.cancel;
    if (!c) return;
    try {
      await jobHttp(`${this.name} cancel`, {
        method: c.method ?? 'POST',
        url: renderUrl(c.url, { baseUrl: this.baseUrl, jobId: vendorJobId }),
        headers: this.headers(),
        timeoutMs: this.timeoutMs,
        signal,
      });
    } catch (e) {
      if (e instanceof JobVendorError && (e.status === 404 || e.status === 409)) return;
      throw e;
    }
  }
}
