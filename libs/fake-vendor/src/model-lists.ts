/**
 * The vendors' "list models" endpoints, both at `GET /v1/models`, in the shapes their API
 * references document: Anthropic pages with `data`, `has_more`, `first_id`, `last_id` (query
 * `limit` 1-1000, default 20, and `after_id` / `before_id`), each entry `{ type: "model", id,
 * display_name, created_at }`; OpenAI answers `{ object: "list", data: [{ id, object: "model",
 * created, owned_by }] }` in one piece. The official SDKs' `models.list()` read them.
 */
import type { IncomingMessage } from 'node:http';
import type { VendorRoute } from './script';

/**
 * What an account with access to everything lists today (the pinned SDKs' model lists,
 * @anthropic-ai/sdk 1.14 and openai 6.49, less the retired), newest first as the vendors list them.
 */
export const DEFAULT_ACCOUNT_MODELS: Readonly<Record<VendorRoute, readonly string[]>> = {
  anthropic: [
    'claude-fable-5-2',
    'claude-mythos-5-2',
    'claude-haiku-5-5',
    'claude-sonnet-5-5',
    'claude-fable-5-1',
    'claude-opus-5-5',
    'claude-mythos-5-1',
    'claude-sonnet-5',
    'claude-fable-5',
    'claude-mythos-5',
    'claude-opus-5',
    'claude-opus-4-8',
    'claude-opus-4-7',
    'claude-opus-4-6',
    'claude-sonnet-4-6',
    'claude-haiku-4-5',
    'claude-haiku-4-5-20251001',
    'claude-opus-4-5',
    'claude-opus-4-5-20251101',
  ],
  openai: [
    'gpt-5.6-sol',
    'gpt-5.6-terra',
    'gpt-5.6-luna',
    'gpt-5.4',
    'gpt-5.4-mini',
    'gpt-5.4-nano',
    'gpt-5.2',
    'gpt-5.1',
    'gpt-5',
    'gpt-5-mini',
    'gpt-5-nano',
    'gpt-4.1',
    'gpt-4.1-mini',
    'gpt-4.1-nano',
    'o4-mini',
    'o3',
    'gpt-4o',
    'gpt-4o-mini',
  ],
};

/** A day in the past for every entry: the lists only need a stable, plausible creation time. */
const CREATED = Date.parse('2026-07-09T00:00:00Z');

/** The real API answers a list request with `anthropic-version` as Anthropic: that is how one path serves both. */
export function listDialect(req: IncomingMessage): VendorRoute {
  return typeof req.headers['anthropic-version'] === 'string' ? 'anthropic' : 'openai';
}

export function openaiModelList(ids: readonly string[]): unknown {
  return {
    object: 'list',
    data: ids.map((id, i) => ({
      id,
      object: 'model',
      created: Math.floor(CREATED / 1000) - i * 86_400,
      owned_by: 'system',
    })),
  };
}

export type AnthropicListResult = { status: 200; body: unknown } | { status: 400; message: string };

export function anthropicModelList(ids: readonly string[], query: URLSearchParams): AnthropicListResult {
  const limitText = query.get('limit');
  const limit = limitText === null ? 20 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    return {
      status: 400,
      message: 'limit: Input should be less than or equal to 1000 and greater than or equal to 1',
    };
  const after = query.get('after_id');
  const before = query.get('before_id');
  let start = 0;
  let end = ids.length;
  if (after !== null) start = ids.indexOf(after) + 1;
  if (before !== null) end = Math.max(0, ids.indexOf(before));
  // before_id pages backwards: the page is the `limit` entries just before it.
  const page =
    before !== null && after === null
      ? ids.slice(Math.max(start, end - limit), end)
      : ids.slice(start, Math.min(end, start + limit));
  const firstIndex = page.length ? ids.indexOf(page[0]) : start;
  const hasMore = before !== null && after === null ? firstIndex > 0 : firstIndex + page.length < end;
  return {
    status: 200,
    body: {
      data: page.map((id, i) => ({
        type: 'model',
        id,
        display_name: displayName(id),
        created_at: new Date(CREATED - (firstIndex + i) * 86_400_000).toISOString(),
      })),
      has_more: hasMore,
      first_id: page[0] ?? null,
      last_id: page[page.length - 1] ?? null,
    },
  };
}

/** `claude-sonnet-5-5` -> `Claude Sonnet 5.5`, as the real list names its models. */
function displayName(id: string): string {
  const parts = id.replace(/-\d{8}$/, '').split('-');
  const words: string[] = [];
  const numbers: string[] = [];
  for (const part of parts) (/^\d+$/.test(part) ? numbers : words).push(part);
  return `${words.map((w) => w[0].toUpperCase() + w.slice(1)).join(' ')} ${numbers.join('.')}`.trim();
}
