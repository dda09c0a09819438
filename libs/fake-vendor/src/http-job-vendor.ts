/**
 * A generic submit-and-poll vendor (a testing-AI product) on the fake vendor, the shape the worked
 * example in workflows/vendors/ describes: `POST /testing-ai/v1/runs` -> `{ run: { id, status } }`,
 * `GET /testing-ai/v1/runs/{id}` -> `{ status, report?, error? }`, `POST .../{id}/cancel`.
 * Auth is the `x-testing-ai-key` header. Statuses advance one per read, as scripted.
 */
import { randomBytes } from 'node:crypto';
import type { JobRouteAnswer } from './job-routes';

export interface HttpJobRunScript {
  /** @default ['queued', 'running', 'passed'] */
  statuses?: string[];
  /** Report shown once the run passed. */
  report?: { summary: string; url?: string; failed_count?: number };
  /** Error message shown once the run failed. */
  error?: string;
}

interface Run {
  id: string;
  body: Record<string, unknown>;
  script: HttpJobRunScript;
  reads: number;
  cancelled: boolean;
}

export class FakeHttpJobVendor {
  private readonly scripts: HttpJobRunScript[] = [];
  private readonly runs = new Map<string, Run>();
  readonly submissions: Array<{ body: Record<string, unknown>; key: string | undefined }> = [];
  /** When set, requests without this `x-testing-ai-key` get 401. */
  requiredKey: string | undefined;

  enqueue(...scripts: HttpJobRunScript[]): this {
    this.scripts.push(...scripts);
    return this;
  }

  cancelled(id: string): boolean {
    return this.runs.get(id)?.cancelled ?? false;
  }

  reset(): void {
    this.scripts.length = 0;
    this.runs.clear();
    this.submissions.length = 0;
  }

  route(
    method: string,
    path: string,
    body: Record<string, unknown>,
    headers: Record<string, string>,
  ): JobRouteAnswer | null {
    if (!path.startsWith('/testing-ai/v1/runs')) return null;
    const key = headers['x-testing-ai-key'];
    if (this.requiredKey !== undefined && key !== this.requiredKey)
      return { status: 401, json: { error: { message: 'missing or wrong x-testing-ai-key' } } };
    if (method === 'POST' && path === '/testing-ai/v1/runs') {
      const run: Run = {
        id: `run_${randomBytes(5).toString('hex')}`,
        body,
        script: this.scripts.shift() ?? {},
        reads: 0,
        cancelled: false,
      };
      this.runs.set(run.id, run);
      this.submissions.push({ body, key });
      return { status: 201, json: { run: { id: run.id, status: 'queued' } } };
    }
    const m = /^\/testing-ai\/v1\/runs\/([^/]+)(\/cancel)?$/.exec(path);
    const run = m ? this.runs.get(decodeURIComponent(m[1])) : undefined;
    if (!m) return null;
    if (!run) return { status: 404, json: { error: { message: `no run ${m[1]}` } } };
    if (method === 'POST' && m[2]) {
      run.cancelled = true;
      return { status: 200, json: { id: run.id, status: 'cancelled' } };
    }
    if (method !== 'GET' || m[2]) return null;
    run.reads += 1;
    const statuses = run.script.statuses ?? ['queued', 'running', 'passed'];
    const status = run.cancelled ? 'cancelled' : statuses[Math.min(run.reads, statuses.length - 1)];
    return {
      status: 200,
      json: {
        id: run.id,
        status,
        ...(status === 'passed'
          ? {
              report: run.script.report ?? {
                summary: 'all simulated tests passed',
                url: `https://testing-ai.example/runs/${run.id}`,
                failed_count: 0,
              },
            }
          : {}),
        ...(status === 'failed' || status === 'errored'
          ? { error: { message: run.script.error ?? 'simulated test run failed' } }
          : {}),
      },
    };
  }
}
