/**
 * FAKE Slack Web API on 127.0.0.1: `chat.postMessage`, `chat.update`, `auth.test`,
 * `conversations.list`, in Slack's wire format (HTTP 200 with `ok: false` for API errors, HTTP 429
 * with `Retry-After` for rate limits), plus incoming webhooks. Point `@slack/web-api` at it with
 * `slackApiUrl: fake.apiUrl`.
 */
import { FakeRouter, serveFake, takeFailure, type FailureRule, type FakeRequest, type FakeResponse, type RunningFake } from '../http';

export interface FakeSlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
  thread_ts?: string;
  /** Every text the message had, oldest first (chat.update appends). */
  edits: string[];
  via: 'web-api' | 'incoming-webhook';
}

export interface FakeSlack extends RunningFake {
  /** `slackApiUrl` for `@slack/web-api` (ends with `/api/`). */
  readonly apiUrl: string;
  /** An incoming-webhook URL that posts to `channel`. */
  webhookUrl(channel: string): string;
  readonly messages: FakeSlackMessage[];
  /** Channels that exist; posting elsewhere answers `channel_not_found`. Empty set: every channel exists. */
  readonly channels: Set<string>;
  /** Makes the next matching calls fail, e.g. `{ status: 429, retryAfter: 1 }`. */
  failNext(rule: FailureRule): void;
}

export interface FakeSlackOptions {
  port?: number;
  /** Token the fake accepts. @default any `xoxb-` token */
  token?: string;
}

function parseBlocks(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string' && value.length > 0) {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed : [];
  }
  return [];
}

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const messages: FakeSlackMessage[] = [];
  const channels = new Set<string>();
  const failures: FailureRule[] = [];
  const router = new FakeRouter();
  let clock = 1_700_000_000;
  const nextTs = () => `${++clock}.000100`;

  const authorised = (req: FakeRequest): boolean => {
    const token = String(req.headers.authorization ?? '').replace(/^bearer\s+/i, '') || String(req.body.token ?? '');
    return options.token ? token === options.token : token.startsWith('xoxb-') || token.startsWith('xoxp-');
  };
  const api = (name: string, handler: (req: FakeRequest) => FakeResponse) => {
    router.on('POST', `/api/${name}`, (req) => (authorised(req) ? handler(req) : { status: 200, body: { ok: false, error: 'not_authed' } }));
  };
  const channelExists = (channel: string) => channels.size === 0 || channels.has(channel);

  api('auth.test', () => ({ status: 200, body: { ok: true, url: 'https://fake.slack.com/', team: 'fake', user: 'agentflow', team_id: 'T0FAKE', user_id: 'U0FAKE', bot_id: 'B0FAKE' } }));
  api('chat.postMessage', (req) => {
    const channel = String(req.body.channel ?? '');
    if (!channel) return { status: 200, body: { ok: false, error: 'channel_not_found' } };
    if (!channelExists(channel)) return { status: 200, body: { ok: false, error: 'channel_not_found' } };
    const text = String(req.body.text ?? '');
    const blocks = parseBlocks(req.body.blocks);
    if (!text && blocks.length === 0) return { status: 200, body: { ok: false, error: 'no_text' } };
    if (blocks.length > 50) return { status: 200, body: { ok: false, error: 'invalid_blocks', errors: ['must provide an array of no more than 50 items [json-pointer:/blocks]'] } };
    const ts = nextTs();
    const message: FakeSlackMessage = { channel, ts, text, blocks, thread_ts: req.body.thread_ts as string | undefined, edits: [text], via: 'web-api' };
    messages.push(message);
    return { status: 200, body: { ok: true, channel, ts, message: { type: 'message', text, blocks, ts, bot_id: 'B0FAKE' } } };
  });
  api('chat.update', (req) => {
    const message = messages.find((m) => m.channel === req.body.channel && m.ts === req.body.ts);
    if (!message) return { status: 200, body: { ok: false, error: 'message_not_found' } };
    message.text = String(req.body.text ?? message.text);
    message.blocks = req.body.blocks !== undefined ? parseBlocks(req.body.blocks) : message.blocks;
    message.edits.push(message.text);
    return { status: 200, body: { ok: true, channel: message.channel, ts: message.ts, text: message.text } };
  });
  api('conversations.list', () => ({ status: 200, body: { ok: true, channels: [...channels].map((name, i) => ({ id: `C${i}`, name })), response_metadata: { next_cursor: '' } } }));
  router.on('POST', '/services/:channel/*rest', (req) => {
    const text = String(req.body.text ?? '');
    const blocks = parseBlocks(req.body.blocks);
    if (!text && blocks.length === 0) return { status: 400, body: 'no_text', headers: { 'content-type': 'text/plain' } };
    messages.push({ channel: req.params.channel, ts: nextTs(), text, blocks, edits: [text], via: 'incoming-webhook' });
    return { status: 200, body: 'ok', headers: { 'content-type': 'text/plain' } };
  });

  const running = await serveFake(router, {
    port: options.port,
    notFound: () => ({ status: 200, body: { ok: false, error: 'unknown_method' } }),
    intercept: (req) => {
      const failure = takeFailure(failures, req);
      if (!failure) return null;
      const headers: Record<string, string> = {};
      if (failure.retryAfter !== undefined) headers['retry-after'] = String(failure.retryAfter);
      return { status: failure.status, headers, body: failure.body ?? (failure.status === 429 ? { ok: false, error: 'ratelimited' } : { ok: false, error: 'internal_error' }) };
    },
  });
  return {
    ...running,
    apiUrl: `${running.url}/api/`,
    webhookUrl: (channel) => `${running.url}/services/${encodeURIComponent(channel)}/B0FAKE/fake`,
    messages,
    channels,
    failNext: (rule) => void failures.push({ ...rule }),
  };
}
