/**
 * FAKE Slack Web API on 127.0.0.1: `chat.postMessage` (with message `metadata`), `chat.update`,
 * `auth.test`, `conversations.list` and `conversations.history` (by channel ID, newest first,
 * cursor pagination through `response_metadata.next_cursor`, `limit` capped at 999, `oldest` /
 * `latest` / `inclusive`, metadata only with `include_all_metadata=true`), in Slack's wire format
 * (HTTP 200 with `ok: false` for API errors, HTTP 429 with `Retry-After` for rate limits, per
 * method when `rateLimitPerMinute` says so), plus incoming webhooks. Channels get Slack-style IDs
 * (`C…`), which `chat.postMessage` answers with, as Slack does. Point `@slack/web-api` at it with
 * `slackApiUrl: fake.apiUrl`.
 */
import {
  FakeRouter,
  serveFake,
  takeFailure,
  type FailureRule,
  type FakeRequest,
  type FakeResponse,
  type RunningFake,
} from '../http';

export interface FakeSlackMessage {
  /** The channel as the caller named it (`#reviews` or an ID). */
  channel: string;
  /** The channel's ID (`C…`), as Slack answers and `conversations.history` takes it. */
  channelId: string;
  ts: string;
  text: string;
  blocks: unknown[];
  thread_ts?: string;
  /** Every text the message had, oldest first (chat.update appends). */
  edits: string[];
  via: 'web-api' | 'incoming-webhook';
  /** `metadata` given to chat.postMessage (`{event_type, event_payload}`). */
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
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
  /**
   * Calls per minute each Web API method takes before answering 429 with `Retry-After` (the seconds
   * left in the minute), as Slack's rate-limit tiers do, e.g. `{ 'conversations.history': 50 }`.
   * @default no limit
   */
  rateLimitPerMinute?: Record<string, number>;
  /**
   * The bot token's OAuth scopes, sent in `x-oauth-scopes` on every Web API answer as Slack does; a
   * method whose scope the token lacks answers `missing_scope` with `needed` and `provided`.
   * @default {@link FULL_BOT_SCOPES}
   */
  scopes?: readonly string[];
}

/** What agentflow's Slack app asks for (docs/notifier.md), and so what the fake grants by default. */
export const FULL_BOT_SCOPES = [
  'chat:write',
  'channels:read',
  'groups:read',
  'channels:history',
  'groups:history',
] as const;

/**
 * The scope each method needs, from Slack's method reference. conversations.list and .history take
 * either of two (public or private channels); the fake's channels are public, so the first counts.
 */
const NEEDED_SCOPES: Record<string, readonly string[]> = {
  'chat.postMessage': ['chat:write'],
  'chat.update': ['chat:write'],
  'conversations.list': ['channels:read', 'groups:read'],
  'conversations.history': ['channels:history', 'groups:history'],
};

const HISTORY_MAX_LIMIT = 999;
const CHANNEL_ID = /^[CGD][A-Z0-9]{8,}$/;

function parseJsonObject(value: unknown): Record<string, unknown> | undefined | 'invalid' {
  if (value === undefined || value === '') return undefined;
  try {
    const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : 'invalid';
  } catch {
    return 'invalid';
  }
}

function truthy(value: unknown): boolean {
  return value === true || value === 'true' || value === '1' || value === 1;
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
  // Message timestamps as Slack's: epoch seconds and microseconds of the post, unique per message.
  let lastMicros = 0;
  const nextTs = () => {
    lastMicros = Math.max(lastMicros + 1, Date.now() * 1000);
    return `${Math.floor(lastMicros / 1e6)}.${String(lastMicros % 1e6).padStart(6, '0')}`;
  };
  /** Channel name (without `#`) -> ID; IDs are handed out as channels are first used. */
  const ids = new Map<string, string>();
  const idFor = (name: string): string => {
    const key = name.replace(/^#/, '');
    let id = ids.get(key);
    if (!id) {
      id = `C0FAKE${String(ids.size + 1).padStart(5, '0')}`;
      ids.set(key, id);
    }
    return id;
  };
  const knownId = (id: string) => [...ids.values()].includes(id);
  const calls = new Map<string, { windowStart: number; count: number }>();
  const rateLimited = (method: string): FakeResponse | null => {
    const perMinute = options.rateLimitPerMinute?.[method];
    if (perMinute === undefined) return null;
    const now = Date.now();
    const window = calls.get(method);
    if (!window || now - window.windowStart >= 60_000) {
      calls.set(method, { windowStart: now, count: 1 });
      return null;
    }
    if (window.count < perMinute) {
      window.count += 1;
      return null;
    }
    const retryAfter = Math.max(1, Math.ceil((window.windowStart + 60_000 - now) / 1000));
    return {
      status: 429,
      headers: { 'retry-after': String(retryAfter) },
      body: { ok: false, error: 'ratelimited' },
    };
  };

  const authorised = (req: FakeRequest): boolean => {
    const token =
      String(req.headers.authorization ?? '').replace(/^bearer\s+/i, '') || String(req.body.token ?? '');
    return options.token ? token === options.token : token.startsWith('xoxb-') || token.startsWith('xoxp-');
  };
  const scopes = options.scopes ?? FULL_BOT_SCOPES;
  const scopeHeader = { 'x-oauth-scopes': scopes.join(',') };
  const missingScope = (name: string): FakeResponse | null => {
    const needed = NEEDED_SCOPES[name];
    if (!needed || needed.some((scope) => scopes.includes(scope))) return null;
    return {
      status: 200,
      body: { ok: false, error: 'missing_scope', needed: needed.join(','), provided: scopes.join(',') },
    };
  };
  const api = (name: string, handler: (req: FakeRequest) => FakeResponse) => {
    const answer = (req: FakeRequest): FakeResponse => {
      if (!authorised(req)) return { status: 200, body: { ok: false, error: 'not_authed' } };
      const response = rateLimited(name) ?? missingScope(name) ?? handler(req);
      return { ...response, headers: { ...scopeHeader, ...response.headers } };
    };
    router.on('POST', `/api/${name}`, answer);
    // Read methods are also called with GET and query parameters.
    router.on('GET', `/api/${name}`, (req) =>
      answer({ ...req, body: { ...Object.fromEntries(req.query), ...req.body } }),
    );
  };
  const channelExists = (channel: string) =>
    channels.size === 0 ||
    channels.has(channel) ||
    channels.has(channel.replace(/^#/, '')) ||
    channels.has(`#${channel.replace(/^#/, '')}`) ||
    (CHANNEL_ID.test(channel) && knownId(channel));
  /** The ID of a channel given by name or ID. */
  const resolve = (channel: string) =>
    CHANNEL_ID.test(channel) && knownId(channel) ? channel : idFor(channel);

  api('auth.test', () => ({
    status: 200,
    body: {
      ok: true,
      url: 'https://fake.slack.com/',
      team: 'fake',
      user: 'agentflow',
      team_id: 'T0FAKE',
      user_id: 'U0FAKE',
      bot_id: 'B0FAKE',
    },
  }));
  api('chat.postMessage', (req) => {
    const channel = String(req.body.channel ?? '');
    if (!channel) return { status: 200, body: { ok: false, error: 'channel_not_found' } };
    if (!channelExists(channel)) return { status: 200, body: { ok: false, error: 'channel_not_found' } };
    const text = String(req.body.text ?? '');
    const blocks = parseBlocks(req.body.blocks);
    if (!text && blocks.length === 0) return { status: 200, body: { ok: false, error: 'no_text' } };
    if (blocks.length > 50)
      return {
        status: 200,
        body: {
          ok: false,
          error: 'invalid_blocks',
          errors: ['must provide an array of no more than 50 items [json-pointer:/blocks]'],
        },
      };
    const metadata = parseJsonObject(req.body.metadata);
    if (
      metadata === 'invalid' ||
      (metadata &&
        (typeof metadata.event_type !== 'string' ||
          !metadata.event_payload ||
          typeof metadata.event_payload !== 'object'))
    ) {
      return { status: 200, body: { ok: false, error: 'invalid_metadata_format' } };
    }
    const ts = nextTs();
    const channelId = resolve(channel);
    const message: FakeSlackMessage = {
      channel,
      channelId,
      ts,
      text,
      blocks,
      thread_ts: req.body.thread_ts as string | undefined,
      edits: [text],
      via: 'web-api',
      ...(metadata
        ? {
            metadata: {
              event_type: metadata.event_type as string,
              event_payload: metadata.event_payload as Record<string, unknown>,
            },
          }
        : {}),
    };
    messages.push(message);
    return {
      status: 200,
      body: {
        ok: true,
        channel: channelId,
        ts,
        message: {
          type: 'message',
          text,
          blocks,
          ts,
          bot_id: 'B0FAKE',
          ...(message.metadata ? { metadata: message.metadata } : {}),
        },
      },
    };
  });
  api('conversations.history', (req) => {
    const channel = String(req.body.channel ?? '');
    // Slack takes IDs only here: a channel name is not found.
    if (!CHANNEL_ID.test(channel) || !knownId(channel))
      return { status: 200, body: { ok: false, error: 'channel_not_found' } };
    const rawLimit = req.body.limit === undefined || req.body.limit === '' ? 100 : Number(req.body.limit);
    if (!Number.isInteger(rawLimit) || rawLimit < 0)
      return { status: 200, body: { ok: false, error: 'invalid_limit' } };
    const limit = Math.min(HISTORY_MAX_LIMIT, rawLimit === 0 ? 100 : rawLimit);
    const inclusive = truthy(req.body.inclusive);
    const oldest =
      req.body.oldest !== undefined && req.body.oldest !== '' ? Number(req.body.oldest) : undefined;
    const latest =
      req.body.latest !== undefined && req.body.latest !== '' ? Number(req.body.latest) : undefined;
    let offset = 0;
    if (req.body.cursor) {
      const decoded = /^offset:(\d+)$/.exec(Buffer.from(String(req.body.cursor), 'base64').toString('utf8'));
      if (!decoded) return { status: 200, body: { ok: false, error: 'invalid_cursor' } };
      offset = Number(decoded[1]);
    }
    const withMetadata = truthy(req.body.include_all_metadata);
    const inRange = messages
      .filter((m) => m.channelId === channel && !m.thread_ts)
      .filter((m) => {
        const ts = Number(m.ts);
        if (oldest !== undefined && (inclusive ? ts < oldest : ts <= oldest)) return false;
        if (latest !== undefined && (inclusive ? ts > latest : ts >= latest)) return false;
        return true;
      })
      .sort((a, b) => Number(b.ts) - Number(a.ts));
    const page = inRange.slice(offset, offset + limit);
    const more = offset + limit < inRange.length;
    return {
      status: 200,
      body: {
        ok: true,
        messages: page.map((m) => ({
          type: 'message',
          ts: m.ts,
          text: m.text,
          blocks: m.blocks,
          bot_id: 'B0FAKE',
          ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}),
        })),
        has_more: more,
        pin_count: 0,
        response_metadata: {
          next_cursor: more ? Buffer.from(`offset:${offset + limit}`).toString('base64') : '',
        },
      },
    };
  });
  api('chat.update', (req) => {
    const message = messages.find(
      (m) => (m.channel === req.body.channel || m.channelId === req.body.channel) && m.ts === req.body.ts,
    );
    if (!message) return { status: 200, body: { ok: false, error: 'message_not_found' } };
    message.text = String(req.body.text ?? message.text);
    message.blocks = req.body.blocks !== undefined ? parseBlocks(req.body.blocks) : message.blocks;
    message.edits.push(message.text);
    return { status: 200, body: { ok: true, channel: message.channel, ts: message.ts, text: message.text } };
  });
  api('conversations.list', (req) => {
    const names = new Set([...[...channels].map((c) => c.replace(/^#/, '')), ...ids.keys()]);
    const all = [...names]
      .filter((n) => !CHANNEL_ID.test(n))
      .map((name) => ({ id: idFor(name), name, is_channel: true, is_archived: false }));
    const limit = Math.min(1000, Number(req.body.limit) || 100);
    let offset = 0;
    if (req.body.cursor) {
      const decoded = /^offset:(\d+)$/.exec(Buffer.from(String(req.body.cursor), 'base64').toString('utf8'));
      if (!decoded) return { status: 200, body: { ok: false, error: 'invalid_cursor' } };
      offset = Number(decoded[1]);
    }
    const more = offset + limit < all.length;
    return {
      status: 200,
      body: {
        ok: true,
        channels: all.slice(offset, offset + limit),
        response_metadata: {
          next_cursor: more ? Buffer.from(`offset:${offset + limit}`).toString('base64') : '',
        },
      },
    };
  });
  router.on('POST', '/services/:channel/*rest', (req) => {
    const text = String(req.body.text ?? '');
    const blocks = parseBlocks(req.body.blocks);
    if (!text && blocks.length === 0)
      return { status: 400, body: 'no_text', headers: { 'content-type': 'text/plain' } };
    messages.push({
      channel: req.params.channel,
      channelId: idFor(req.params.channel),
      ts: nextTs(),
      text,
      blocks,
      edits: [text],
      via: 'incoming-webhook',
    });
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
      return {
        status: failure.status,
        headers,
        body:
          failure.body ??
          (failure.status === 429
            ? { ok: false, error: 'ratelimited' }
            : { ok: false, error: 'internal_error' }),
      };
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
