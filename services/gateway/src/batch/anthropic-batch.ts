/**
 * Anthropic Message Batches: `POST /v1/messages/batches` with `{custom_id, params}` per request,
 * `GET /v1/messages/batches/{id}` until `processing_status` is `ended`, then the JSONL at
 * `results_url` (one `{custom_id, result}` per request: succeeded, errored, canceled, expired),
 * `POST .../{id}/cancel` to cancel. Batches expire 24 h after creation. Structured output is a
 * forced tool, or `output_config.format` for models configured `structuredOutput: json-schema`
 * (those that refuse a forced tool_choice), answered as JSON text.
 */
import type { BatchItem, BatchItemResult, ProviderConfig } from '@agentflow/contracts';
import { JobVendorError } from '../jobs/job-errors';
import { jobHttp, jobHttpJson } from '../jobs/job-http';
import type { JobProvider, JobSnapshot, JobSpec } from '../jobs/job-provider';
import type { Clock } from '../shared/clock';
import { batchSnapshot } from './batch-outcome';
import type { BatchPricer } from './batch-pricer';

const VERSION = '2023-06-01';

interface MessageBatch {
  id: string;
  processing_status: 'in_progress' | 'canceling' | 'ended';
  results_url?: string | null;
  expires_at?: string;
  cancel_initiated_at?: string | null;
}

interface AnthropicMessage {
  /** Thinking blocks come first on models that always think; only text and tool_use carry the answer. */
  content: Array<
    | { type: 'text'; text: string }
    | { type: 'tool_use'; input: Record<string, unknown> }
    | { type: 'thinking' | 'redacted_thinking' }
  >;
  stop_reason?: string | null;
  usage: {
    input_tokens: number;
    output_tokens: number;
    cache_read_input_tokens?: number | null;
    cache_creation_input_tokens?: number | null;
  };
}

type BatchResultLine = {
  custom_id: string;
  result:
    | { type: 'succeeded'; message: AnthropicMessage }
    | {
        type: 'errored';
        error: { error?: { type?: string; message?: string }; type?: string; message?: string };
      }
    | { type: 'canceled' }
    | { type: 'expired' };
};

export function anthropicBatchParams(
  item: BatchItem,
  structuredOutput: 'tool' | 'json-schema' = 'tool',
): Record<string, unknown> {
  return {
    model: item.model,
    max_tokens: item.maxTokens,
    ...(item.system ? { system: item.system } : {}),
    messages: item.messages.map((m) => ({ role: m.role, content: m.content })),
    ...(item.responseSchema && structuredOutput === 'json-schema'
      ? { output_config: { format: { type: 'json_schema', schema: item.responseSchema.schema } } }
      : {}),
    ...(item.responseSchema && structuredOutput === 'tool'
      ? {
          tools: [
            {
              name: item.responseSchema.name,
              description: item.responseSchema.description ?? 'Report the result.',
              input_schema: item.responseSchema.schema,
            },
          ],
          tool_choice: { type: 'tool', name: item.responseSchema.name },
        }
      : {}),
  };
}

export class AnthropicBatchProvider implements JobProvider {
  readonly kind = 'anthropic-batch' as const;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(
    readonly name: string,
    private readonly config: ProviderConfig,
    private readonly apiKey: string,
    private readonly pricer: BatchPricer,
    private readonly clock: Pick<Clock, 'now'>,
  ) {
    this.baseUrl = (config.baseUrl ?? 'https://api.anthropic.com').replace(/\/$/, '');
    this.timeoutMs = config.timeoutMs ?? 60_000;
  }

  private headers(): Record<string, string> {
    return { 'x-api-key': this.apiKey, 'anthropic-version': VERSION };
  }

  estimateUsd(spec: JobSpec, at: number): number {
    return this.pricer.estimate(this.name, spec.batch ?? [], at);
  }

  async submit(spec: JobSpec, signal?: AbortSignal): Promise<{ vendorJobId: string; snapshot: JobSnapshot }> {
    if (!spec.batch?.length) throw new JobVendorError('a batch job needs at least one request', false);
    const requests = spec.batch.map((item) => ({
      custom_id: item.customId,
      params: anthropicBatchParams(item, this.config.models[item.model]?.structuredOutput),
    }));
    const batch = await jobHttpJson<MessageBatch>('Anthropic create batch', {
      method: 'POST',
      url: `${this.baseUrl}/v1/messages/batches`,
      headers: this.headers(),
      json: { requests },
      timeoutMs: this.timeoutMs,
      signal,
    });
    return { vendorJobId: batch.id, snapshot: { state: 'running', vendorStatus: batch.processing_status } };
  }

  async poll(vendorJobId: string, spec: JobSpec, signal?: AbortSignal): Promise<JobSnapshot> {
    const batch = await jobHttpJson<MessageBatch>('Anthropic batch status', {
      method: 'GET',
      url: `${this.baseUrl}/v1/messages/batches/${encodeURIComponent(vendorJobId)}`,
      headers: this.headers(),
      timeoutMs: this.timeoutMs,
      signal,
    });
    if (batch.processing_status !== 'ended')
      return { state: 'running', vendorStatus: batch.processing_status };
    if (!batch.results_url)
      throw new JobVendorError(`Anthropic batch ${vendorJobId} ended without results_url`, true);
    const { text } = await jobHttp('Anthropic batch results', {
      method: 'GET',
      url: batch.results_url,
      headers: this.headers(),
      timeoutMs: this.timeoutMs,
      signal,
    });
    const items = text
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => this.item(JSON.parse(l) as BatchResultLine, spec));
    const expired = batch.expires_at !== undefined && Date.parse(batch.expires_at) <= this.clock.now();
    const snapshot = batchSnapshot(
      batch.processing_status,
      (spec.batch ?? []).map((b) => b.customId),
      items,
      expired,
    );
    if (batch.cancel_initiated_at && snapshot.state !== 'finished')
      return { ...snapshot, state: 'cancelled' };
    return snapshot;
  }

  async cancel(vendorJobId: string, signal?: AbortSignal): Promise<void> {
    try {
      await jobHttp('Anthropic cancel batch', {
        method: 'POST',
        url: `${this.baseUrl}/v1/messages/batches/${encodeURIComponent(vendorJobId)}/cancel`,
        headers: this.headers(),
        timeoutMs: this.timeoutMs,
        signal,
      });
    } catch (e) {
      if (e instanceof JobVendorError && (e.status === 404 || e.status === 409 || e.status === 400)) return;
      throw e;
    }
  }

  private item(line: BatchResultLine, spec: JobSpec): BatchItemResult {
    const zero = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
    const r = line.result;
    if (r.type === 'succeeded') {
      const u = r.message.usage;
      const usage = {
        inputTokens: u.input_tokens,
        outputTokens: u.output_tokens,
        cacheReadTokens: u.cache_read_input_tokens ?? 0,
        cacheWriteTokens: u.cache_creation_input_tokens ?? 0,
      };
      const asked = spec.batch?.find((b) => b.customId === line.custom_id);
      const model = asked?.model ?? '';
      const costUsd = this.pricer.cost(this.name, model, usage, this.clock.now());
      const tool = r.message.content.find((c) => c.type === 'tool_use');
      const text = r.message.content
        .filter((c): c is { type: 'text'; text: string } => c.type === 'text')
        .map((c) => c.text)
        .join('');
      if (tool && tool.type === 'tool_use')
        return {
          customId: line.custom_id,
          status: 'succeeded',
          usage,
          costUsd,
          structured: tool.input,
          text: JSON.stringify(tool.input),
        };
      if (asked?.responseSchema && this.config.models[model]?.structuredOutput === 'json-schema') {
        // JSON output (output_config.format) answers as text; no JSON object in it (cut short by max_tokens, a refusal) is no answer, though billed.
        const structured = jsonObject(text);
        return structured
          ? { customId: line.custom_id, status: 'succeeded', usage, costUsd, structured, text }
          : {
              customId: line.custom_id,
              status: 'errored',
              error: `${this.name}/${model} answered no JSON object for ${asked.responseSchema.name} (stop reason ${r.message.stop_reason ?? 'none'})`,
              text,
              usage,
              costUsd,
            };
      }
      return { customId: line.custom_id, status: 'succeeded', usage, costUsd, text };
    }
    if (r.type === 'errored') {
      const message = r.error.error?.message ?? r.error.message ?? 'errored';
      return { customId: line.custom_id, status: 'errored', error: message, usage: zero, costUsd: 0 };
    }
    if (r.type === 'expired')
      return {
        customId: line.custom_id,
        status: 'expired',
        error: 'the batch expired before this request ran',
        usage: zero,
        costUsd: 0,
      };
    return {
      customId: line.custom_id,
      status: 'cancelled',
      error: 'the batch was cancelled before this request ran',
      usage: zero,
      costUsd: 0,
    };
  }
}

/** The JSON object a model asked through output_config.format answered as text, or undefined when it is none. */
function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
