/**
 * Each AI vendor of providers.yml: is its key there, does the vendor accept it, and which of the
 * configured models does the account have (its `GET /v1/models`, as the gateway's start-up check
 * reads it). Models past their `retiresOn` are left out: the gateway routes around them anyway.
 */
import type { ProviderConfig } from '@agentflow/contracts';
import { call, errorText, line, unreachable, type DoctorContext, type DoctorLine } from './report';

function keyOf(ctx: DoctorContext, config: ProviderConfig): string | undefined {
  const source = config.apiKey;
  const fromEnv = source?.env ? ctx.env[source.env]?.trim() : undefined;
  if (fromEnv) return fromEnv;
  return source?.file ? ctx.readFile(source.file)?.trim() || undefined : undefined;
}

function where(config: ProviderConfig): string {
  const parts = [config.apiKey?.env, config.apiKey?.file && `the file ${config.apiKey.file}`].filter(Boolean);
  return parts.join(' or ');
}

/** The model ids the key may use, following Anthropic's pages; throws on a network failure. */
async function listModels(
  ctx: DoctorContext,
  config: ProviderConfig,
  key: string,
): Promise<{ status: number; ids?: string[]; message?: string }> {
  if (config.kind === 'anthropic') {
    const base = (config.baseUrl ?? 'https://api.anthropic.com').replace(/\/+$/, '');
    const ids: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 20; page++) {
      const url = `${base}/v1/models?limit=1000${after ? `&after_id=${encodeURIComponent(after)}` : ''}`;
      const res = await call(ctx, url, { headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01' } });
      if (res.status !== 200) return { status: res.status, message: errorText(res.body) };
      const body = res.body as { data: Array<{ id: string }>; has_more: boolean; last_id: string | null };
      ids.push(...body.data.map((m) => m.id));
      if (!body.has_more || !body.last_id) break;
      after = body.last_id;
    }
    return { status: 200, ids };
  }
  const base = (config.baseUrl ?? 'https://api.openai.com/v1').replace(/\/+$/, '');
  const res = await call(ctx, `${base}/models`, { headers: { authorization: `Bearer ${key}` } });
  if (res.status !== 200) return { status: res.status, message: errorText(res.body) };
  return { status: 200, ids: (res.body as { data: Array<{ id: string }> }).data.map((m) => m.id) };
}

const LISTED_KINDS = new Set(['anthropic', 'openai', 'openai-compatible']);

async function checkProvider(ctx: DoctorContext, name: string, config: ProviderConfig): Promise<DoctorLine> {
  const check = `vendor ${name}`;
  if (config.enabled === false) return line(check, 'off', 'disabled in providers.yml (enabled: false)');
  const key = keyOf(ctx, config);
  if (!key && config.apiKey)
    return line(check, 'off', 'no key: its models are not used', `set ${where(config)}`);
  if (!LISTED_KINDS.has(config.kind) || (config.kind === 'openai-compatible' && !config.baseUrl)) {
    return line(
      check,
      'ok',
      `${key ? 'key set' : 'no key needed'}; not verified: kind ${config.kind} has no model list agentflow reads`,
    );
  }
  let listed;
  try {
    listed = await listModels(ctx, config, key ?? '');
    // Vendors echo a refused key in their 401 message: the report is printed and sent over the network.
    if (listed.message && key) listed.message = listed.message.split(key).join('[the key]');
  } catch (error) {
    return line(
      check,
      'broken',
      `cannot reach ${config.baseUrl ?? config.kind}: ${unreachable(error)}`,
      'check the network path to the vendor (proxy, firewall) and baseUrl in providers.yml',
    );
  }
  if (listed.status === 401 || listed.status === 403) {
    return line(
      check,
      'broken',
      `the vendor refused the key (${listed.status}${listed.message ? `: ${listed.message}` : ''})`,
      `put a valid key in ${where(config)}`,
    );
  }
  if (!listed.ids)
    return line(
      check,
      'broken',
      `the model list answered ${listed.status}${listed.message ? `: ${listed.message}` : ''}`,
      'retry later; if it persists, check the vendor status page',
    );
  const today = new Date(ctx.now()).toISOString().slice(0, 10);
  const wanted = Object.entries(config.models)
    .filter(([, m]) => !(m.retiresOn && m.retiresOn <= today))
    .map(([id]) => id);
  const have = new Set(listed.ids);
  const missing = wanted.filter((m) => !have.has(m));
  if (missing.length > 0) {
    const served = missing.map(
      (m) =>
        `${m}${config.models[m].replacement ? ` (the gateway sends it to ${config.models[m].replacement})` : ''}`,
    );
    return line(
      check,
      'broken',
      `key accepted; the account lacks ${missing.length} of ${wanted.length} configured models: ${served.join(', ')}`,
      'ask the vendor for access, or remove them from providers.yml',
    );
  }
  return line(
    check,
    'ok',
    `key accepted; the account has all ${wanted.length} configured models (${wanted.join(', ')})`,
  );
}

export async function checkVendors(ctx: DoctorContext): Promise<DoctorLine[]> {
  if (!ctx.providers)
    return [
      line(
        'vendors',
        'broken',
        'no providers.yml was read',
        'run from the project (workflows/providers.yml) or set PROVIDERS_FILE',
      ),
    ];
  return Promise.all(
    Object.entries(ctx.providers.providers).map(([name, config]) => checkProvider(ctx, name, config)),
  );
}
