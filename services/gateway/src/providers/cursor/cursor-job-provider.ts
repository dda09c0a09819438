/**
 * Cursor cloud (background) agents, REST API v0: `POST /v0/agents` launches an agent on a
 * repository and ref with a prompt, `GET /v0/agents/{id}` reads its status (CREATING, RUNNING,
 * FINISHED, ERROR, EXPIRED, or STOPPED when someone stopped it in Cursor), summary and target
 * branch / PR, `POST /v0/agents/{id}/stop` stops it. Auth is Basic with the API key as user name,
 * as Cursor documents it. (Cursor's v1 API, in public beta, splits an agent into runs; v0 stays
 * supported and is what this speaks.) Cursor bills agents by subscription usage, not per
 * request, so the ledger gets the job at the configured flat `costPerJobUsd` (default 0).
 */
import type { JobState, ProviderConfig } from '@agentflow/contracts';
import { JobVendorError } from '../../jobs/job-errors';
import { jobHttp, jobHttpJson } from '../../jobs/job-http';
import type { JobProvider, JobSnapshot, JobSpec } from '../../jobs/job-provider';

/** Cursor's agent as `GET /v0/agents/{id}` returns it (the fields read here). */
export interface CursorAgent {
  id: string;
  name?: string;
  status: 'CREATING' | 'RUNNING' | 'FINISHED' | 'ERROR' | 'EXPIRED' | 'STOPPED' | string;
  source?: { repository?: string; ref?: string };
  target?: { url?: string; branchName?: string; prUrl?: string; autoCreatePr?: boolean };
  summary?: string;
  createdAt?: string;
}

/** `options` of a `kind: cursor` provider in providers.yml. */
export interface CursorOptions {
  /** Cursor model for the agent; Cursor's default when absent. */
  model?: string;
  /** Open a PR when the agent finishes. @default false */
  autoCreatePr?: boolean;
  /** Flat USD recorded in the ledger per finished job. @default 0 */
  costPerJobUsd?: number;
}

const STATES: Record<string, JobState> = {
  CREATING: 'queued',
  RUNNING: 'running',
  FINISHED: 'finished',
  ERROR: 'failed',
  EXPIRED: 'expired',
  STOPPED: 'cancelled',
};

export class CursorJobProvider implements JobProvider {
  readonly kind = 'cursor' as const;
  private readonly baseUrl: string;
  private readonly options: CursorOptions;

  constructor(
    readonly name: string,
    config: ProviderConfig,
    private readonly apiKey: string,
  ) {
    this.baseUrl = (config.baseUrl ?? 'https://api.cursor.com').replace(/\/$/, '');
    this.options = (config.options ?? {}) as CursorOptions;
    this.timeoutMs = config.timeoutMs ?? 30_000;
  }

  private readonly timeoutMs: number;

  private headers(): Record<string, string> {
    // Cursor documents Basic authentication: the API key as user name, no password.
    return { authorization: `Basic ${Buffer.from(`${this.apiKey}:`).toString('base64')}` };
  }

  /** The flat price per job: the vendor bills by job or subscription, not by token. */
  estimateUsd(): number {
    return this.options.costPerJobUsd ?? 0;
  }

  async submit(spec: JobSpec, signal?: AbortSignal): Promise<{ vendorJobId: string; snapshot: JobSnapshot }> {
    if (!spec.prompt || !spec.repository)
      throw new JobVendorError('a Cursor agent needs a prompt and a repository', false);
    const body = {
      prompt: { text: spec.prompt },
      source: { repository: spec.repository, ...(spec.ref ? { ref: spec.ref } : {}) },
      ...(this.options.model ? { model: this.options.model } : {}),
      target: { autoCreatePr: this.options.autoCreatePr ?? false },
    };
    const agent = await jobHttpJson<CursorAgent>('Cursor launch agent', {
      method: 'POST',
      url: `${this.baseUrl}/v0/agents`,
      headers: this.headers(),
      json: body,
      timeoutMs: this.timeoutMs,
      signal,
    });
    if (!agent.id) throw new JobVendorError('Cursor launch agent: the answer has no agent id', true);
    return { vendorJobId: agent.id, snapshot: this.snapshot(agent) };
  }

  async poll(vendorJobId: string, _spec: JobSpec, signal?: AbortSignal): Promise<JobSnapshot> {
    const agent = await jobHttpJson<CursorAgent>('Cursor agent status', {
      method: 'GET',
      url: `${this.baseUrl}/v0/agents/${encodeURIComponent(vendorJobId)}`,
      headers: this.headers(),
      timeoutMs: this.timeoutMs,
      signal,
    });
    return this.snapshot(agent);
  }

  async cancel(vendorJobId: string, signal?: AbortSignal): Promise<void> {
    try {
      await jobHttp('Cursor stop agent', {
        method: 'POST',
        url: `${this.baseUrl}/v0/agents/${encodeURIComponent(vendorJobId)}/stop`,
        headers: this.headers(),
        timeoutMs: this.timeoutMs,
        signal,
      });
    } catch (e) {
      // An agent that already ended (or was deleted) cannot be stopped: that is the wanted end state.
      if (e instanceof JobVendorError && (e.status === 404 || e.status === 409 || e.status === 400)) return;
      throw e;
    }
  }

  private snapshot(agent: CursorAgent): JobSnapshot {
    const state = STATES[agent.status];
    if (!state) throw new JobVendorError(`Cursor agent ${agent.id}: unknown status ${agent.status}`, true);
    const outcome = {
      ...(agent.summary ? { summary: agent.summary } : {}),
      ...(agent.target?.branchName ? { branch: agent.target.branchName } : {}),
      ...(agent.target?.prUrl ? { prUrl: agent.target.prUrl } : {}),
      ...(agent.target?.url ? { url: agent.target.url } : {}),
    };
    const reason =
      state === 'failed'
        ? `Cursor agent ended in ERROR${agent.summary ? `: ${agent.summary}` : ''}`
        : state === 'expired'
          ? 'Cursor agent EXPIRED before it finished'
          : state === 'cancelled'
            ? 'Cursor agent was STOPPED before it finished'
            : undefined;
    return {
      state,
      vendorStatus: agent.status,
      outcome,
      ...(reason ? { reason } : {}),
      ...(state === 'finished' ? { costUsd: this.options.costPerJobUsd ?? 0 } : {}),
    };
  }
}
