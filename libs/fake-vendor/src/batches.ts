/**
 * Both vendors' Batch APIs on the fake vendor. Anthropic Message Batches: `POST /v1/messages/batches`,
 * `GET /v1/messages/batches/{id}`, `GET .../{id}/results` (JSONL), `POST .../{id}/cancel`.
 * OpenAI Batch: `POST /v1/files` (multipart, purpose `batch`), `GET /v1/files/{id}/content`,
 * `POST /v1/batches`, `GET /v1/batches/{id}`, `POST /v1/batches/{id}/cancel`.
 * A batch ends after a scripted number of status reads; it may expire (some requests unanswered),
 * fail as a whole, or error single requests by custom_id.
 */
import { randomBytes } from 'node:crypto';
import { anthropicOutputFormat, FORCED_TOOL_CHOICE_MESSAGE, forcesTool } from './anthropic-wire';
import type { JobRouteAnswer } from './job-routes';
import type { UsageOverride } from './script';
import { simulatedJson, simulatedText } from './simulated-reviewer';
import { estimateTokens } from './tokens';

export interface BatchScript {
  /** Status reads before the batch ends. @default 1 */
  readsUntilEnded?: number;
  /** `expired`: only the first `answered` requests got answers. `failed` (OpenAI): the batch as a whole failed validation. @default 'completed' */
  end?: 'completed' | 'expired' | 'failed';
  /** Requests answered before expiry. @default 0 */
  answered?: number;
  /** custom_id -> error message for requests that fail on their own. */
  errors?: Record<string, string>;
  /** Token counts reported for every answered request. */
  usage?: UsageOverride;
  /** Refuse the create call with this HTTP status (a 500 or 529 the vendor had then); no batch is made. */
  rejectCreate?: number;
}

/** One request of a batch as the fake keeps it; `schema` when the request asked for structured output. */
interface BatchRequest {
  customId: string;
  model: string;
  prompt: string;
  /** Anthropic: the forced tool's name and input schema. OpenAI: the json_schema response format. */
  tool?: { name: string; schema: Record<string, unknown> };
  /** Anthropic `output_config.format` (answered as JSON text); OpenAI `response_format`. */
  schema?: Record<string, unknown>;
  /** Why the vendor refuses this request's params (it ends `errored`, as the Batch API validates each request on its own). */
  invalid?: string;
}

/** Anthropic params: the tool that `tool_choice` forces, if any. */
function forcedTool(params: Record<string, unknown>): BatchRequest['tool'] {
  const choice = params.tool_choice as { type?: string; name?: string } | undefined;
  const tools =
    (params.tools as Array<{ name?: string; input_schema?: Record<string, unknown> }> | undefined) ?? [];
  const tool = choice?.type === 'tool' ? tools.find((t) => t.name === choice.name) : undefined;
  return tool?.name && tool.input_schema ? { name: tool.name, schema: tool.input_schema } : undefined;
}

/** OpenAI body: the json_schema response format's schema, if any. */
function jsonSchemaOf(body: Record<string, unknown>): Record<string, unknown> | undefined {
  const format = body.response_format as
    { type?: string; json_schema?: { schema?: Record<string, unknown> } } | undefined;
  return format?.type === 'json_schema' ? format.json_schema?.schema : undefined;
}

interface FakeBatch {
  id: string;
  vendor: 'anthropic' | 'openai';
  requests: BatchRequest[];
  script: BatchScript;
  reads: number;
  cancelled: boolean;
  createdAt: number;
}

function promptOf(params: Record<string, unknown>): string {
  const messages = (params.messages as Array<{ content?: unknown }> | undefined) ?? [];
  return [
    String(params.system ?? ''),
    ...messages.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))),
  ].join('\n');
}

/** Reads the `file` part of a multipart/form-data body (enough for the OpenAI SDK and fetch's FormData). */
function multipartFile(raw: string, contentType: string): string | null {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!boundary) return null;
  for (const part of raw.split(`--${boundary[1] ?? boundary[2]}`)) {
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    if (/name="file"/.test(part.slice(0, split))) return part.slice(split + 4).replace(/\r\n$/, '');
  }
  return null;
}

export class FakeBatches {
  private readonly scripts: BatchScript[] = [];
  private readonly batches = new Map<string, FakeBatch>();
  private readonly files = new Map<string, string>();
  /** Batches created, by vendor, in order. */
  readonly created: Array<{
    id: string;
    vendor: 'anthropic' | 'openai';
    customIds: string[];
    prompts: string[];
  }> = [];

  constructor(
    private readonly baseUrl: () => string,
    private readonly refusesForcedTool: (model: string) => boolean = () => false,
  ) {}

  enqueue(...scripts: BatchScript[]): this {
    this.scripts.push(...scripts);
    return this;
  }

  cancelled(id: string): boolean {
    return this.batches.get(id)?.cancelled ?? false;
  }

  reset(): void {
    this.scripts.length = 0;
    this.batches.clear();
    this.files.clear();
    this.created.length = 0;
  }

  route(
    method: string,
    path: string,
    body: Record<string, unknown>,
    rawBody: string,
    headers: Record<string, string>,
  ): JobRouteAnswer | null {
    if (path.startsWith('/v1/messages/batches')) return this.anthropic(method, path, body);
    if (path.startsWith('/v1/files') || path.startsWith('/v1/batches'))
      return this.openai(method, path, body, rawBody, headers);
    return null;
  }

  private create(vendor: FakeBatch['vendor'], requests: FakeBatch['requests']): FakeBatch {
    const batch: FakeBatch = {
      id:
        vendor === 'anthropic'
          ? `msgbatch_${randomBytes(8).toString('hex')}`
          : `batch_${randomBytes(8).toString('hex')}`,
      vendor,
      requests,
      script: this.scripts.shift() ?? {},
      reads: 0,
      cancelled: false,
      createdAt: Date.now(),
    };
    this.batches.set(batch.id, batch);
    this.created.push({
      id: batch.id,
      vendor,
      customIds: requests.map((r) => r.customId),
      prompts: requests.map((r) => r.prompt),
    });
    return batch;
  }

  /** The next script's scripted refusal of a create call, in the vendor's error shape; the script is used up. */
  private refusal(vendor: FakeBatch['vendor']): JobRouteAnswer | null {
    const status = this.scripts[0]?.rejectCreate;
    if (status === undefined) return null;
    this.scripts.shift();
    const message = `simulated ${status} on batch create`;
    return vendor === 'anthropic'
      ? {
          status,
          json: {
            type: 'error',
            error: { type: status === 529 ? 'overloaded_error' : 'api_error', message },
          },
        }
      : { status, json: { error: { message, type: 'server_error', param: null, code: null } } };
  }

  private ended(b: FakeBatch): boolean {
    return b.cancelled || b.reads >= (b.script.readsUntilEnded ?? 1);
  }

  /** Per request: answered, errored, or left unanswered (expired / cancelled). */
  private fate(b: FakeBatch, index: number): 'answered' | 'errored' | 'unanswered' {
    if (b.requests[index].invalid || b.script.errors?.[b.requests[index].customId]) return 'errored';
    if (b.cancelled || b.script.end === 'expired')
      return index < (b.script.answered ?? 0) ? 'answered' : 'unanswered';
    return 'answered';
  }

  private usage(b: FakeBatch, prompt: string, text: string): { input: number; output: number } {
    return {
      input: b.script.usage?.inputTokens ?? estimateTokens(prompt) + 8,
      output: b.script.usage?.outputTokens ?? estimateTokens(text),
    };
  }

  private anthropic(method: string, path: string, body: Record<string, unknown>): JobRouteAnswer | null {
    if (method === 'POST' && path === '/v1/messages/batches') {
      const requests =
        (body.requests as Array<{ custom_id?: unknown; params?: Record<string, unknown> }> | undefined) ?? [];
      if (!requests.length || requests.some((r) => typeof r.custom_id !== 'string' || !r.params)) {
        return {
          status: 400,
          json: {
            type: 'error',
            error: { type: 'invalid_request_error', message: 'requests: each needs custom_id and params' },
          },
        };
      }
      const refused = this.refusal('anthropic');
      if (refused) return refused;
      const batch = this.create(
        'anthropic',
        requests.map((r) => {
          const model = String(r.params!.model ?? '');
          return {
            customId: String(r.custom_id),
            model,
            prompt: promptOf(r.params!),
            tool: forcedTool(r.params!),
            schema: anthropicOutputFormat(r.params!) ?? undefined,
            ...(forcesTool(r.params!) && this.refusesForcedTool(model)
              ? { invalid: FORCED_TOOL_CHOICE_MESSAGE }
              : {}),
          };
        }),
      );
      return { status: 200, json: this.anthropicView(batch) };
    }
    const m = /^\/v1\/messages\/batches\/([^/]+)(\/results|\/cancel)?$/.exec(path);
    const batch = m ? this.batches.get(decodeURIComponent(m[1])) : undefined;
    if (!m) return null;
    if (!batch)
      return {
        status: 404,
        json: { type: 'error', error: { type: 'not_found_error', message: `batch ${m[1]} not found` } },
      };
    if (method === 'GET' && !m[2]) {
      batch.reads += 1;
      return { status: 200, json: this.anthropicView(batch) };
    }
    if (method === 'POST' && m[2] === '/cancel') {
      batch.cancelled = true;
      return { status: 200, json: this.anthropicView(batch) };
    }
    if (method === 'GET' && m[2] === '/results') {
      if (!this.ended(batch))
        return {
          status: 400,
          json: { type: 'error', error: { type: 'invalid_request_error', message: 'batch has not ended' } },
        };
      const lines = batch.requests.map((r, i) => {
        const fate = this.fate(batch, i);
        if (fate === 'errored')
          return {
            custom_id: r.customId,
            result: {
              type: 'errored',
              error: {
                type: 'error',
                error: {
                  type: 'invalid_request_error',
                  message: r.invalid ?? batch.script.errors![r.customId],
                },
              },
            },
          };
        if (fate === 'unanswered')
          return { custom_id: r.customId, result: { type: batch.cancelled ? 'canceled' : 'expired' } };
        const input = r.tool ? simulatedJson(r.prompt, r.tool.schema) : undefined;
        const text = r.tool
          ? JSON.stringify(input)
          : r.schema
            ? JSON.stringify(simulatedJson(r.prompt, r.schema))
            : simulatedText(r.prompt);
        const u = this.usage(batch, r.prompt, text);
        const content = r.tool
          ? [{ type: 'tool_use', id: `toolu_${randomBytes(6).toString('hex')}`, name: r.tool.name, input }]
          : [{ type: 'text', text }];
        return {
          custom_id: r.customId,
          result: {
            type: 'succeeded',
            message: {
              id: `msg_${randomBytes(6).toString('hex')}`,
              type: 'message',
              role: 'assistant',
              model: r.model,
              content,
              stop_reason: r.tool ? 'tool_use' : 'end_turn',
              stop_sequence: null,
              usage: {
                input_tokens: u.input,
                output_tokens: u.output,
                cache_read_input_tokens: 0,
                cache_creation_input_tokens: 0,
              },
            },
          },
        };
      });
      return {
        status: 200,
        text: lines.map((l) => JSON.stringify(l)).join('\n') + '\n',
        contentType: 'application/binary',
      };
    }
    return null;
  }

  private anthropicView(b: FakeBatch): Record<string, unknown> {
    const ended = this.ended(b);
    const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    b.requests.forEach((_, i) => {
      if (!ended) counts.processing += 1;
      else {
        const fate = this.fate(b, i);
        if (fate === 'answered') counts.succeeded += 1;
        else if (fate === 'errored') counts.errored += 1;
        else if (b.cancelled) counts.canceled += 1;
        else counts.expired += 1;
      }
    });
    // An expired batch reports an expiry time already past; others expire 24 h after creation.
    const expiresAt = b.script.end === 'expired' && ended ? b.createdAt - 1000 : b.createdAt + 86_400_000;
    return {
      id: b.id,
      type: 'message_batch',
      processing_status: ended ? 'ended' : b.cancelled ? 'canceling' : 'in_progress',
      request_counts: counts,
      created_at: new Date(b.createdAt).toISOString(),
      expires_at: new Date(expiresAt).toISOString(),
      ended_at: ended ? new Date().toISOString() : null,
      cancel_initiated_at: b.cancelled ? new Date().toISOString() : null,
      results_url: ended ? `${this.baseUrl()}/v1/messages/batches/${b.id}/results` : null,
    };
  }

  private openai(
    method: string,
    path: string,
    body: Record<string, unknown>,
    rawBody: string,
    headers: Record<string, string>,
  ): JobRouteAnswer | null {
    if (method === 'POST' && path === '/v1/files') {
      const content = multipartFile(rawBody, headers['content-type'] ?? '');
      if (content === null)
        return {
          status: 400,
          json: {
            error: {
              message: 'expected multipart/form-data with a file part',
              type: 'invalid_request_error',
            },
          },
        };
      const id = `file-${randomBytes(8).toString('hex')}`;
      this.files.set(id, content);
      return {
        status: 200,
        json: {
          id,
          object: 'file',
          bytes: content.length,
          created_at: Math.floor(Date.now() / 1000),
          filename: 'batch.jsonl',
          purpose: 'batch',
        },
      };
    }
    let m = /^\/v1\/files\/([^/]+)\/content$/.exec(path);
    if (m && method === 'GET') {
      const content = this.files.get(decodeURIComponent(m[1]));
      return content === undefined
        ? { status: 404, json: { error: { message: `No such File object: ${m[1]}` } } }
        : { status: 200, text: content, contentType: 'application/octet-stream' };
    }
    if (method === 'POST' && path === '/v1/batches') {
      const input = this.files.get(String(body.input_file_id ?? ''));
      if (input === undefined)
        return {
          status: 400,
          json: {
            error: {
              message: `input_file_id ${String(body.input_file_id)} not found`,
              type: 'invalid_request_error',
            },
          },
        };
      const lines = input
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as { custom_id: string; body: Record<string, unknown> });
      const refused = this.refusal('openai');
      if (refused) return refused;
      const batch = this.create(
        'openai',
        lines.map((l) => ({
          customId: l.custom_id,
          model: String(l.body.model ?? ''),
          prompt: promptOf(l.body),
          schema: jsonSchemaOf(l.body),
        })),
      );
      return { status: 200, json: this.openaiView(batch) };
    }
    m = /^\/v1\/batches\/([^/]+)(\/cancel)?$/.exec(path);
    if (!m) return null;
    const batch = this.batches.get(decodeURIComponent(m[1]));
    if (!batch) return { status: 404, json: { error: { message: `No batch with id ${m[1]}` } } };
    if (method === 'POST' && m[2]) {
      batch.cancelled = true;
      return { status: 200, json: this.openaiView(batch) };
    }
    if (method !== 'GET' || m[2]) return null;
    batch.reads += 1;
    return { status: 200, json: this.openaiView(batch) };
  }

  private openaiView(b: FakeBatch): Record<string, unknown> {
    const ended = this.ended(b);
    const base = {
      id: b.id,
      object: 'batch',
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      created_at: Math.floor(b.createdAt / 1000),
    };
    if (!ended)
      return {
        ...base,
        status: b.reads === 0 ? 'validating' : 'in_progress',
        output_file_id: null,
        error_file_id: null,
      };
    if (b.script.end === 'failed')
      return {
        ...base,
        status: 'failed',
        errors: {
          object: 'list',
          data: [{ code: 'invalid_json_line', message: 'simulated validation failure', line: 1 }],
        },
      };
    const out: string[] = [];
    const err: string[] = [];
    b.requests.forEach((r, i) => {
      const fate = this.fate(b, i);
      const id = `batch_req_${randomBytes(6).toString('hex')}`;
      if (fate === 'answered') {
        const text = r.schema ? JSON.stringify(simulatedJson(r.prompt, r.schema)) : simulatedText(r.prompt);
        const u = this.usage(b, r.prompt, text);
        out.push(
          JSON.stringify({
            id,
            custom_id: r.customId,
            response: {
              status_code: 200,
              request_id: id,
              body: {
                id: `chatcmpl-${id}`,
                object: 'chat.completion',
                model: r.model,
                choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
                usage: {
                  prompt_tokens: u.input,
                  completion_tokens: u.output,
                  total_tokens: u.input + u.output,
                },
              },
            },
            error: null,
          }),
        );
      } else if (fate === 'errored') {
        out.push(
          JSON.stringify({
            id,
            custom_id: r.customId,
            response: {
              status_code: 400,
              request_id: id,
              body: { error: { message: b.script.errors![r.customId], type: 'invalid_request_error' } },
            },
            error: null,
          }),
        );
      } else {
        const code = b.cancelled ? 'batch_cancelled' : 'batch_expired';
        err.push(
          JSON.stringify({
            id,
            custom_id: r.customId,
            response: null,
            error: {
              code,
              message:
                code === 'batch_expired'
                  ? 'This request could not be executed before the completion window expired.'
                  : 'This request was cancelled.',
            },
          }),
        );
      }
    });
    const file = (lines: string[]) => {
      if (!lines.length) return null;
      const id = `file-${randomBytes(8).toString('hex')}`;
      this.files.set(id, lines.join('\n') + '\n');
      return id;
    };
    const status = b.cancelled ? 'cancelled' : b.script.end === 'expired' ? 'expired' : 'completed';
    return { ...base, status, output_file_id: file(out), error_file_id: file(err) };
  }
}
