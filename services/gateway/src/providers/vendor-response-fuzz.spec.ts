/**
 * Fuzz: every chat provider the gateway builds (the vendors' official SDKs, and the pooled undici
 * clients of the hot path) pointed at a local server that answers with mutated vendor responses:
 * JSON cut short, fields of the wrong type or missing, invalid UTF-8, empty content, bodies that are
 * not JSON, SSE streams cut midway or ended early. Fixed seeds, so a failing case replays.
 *
 * Each call must end in a {@link ProviderError} whose message names the provider and model and says
 * what was wrong (never a JavaScript TypeError's text), or in a well-formed result: text a string,
 * token counts finite and not negative, a structured answer an object. A stream that ended before
 * the vendor's own end marker (`message_stop`, `[DONE]`) is never a result. Nothing may hang or
 * reject unhandled.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProvidersConfig } from '@agentflow/contracts';
import { SeededDraw } from '@agentflow/contracts';
import { ProviderKeys } from '../config/provider-keys';
import { PooledAnthropicProvider } from '../http/vendor-pool/pooled-anthropic-provider';
import { PooledOpenAIProvider } from '../http/vendor-pool/pooled-openai-provider';
import { JsonLineLogger } from '../log/gateway-logger';
import { SecretScrubber } from '../log/secret-scrubber';
import { reportSchema } from '../testing/fixtures';
import type { ChatCall, ChatProvider, ChatResult } from './chat-provider';
import { ProviderError, type ProviderFailure } from './provider-error';
import { buildChatProviders } from './registry';

const SEEDS = [0xf022_0001, 0xf022_0002, 0xf022_0003];
const CASES_PER_SEED = 400;
const KEY = 'sk-fuzz-vendor-0123456789abcdef';
const FAILURES: ReadonlySet<ProviderFailure> = new Set([
  'rate_limited',
  'overloaded',
  'server_error',
  'timeout',
  'network',
  'context_length',
  'auth',
  'bad_request',
  'aborted',
  'bad_output',
  'bad_response',
]);
/** Text of JavaScript's own errors: a message like this says where the code broke, not what the vendor did. */
const JS_INTERNALS =
  /cannot read propert|is not a function|is not iterable|undefined is not|null is not|of undefined|of null|is not defined/i;

type Wire = 'anthropic' | 'openai';
interface Reply {
  status: number;
  contentType: string;
  body: Buffer;
  /** `destroy`: the connection is cut after the body is written (a vendor or proxy dying midway). */
  end: 'end' | 'destroy';
}
interface Subject {
  label: string;
  wire: Wire;
  provider: ChatProvider;
  model: string;
  streams: boolean;
  /** Anthropic's two structured-output forms. */
  structured: Array<'tool' | 'json-schema' | undefined>;
}
interface Case {
  seed: number;
  n: number;
  subject: string;
  mode: 'generate' | 'stream';
  schema: 'tool' | 'json-schema' | 'none';
  mutation: string;
  /** The mutated stream lost its end marker: it must not be read as a whole answer. */
  endMarkerLost: boolean;
}

// ---------------------------------------------------------------- the vendors' valid answers

function anthropicMessage(model: string, form: 'tool' | 'json-schema' | 'none'): Record<string, unknown> {
  const answer = { summary: 'looks fine', findings: [] };
  const content =
    form === 'tool'
      ? [{ type: 'tool_use', id: 'toolu_01', name: reportSchema.name, input: answer }]
      : [{ type: 'text', text: form === 'json-schema' ? JSON.stringify(answer) : 'The change looks fine.' }];
  return {
    id: 'msg_01',
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: form === 'tool' ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: {
      input_tokens: 120,
      output_tokens: 30,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    },
  };
}

function openaiCompletion(model: string, form: 'none' | 'schema'): Record<string, unknown> {
  const content =
    form === 'schema' ? JSON.stringify({ summary: 'looks fine', findings: [] }) : 'The change looks fine.';
  return {
    id: 'chatcmpl-01',
    object: 'chat.completion',
    created: 1_765_000_000,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null },
        finish_reason: 'stop',
        logprobs: null,
      },
    ],
    usage: {
      prompt_tokens: 120,
      completion_tokens: 30,
      total_tokens: 150,
      prompt_tokens_details: { cached_tokens: 0 },
    },
  };
}

/** Events of a streamed answer as [event name, data]; the last one is the end marker. */
function anthropicEvents(model: string, form: 'tool' | 'json-schema' | 'none'): Array<[string, unknown]> {
  const json = JSON.stringify({ summary: 'looks fine', findings: [] });
  const pieces =
    form === 'none'
      ? ['The change ', 'looks ', 'fine.']
      : [json.slice(0, 10), json.slice(10, 25), json.slice(25)];
  const block =
    form === 'tool'
      ? { type: 'tool_use', id: 'toolu_01', name: reportSchema.name, input: {} }
      : { type: 'text', text: '' };
  const delta = (p: string) =>
    form === 'tool' ? { type: 'input_json_delta', partial_json: p } : { type: 'text_delta', text: p };
  return [
    [
      'message_start',
      {
        type: 'message_start',
        message: {
          ...anthropicMessage(model, form),
          content: [],
          stop_reason: null,
          usage: { input_tokens: 120, output_tokens: 1 },
        },
      },
    ],
    ['content_block_start', { type: 'content_block_start', index: 0, content_block: block }],
    ...pieces.map((p): [string, unknown] => [
      'content_block_delta',
      { type: 'content_block_delta', index: 0, delta: delta(p) },
    ]),
    ['content_block_stop', { type: 'content_block_stop', index: 0 }],
    [
      'message_delta',
      {
        type: 'message_delta',
        delta: { stop_reason: form === 'tool' ? 'tool_use' : 'end_turn', stop_sequence: null },
        usage: { output_tokens: 30 },
      },
    ],
    ['message_stop', { type: 'message_stop' }],
  ];
}

function openaiChunks(model: string, form: 'none' | 'schema'): Array<[string, unknown]> {
  const text =
    form === 'schema' ? JSON.stringify({ summary: 'looks fine', findings: [] }) : 'The change looks fine.';
  const pieces = [text.slice(0, 8), text.slice(8, 20), text.slice(20)];
  const chunk = (delta: object, finish: string | null, usage: object | null = null) => ({
    id: 'chatcmpl-01',
    object: 'chat.completion.chunk',
    created: 1_765_000_000,
    model,
    choices: usage ? [] : [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    usage,
  });
  return [
    ['', chunk({ role: 'assistant', content: '' }, null)],
    ...pieces.map((p): [string, unknown] => ['', chunk({ content: p }, null)]),
    ['', chunk({}, 'stop')],
    ['', chunk({}, null, { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 })],
    ['', '[DONE]'],
  ];
}

function sse(events: Array<[string, unknown]>): string {
  return events
    .map(
      ([name, data]) =>
        `${name ? `event: ${name}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`,
    )
    .join('');
}

// ---------------------------------------------------------------- mutations

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = Array<string | number>;

function paths(value: Json, at: Path = [], out: Path[] = []): Path[] {
  if (at.length > 0) out.push(at);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...at, i], out));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) paths(v, [...at, k], out);
  return out;
}

const WRONG: Json[] = [null, 0, -1, 1.5e308, 'x', '', [], {}, true, [1, 'a'], { type: 'unknown' }];

/** One field of the tree deleted, or set to a value of another type. Returns a description. */
function mutateTree(root: Json, d: SeededDraw): string {
  const all = paths(root);
  const path = d.pick(all);
  let parent = root as Record<string | number, Json>;
  for (const p of path.slice(0, -1))
    parent = (parent as Record<string | number, Json>)[p] as Record<string | number, Json>;
  const last = path[path.length - 1];
  if (d.chance(0.25) && !Array.isArray(parent)) {
    delete parent[last];
    return `deleted ${path.join('.')}`;
  }
  const value = d.pick(WRONG);
  parent[last] = structuredClone(value);
  return `${path.join('.')} = ${JSON.stringify(value)}`;
}

/** Bytes that are not UTF-8: a lone continuation byte, an overlong form, a cut multi-byte sequence. */
const BAD_UTF8 = [
  Buffer.from([0xff]),
  Buffer.from([0xc0, 0xaf]),
  Buffer.from([0xe2, 0x82]),
  Buffer.from([0x80, 0x80, 0x80]),
  Buffer.from([0xed, 0xa0, 0x80]),
];

function insertBytes(body: Buffer, at: number, bytes: Buffer): Buffer {
  return Buffer.concat([body.subarray(0, at), bytes, body.subarray(at)]);
}

/** The position of a string value in a JSON text, so invalid bytes land inside text the reader decodes. */
function insideAString(text: string, d: SeededDraw): number {
  const quotes = [...text.matchAll(/"[^"\\]{2,}"/g)].map((m) => m.index + 1);
  return quotes.length ? d.pick(quotes) + 1 : d.int(0, text.length);
}

function mutateBody(valid: Record<string, unknown>, d: SeededDraw): { reply: Reply; mutation: string } {
  const json = (body: string | Buffer, status = 200, end: Reply['end'] = 'end'): Reply => ({
    status,
    contentType: 'application/json',
    body: Buffer.from(body),
    end,
  });
  const text = JSON.stringify(valid);
  switch (d.int(0, 9)) {
    case 0:
    case 1:
    case 2: {
      const tree = structuredClone(valid) as Json;
      const what = mutateTree(tree, d);
      return { reply: json(JSON.stringify(tree)), mutation: `wrong type: ${what}` };
    }
    case 3: {
      const at = d.int(0, text.length - 1);
      return { reply: json(text.slice(0, at)), mutation: `truncated JSON at ${at}/${text.length}` };
    }
    case 4: {
      const at = d.int(1, text.length - 1);
      return {
        reply: json(text.slice(0, at), 200, 'destroy'),
        mutation: `connection cut after ${at}/${text.length} bytes`,
      };
    }
    case 5: {
      const at = insideAString(text, d);
      const bytes = d.pick(BAD_UTF8);
      return {
        reply: json(insertBytes(Buffer.from(text), at, bytes)),
        mutation: `invalid UTF-8 ${bytes.toString('hex')} at ${at}`,
      };
    }
    case 6: {
      const empty = d.pick(['', '{}', '[]', 'null', '""', '0']);
      return { reply: json(empty), mutation: `body ${JSON.stringify(empty)}` };
    }
    case 7: {
      const tree = structuredClone(valid) as Record<string, Json>;
      if ('content' in tree) tree.content = d.pick([[], [{ type: 'text', text: '' }], null]);
      else
        tree.choices = d.pick([
          [],
          [{ index: 0, message: { role: 'assistant', content: null }, finish_reason: 'stop' }],
          [{ index: 0, message: { role: 'assistant', content: '' }, finish_reason: 'stop' }],
        ]);
      return {
        reply: json(JSON.stringify(tree)),
        mutation: `empty content ${JSON.stringify(tree.content ?? tree.choices)}`,
      };
    }
    case 8: {
      const body = d.pick([
        '<html><body>502 Bad Gateway</body></html>',
        'upstream connect error',
        '\u0000\u0001\u0002',
      ]);
      const status = d.pick([200, 200, 502, 503, 400]);
      return {
        reply: { status, contentType: 'text/html', body: Buffer.from(body), end: 'end' },
        mutation: `${status} not JSON: ${JSON.stringify(body.slice(0, 20))}`,
      };
    }
    default: {
      const status = d.pick([400, 401, 404, 413, 429, 500, 529]);
      const tree = {
        type: 'error',
        error: d.pick<Json>([{ type: 'x', message: 7 }, 'broken', null, { message: ['a'] }, {}]),
      };
      return {
        reply: json(JSON.stringify(tree), status),
        mutation: `${status} with error body ${JSON.stringify(tree.error)}`,
      };
    }
  }
}

/** `marker`: the index of the event that says the answer is whole (Anthropic `message_stop`; OpenAI the finish_reason chunk, as the SDK hides `[DONE]`). */
function mutateStream(
  events: Array<[string, unknown]>,
  marker: number,
  d: SeededDraw,
): { reply: Reply; mutation: string; endMarkerLost: boolean } {
  const reply = (body: string | Buffer, end: Reply['end'] = 'end'): Reply => ({
    status: 200,
    contentType: 'text/event-stream',
    body: Buffer.from(body),
    end,
  });
  const full = sse(events);
  switch (d.int(0, 6)) {
    case 0:
    case 1: {
      // Only events that carry the answer: the end marker has no fields to mutate.
      const i = d.int(0, events.length - 2);
      const tree = structuredClone(events[i][1]) as Json;
      const what = mutateTree(tree, d);
      const copy = events.slice();
      copy[i] = [events[i][0], tree];
      return { reply: reply(sse(copy)), mutation: `event ${i} wrong type: ${what}`, endMarkerLost: false };
    }
    case 2: {
      const at = d.int(0, full.length - 1);
      const markerEnd = sse(events.slice(0, marker + 1)).length;
      return {
        reply: reply(full.slice(0, at), 'destroy'),
        mutation: `stream cut after ${at}/${full.length} bytes`,
        endMarkerLost: at < markerEnd,
      };
    }
    case 3: {
      // The server ends the response cleanly before the end marker: a proxy that closed its side.
      const keep = d.int(0, events.length - 1);
      return {
        reply: reply(sse(events.slice(0, keep))),
        mutation: `stream ended after ${keep}/${events.length} events`,
        endMarkerLost: keep <= marker,
      };
    }
    case 4: {
      const i = d.int(0, events.length - 2);
      const text = sse([events[i]]);
      const cut = text.slice(0, d.int(8, text.length - 3));
      const body = sse(events.slice(0, i)) + `${cut}\n\n` + sse(events.slice(i + 1));
      return { reply: reply(body), mutation: `event ${i} truncated JSON`, endMarkerLost: false };
    }
    case 5: {
      const at = insideAString(full, d);
      const bytes = d.pick(BAD_UTF8);
      return {
        reply: reply(insertBytes(Buffer.from(full), at, bytes)),
        mutation: `invalid UTF-8 ${bytes.toString('hex')} at ${at}`,
        endMarkerLost: false,
      };
    }
    default: {
      const drop = d.int(0, events.length - 2);
      const copy = events.filter((_, i) => i !== drop);
      return {
        reply: reply(sse(copy)),
        mutation: `event ${drop} (${events[drop][0] || 'chunk'}) dropped`,
        endMarkerLost: drop === marker,
      };
    }
  }
}

// ---------------------------------------------------------------- oracle

function problemsOfResult(r: ChatResult, wantStructured: boolean): string[] {
  const out: string[] = [];
  if (typeof r.text !== 'string') out.push(`text is ${typeof r.text}`);
  if (typeof r.finishReason !== 'string' || !r.finishReason)
    out.push(`finishReason ${JSON.stringify(r.finishReason)}`);
  for (const [k, v] of Object.entries(r.usage ?? {}))
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) out.push(`usage.${k} = ${JSON.stringify(v)}`);
  if (!r.usage) out.push('no usage');
  if (wantStructured && (!r.structured || typeof r.structured !== 'object' || Array.isArray(r.structured)))
    out.push(`structured ${JSON.stringify(r.structured)}`);
  return out;
}

function problemsOfError(e: unknown, s: Subject): string[] {
  if (!(e instanceof ProviderError)) return [`not a ProviderError: ${String(e)}`];
  const out: string[] = [];
  if (!FAILURES.has(e.failure)) out.push(`unknown failure ${e.failure}`);
  if (e.failure === 'timeout') out.push('timed out on an answer the server had finished');
  if (!e.message.includes(`${s.provider.name}/${s.model}`))
    out.push(`message does not name ${s.provider.name}/${s.model}: ${e.message}`);
  if (JS_INTERNALS.test(e.message))
    out.push(`message is a JavaScript error, not what the vendor did: ${e.message}`);
  return out;
}

// ---------------------------------------------------------------- the run

describe('fuzz: mutated vendor responses through every provider client', () => {
  let server: Server;
  let baseUrl: string;
  const replies: Reply[] = [];
  const subjects: Subject[] = [];
  const pooled: Array<PooledOpenAIProvider | PooledAnthropicProvider> = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  const outcomeOf = { last: '' };

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const reply = replies.shift() ?? {
          status: 500,
          contentType: 'text/plain',
          body: Buffer.from('no reply scripted'),
          end: 'end' as const,
        };
        res.writeHead(reply.status, {
          'content-type': reply.contentType,
          'request-id': 'req_fuzz',
          'x-request-id': 'req_fuzz',
        });
        if (reply.end === 'end') return void res.end(reply.body);
        res.flushHeaders();
        res.write(reply.body, () => res.socket?.destroy());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    process.on('unhandledRejection', onUnhandled);

    const claude = {
      'claude-fuzz-1': {
        contextWindow: 200_000,
        prices: [{ effectiveFrom: '2025-01-01', inputPerMTok: 3, outputPerMTok: 15 }],
      },
    };
    const gpt = {
      'gpt-4.1': {
        contextWindow: 1_000_000,
        prices: [{ effectiveFrom: '2025-01-01', inputPerMTok: 2, outputPerMTok: 8 }],
      },
    };
    const config: ProvidersConfig = {
      providers: {
        anthropic: {
          kind: 'anthropic',
          baseUrl,
          apiKey: { env: 'K' },
          dataClasses: ['internal'],
          models: claude,
        },
        bedrock: {
          kind: 'anthropic-bedrock',
          baseUrl,
          apiKey: { env: 'K' },
          region: 'eu-central-1',
          dataClasses: ['internal'],
          models: claude,
        },
        vertex: {
          kind: 'anthropic-vertex',
          baseUrl: `${baseUrl}/v1`,
          region: 'europe-west1',
          dataClasses: ['internal'],
          models: claude,
          options: { projectId: 'acme-ml' },
        },
        openai: {
          kind: 'openai',
          baseUrl: `${baseUrl}/v1`,
          apiKey: { env: 'K' },
          dataClasses: ['internal'],
          models: gpt,
        },
        azure: {
          kind: 'azure-openai',
          baseUrl,
          apiKey: { env: 'K' },
          dataClasses: ['internal'],
          models: gpt,
        },
        ollama: {
          kind: 'openai-compatible',
          baseUrl: `${baseUrl}/v1`,
          dataClasses: ['internal'],
          models: gpt,
        },
      },
    };
    const scrubber = new SecretScrubber();
    const built = buildChatProviders(config, {
      keys: new ProviderKeys({ K: KEY }, scrubber),
      scrub: scrubber.scrub,
      logger: new JsonLineLogger('silent', scrubber),
      vertexAuthClient: {
        getRequestHeaders: async () => new Headers({ authorization: 'Bearer vertex-token' }),
        projectId: 'acme-ml',
      } as never,
    });
    const anthropicForms: Subject['structured'] = [undefined, 'tool', 'json-schema'];
    const openaiForms: Subject['structured'] = [undefined, 'tool'];
    // Bedrock streams in AWS event-stream framing, not SSE: its streamed calls are left to the SDK's own tests.
    subjects.push(
      {
        label: 'anthropic (SDK)',
        wire: 'anthropic',
        provider: built.get('anthropic')!,
        model: 'claude-fuzz-1',
        streams: true,
        structured: anthropicForms,
      },
      {
        label: 'anthropic-bedrock (SDK)',
        wire: 'anthropic',
        provider: built.get('bedrock')!,
        model: 'claude-fuzz-1',
        streams: false,
        structured: anthropicForms,
      },
      {
        label: 'anthropic-vertex (SDK)',
        wire: 'anthropic',
        provider: built.get('vertex')!,
        model: 'claude-fuzz-1',
        streams: true,
        structured: anthropicForms,
      },
      {
        label: 'openai (SDK)',
        wire: 'openai',
        provider: built.get('openai')!,
        model: 'gpt-4.1',
        streams: true,
        structured: openaiForms,
      },
      {
        label: 'azure-openai (SDK)',
        wire: 'openai',
        provider: built.get('azure')!,
        model: 'gpt-4.1',
        streams: true,
        structured: openaiForms,
      },
      {
        label: 'openai-compatible (SDK)',
        wire: 'openai',
        provider: built.get('ollama')!,
        model: 'gpt-4.1',
        streams: true,
        structured: openaiForms,
      },
    );
    const pa = new PooledAnthropicProvider(
      'anthropic-pooled',
      'anthropic',
      { baseUrl, apiKey: KEY, connections: 4 },
      scrubber.scrub,
    );
    const po = new PooledOpenAIProvider(
      'openai-pooled',
      'openai',
      { baseUrl: `${baseUrl}/v1`, apiKey: KEY, connections: 4 },
      scrubber.scrub,
    );
    pooled.push(pa, po);
    subjects.push(
      {
        label: 'anthropic (pooled)',
        wire: 'anthropic',
        provider: pa,
        model: 'claude-fuzz-1',
        streams: true,
        structured: anthropicForms,
      },
      {
        label: 'openai (pooled)',
        wire: 'openai',
        provider: po,
        model: 'gpt-4.1',
        streams: true,
        structured: openaiForms,
      },
    );
  });

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await Promise.all(pooled.map((p) => p.close()));
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  function callOf(s: Subject, form: 'tool' | 'json-schema' | undefined): ChatCall {
    return {
      model: s.model,
      system: 'You review code.',
      messages: [{ role: 'user', content: 'Review: let x = 1' }],
      maxTokens: 200,
      cachePrompt: true,
      responseSchema: form ? reportSchema : undefined,
      structuredOutput: form === 'json-schema' ? 'json-schema' : form ? 'tool' : undefined,
      signal: new AbortController().signal,
      timeoutMs: 3_000,
    };
  }

  async function runOne(s: Subject, c: Case, call: ChatCall, reply: Reply): Promise<string[]> {
    replies.length = 0;
    replies.push(reply);
    const pieces: string[] = [];
    const pending =
      c.mode === 'stream' ? s.provider.stream!(call, (p) => pieces.push(p)) : s.provider.generate(call);
    let guard: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((resolve) => (guard = setTimeout(() => resolve('hung'), 5_000)));
    const outcome = await Promise.race([
      pending.then(
        (r) => ({ r }),
        (e: unknown) => ({ e }),
      ),
      hung,
    ]).finally(() => clearTimeout(guard));
    if (outcome === 'hung') {
      outcomeOf.last = 'hung';
      return ['hung: neither settled nor rejected within 5 s'];
    }
    if ('e' in outcome) {
      outcomeOf.last = outcome.e instanceof ProviderError ? outcome.e.failure : 'unclassified';
      return problemsOfError(outcome.e, s);
    }
    outcomeOf.last = 'ok';
    const problems = problemsOfResult(outcome.r, call.responseSchema !== undefined);
    if (c.endMarkerLost)
      problems.push(
        `a stream without its end marker read as a whole answer: ${JSON.stringify(outcome.r.text).slice(0, 80)}`,
      );
    return problems;
  }

  it(`${SEEDS.length} seeds x ${CASES_PER_SEED} cases: a classified error or a well-formed result, never a crash or a hang`, async () => {
    const failures: string[] = [];
    const tally = { cases: 0, byOutcome: {} as Record<string, number> };
    for (const seed of SEEDS) {
      const d = new SeededDraw(seed);
      for (let n = 0; n < CASES_PER_SEED; n++) {
        const s = d.pick(subjects);
        const form = d.pick(s.structured);
        const mode: Case['mode'] = s.streams && d.chance(0.5) ? 'stream' : 'generate';
        const schema = form ?? 'none';
        const wireForm = s.wire === 'anthropic' ? schema : schema === 'none' ? 'none' : 'schema';
        let reply: Reply;
        let mutation: string;
        let endMarkerLost = false;
        if (mode === 'stream') {
          const events =
            s.wire === 'anthropic'
              ? anthropicEvents(s.model, schema)
              : openaiChunks(s.model, wireForm as 'none' | 'schema');
          const marker = s.wire === 'anthropic' ? events.length - 1 : events.length - 3;
          ({ reply, mutation, endMarkerLost } = mutateStream(events, marker, d));
        } else {
          const body =
            s.wire === 'anthropic'
              ? anthropicMessage(s.model, schema)
              : openaiCompletion(s.model, wireForm as 'none' | 'schema');
          ({ reply, mutation } = mutateBody(body, d));
        }
        const c: Case = { seed, n, subject: s.label, mode, schema, mutation, endMarkerLost };
        const problems = await runOne(s, c, callOf(s, form), reply);
        tally.cases++;
        tally.byOutcome[outcomeOf.last] = (tally.byOutcome[outcomeOf.last] ?? 0) + 1;
        if (problems.length)
          failures.push(
            `seed ${seed.toString(16)} #${n} ${c.subject} ${c.mode} schema=${c.schema} [${c.mutation}]: ${problems.join('; ')}`,
          );
      }
    }
    expect(unhandled.map(String)).toEqual([]);
    expect(failures.slice(0, 40)).toEqual([]);
    expect(tally.cases).toBe(SEEDS.length * CASES_PER_SEED);
    // Both ends are reached: the mutations make errors of each main kind, and some still read as answers.
    expect(Object.keys(tally.byOutcome)).toEqual(
      expect.arrayContaining(['ok', 'bad_response', 'network', 'bad_output']),
    );
    if (process.env.FUZZ_REPORT) process.stdout.write(`${JSON.stringify(tally)}\n`);
  }, 120_000);

  it('the unmutated answers are results, for every client and form (the fuzz starts from valid answers)', async () => {
    for (const s of subjects) {
      for (const form of s.structured) {
        const schema = form ?? 'none';
        const wireForm = schema === 'none' ? 'none' : 'schema';
        const modes: Array<Case['mode']> = s.streams ? ['generate', 'stream'] : ['generate'];
        for (const mode of modes) {
          const body =
            mode === 'stream'
              ? sse(
                  s.wire === 'anthropic' ? anthropicEvents(s.model, schema) : openaiChunks(s.model, wireForm),
                )
              : JSON.stringify(
                  s.wire === 'anthropic'
                    ? anthropicMessage(s.model, schema)
                    : openaiCompletion(s.model, wireForm),
                );
          replies.length = 0;
          replies.push({
            status: 200,
            contentType: mode === 'stream' ? 'text/event-stream' : 'application/json',
            body: Buffer.from(body),
            end: 'end',
          });
          const call = callOf(s, form);
          const r =
            mode === 'stream'
              ? await s.provider.stream!(call, () => undefined)
              : await s.provider.generate(call);
          expect({
            subject: s.label,
            mode,
            schema,
            problems: problemsOfResult(r, form !== undefined),
          }).toEqual({ subject: s.label, mode, schema, problems: [] });
          expect(r.usage.outputTokens).toBe(30);
          if (form) expect(r.structured).toEqual({ summary: 'looks fine', findings: [] });
        }
      }
    }
  });
});
