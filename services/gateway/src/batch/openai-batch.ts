/**
 * OpenAI Batch: upload the requests as a JSONL file (`POST /v1/files`, purpose `batch`), create
 * the batch (`POST /v1/batches`, endpoint `/v1/chat/completions`, window 24h), poll
 * `GET /v1/batches/{id}` until completed, failed, expired or cancelled, then read the output and
 * error files (`GET /v1/files/{id}/content`). An expired batch still has the answers it finished
 * in its output file; the rest are in its error file (`batch_expired`).
 */
import type { BatchItem, BatchItemResult, ProviderConfig } from '@agentflow/contracts';
import { JobVendorError } from '../jobs/job-errors';
import { jobHttp, jobHttpJson } from '../jobs/job-http';
import type { JobProvider, JobSnapshot, JobSpec } from '../jobs/job-provider';
import type { Clock } from '../shared/clock';
import { batchSnapshot } from './batch-outcome';
import type { BatchPricer } from './batch-pricer';

interface OpenAiBatch {
  id: string;
  status:
    | 'validating'
    | 'failed'
    | 'in_progress'
    | 'finalizing'
    | 'completed'
    | 'expired'
    | 'cancelling'
    | 'cancelled';
  output_file_id?: string | null;
  error_file_id?: string | null;
  errors?: { data?: Array<{ code?: string; message?: string }> } | null;
}

interface OutputLine {
  custom_id: string;
  response?: {
    status_code: number;
    body: {
      choices?: Array<{ message?: { content?: string | null } }>;
      usage?: {
        prompt_tokens: number;
        completion_tokens: number;
        prompt_tokens_details?: { cached_tokens?: number };
      };
      error?: { message?: string };
    };
  } | null;
  error?: { code?: string; message?: string } | null;
}

export function openaiBatchLine(item: BatchItem): string {
  const messages = [
    ...(item.system ? [{ role: 'system', content: item.system }] : []),
    ...item.messages.map((m) => ({ role: m.role, content: m.content })),
  ];
  const body = {
    model: item.model,
    messages,
    max_completion_tokens: item.maxTokens,
    ...(item.responseSchema
      ? {
          response_format: {
            type: 'json_schema',
            json_schema: {
              name: item.responseSchema.name,
              schema: item.responseSchema.schema,
              strict: false,
            },
          },
        }
      : {}),
  };
  return JSON.stringify({ custom_id: item.customId, method: 'POST', url: '/v1/chat/completions', body });
}

export class OpenAiBatchProvider implements JobProvider {
  readonly kind = 'openai-batch' as const;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(
    readonly name: string,
    config: ProviderConfig,
    private readonly apiKey: string,
    private readonly pricer: BatchPricer,
    private readonly clock: Pick<Clock, 'now'>,
  ) {
    this.baseUrl = (config.baseUrl ?? 'https://api.openai.com/v1').replace(/\/$/, '');
    this.timeoutMs = config.timeoutMs ?? 60_000;
  }

  private headers(): Record<string, string> {
    return { authorization: `Bearer ${this.apiKey}` };
  }

  estimateUsd(spec: JobSpec, at: number): number {
    return this.pricer.estimate(this.name, spec.batch ?? [], at);
  }

  async submit(spec: JobSpec, signal?: AbortSignal): Promise<{ vendorJobId: string; snapshot: JobSnapshot }> {
    if (!spec.batch?.length) throw new JobVendorError('a batch job needs at least one request', false);
    const form = new FormData();
    form.append('purpose', 'batch');
    form.append(
      'file',
      new Blob([spec.batch.map(openaiBatchLine).join('\n') + '\n'], { type: 'application/jsonl' }),
      'batch.jsonl',
    );
    const file = await jobHttpJson<{ id: string }>('OpenAI upload batch file', {
      method: 'POST',
      url: `${this.baseUrl}/files`,
      headers: this.headers(),
      body: form,
      timeoutMs: this.timeoutMs,
      signal,
    });
    const batch = await jobHttpJson<OpenAiBatch>('OpenAI create batch', {
      method: 'POST',
      url: `${this.baseUrl}/batches`,
      headers: this.headers(),
      json: { input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' },
      timeoutMs: this.timeoutMs,
      signal,
    });
    return { vendorJobId: batch.id, snapshot: { state: 'queued', vendorStatus: batch.status } };
  }

  async poll(vendorJobId: string, spec: JobSpec, signal?: AbortSignal): Promise<JobSnapshot> {
    const batch = await jobHttpJson<OpenAiBatch>('OpenAI batch status', {
      method: 'GET',
      url: `${this.baseUrl}/batches/${encodeURIComponent(vendorJobId)}`,
      headers: this.headers(),
      timeoutMs: this.timeoutMs,
      signal,
    });
    switch (batch.status) {
      case 'validating':
        return { state: 'queued', vendorStatus: batch.status };
      case 'in_progress':
      case 'finalizing':
      case 'cancelling':
        return { state: 'running', vendorStatus: batch.status };
      case 'failed':
        return {
          state: 'failed',
          vendorStatus: batch.status,
          reason: `OpenAI batch failed: ${(batch.errors?.data ?? []).map((e) => `${e.code ?? ''} ${e.message ?? ''}`.trim()).join('; ') || 'no reason given'}`,
        };
      default: {
        const lines = [
          ...(await this.lines(batch.output_file_id, signal)),
          ...(await this.lines(batch.error_file_id, signal)),
        ];
        const items = lines.map((l) => this.item(l, spec));
        const snapshot = batchSnapshot(
          batch.status,
          (spec.batch ?? []).map((b) => b.customId),
          items,
          batch.status === 'expired',
        );
        if (batch.status === 'cancelled' && snapshot.state !== 'finished')
          return { ...snapshot, state: 'cancelled' };
        return snapshot;
      }
    }
  }

  async cancel(vendorJobId: string, signal?: AbortSignal): Promise<void> {
    try {
      await jobHttp('OpenAI cancel batch', {
        method: 'POST',
        url: `${this.baseUrl}/batches/${encodeURIComponent(vendorJobId)}/cancel`,
        headers: this.headers(),
        timeoutMs: this.timeoutMs,
        signal,
      });
    } catch (e) {
      if (e instanceof JobVendorError && (e.status === 404 || e.status === 409 || e.status === 400)) return;
      throw e;
    }
  }

  private async lines(fileId: string | null | undefined, signal?: AbortSignal): Promise<OutputLine[]> {
    if (!fileId) return [];
    const { text } = await jobHttp('OpenAI batch file', {
      method: 'GET',
      url: `${this.baseUrl}/files/${encodeURIComponent(fileId)}/content`,
      headers: this.headers(),
      timeoutMs: this.timeoutMs,
      signal,
    });
    return text
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as OutputLine);
  }

  private item(line: OutputLine, spec: JobSpec): BatchItemResult {
    const zero = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
    const res = line.response;
    if (res && res.status_code >= 200 && res.status_code < 300 && !line.error) {
      const u = res.body.usage ?? { prompt_tokens: 0, completion_tokens: 0 };
      const cached = u.prompt_tokens_details?.cached_tokens ?? 0;
      const usage = {
        inputTokens: u.prompt_tokens - cached,
        outputTokens: u.completion_tokens,
        cacheReadTokens: cached,
        cacheWriteTokens: 0,
      };
      const item = spec.batch?.find((b) => b.customId === line.custom_id);
      const text = res.body.choices?.[0]?.message?.content ?? '';
      let structured: Record<string, unknown> | undefined;
      if (item?.responseSchema) {
        try {
          structured = JSON.parse(text) as Record<string, unknown>;
        } catch {
          structured = undefined;
        }
      }
      return {
        customId: line.custom_id,
        status: 'succeeded',
        text,
        ...(structured ? { structured } : {}),
        usage,
        costUsd: this.pricer.cost(this.name, item?.model ?? '', usage, this.clock.now()),
      };
    }
    const code = line.error?.code;
    const message = line.error?.message ?? res?.body.error?.message ?? `HTTP ${res?.status_code ?? 'none'}`;
    if (code === 'batch_expired')
      return { customId: line.custom_id, status: 'expired', error: message, usage: zero, costUsd: 0 };
    if (code === 'batch_cancelled')
      return { customId: line.custom_id, status: 'cancelled', error: message, usage: zero, costUsd: 0 };
    return { customId: line.custom_id, status: 'errored', error: message, usage: zero, costUsd: 0 };
  }
}
