import { readFileSync } from 'node:fs';
import { isMap, type Node } from 'yaml';
import {
  PROVIDER_KIND_NAMES,
  vendorKindsSpeaking,
  vendorWire,
  type ModelConfig,
  type ModelPrice,
  type ProviderConfig,
  type ProviderKind,
  type ProvidersConfig,
  type RateLimits,
} from '@agentflow/contracts';
import { hasErrors, WorkflowConfigError, type Diagnostic } from './diagnostics';
import { SourceFile } from './source';
import { closest, didYouMean } from './suggest';
import { isoToday, judgeModelLifecycle, type LifecycleFinding } from './lifecycle';

/** The registry list's kinds, in its order (`VENDOR_KINDS` in @agentflow/contracts). */
export const PROVIDER_KINDS: readonly ProviderKind[] = PROVIDER_KIND_NAMES;
const TIERS = ['simple', 'medium', 'complex'] as const;
const PROVIDER_KEYS = [
  'kind',
  'aliases',
  'baseUrl',
  'apiKey',
  'region',
  'retention',
  'dataClasses',
  'timeoutMs',
  'limits',
  'models',
  'retired',
  'enabled',
  'options',
];
const MODEL_KEYS = [
  'contextWindow',
  'maxOutputTokens',
  'tier',
  'prices',
  'limits',
  'deprecatedOn',
  'retiresOn',
  'replacement',
  'structuredOutput',
];
const STRUCTURED_OUTPUTS = ['tool', 'json-schema'] as const;
/** The kinds that speak Anthropic Messages, where `structuredOutput` chooses between a forced tool and output_config.format. */
const ANTHROPIC_KINDS: readonly ProviderKind[] = vendorKindsSpeaking('anthropic');
const PRICE_KEYS = [
  'effectiveFrom',
  'inputPerMTok',
  'outputPerMTok',
  'cacheReadPerMTok',
  'cacheWritePerMTok',
  'batchDiscount',
  'longContext',
];
const LONG_CONTEXT_KEYS = [
  'aboveInputTokens',
  'inputPerMTok',
  'outputPerMTok',
  'cacheReadPerMTok',
  'cacheWritePerMTok',
];
const LIMIT_KEYS = ['requestsPerMinute', 'tokensPerMinute', 'concurrency'];

/** Where each model's `replacement:` is written, to point at it once every model of the provider is known. */
const replacementNodes = new WeakMap<ModelConfig, Node | null>();

/** Reads `providers.yml` text; `config` is set only when there are no errors. */
export function parseProvidersConfig(
  text: string,
  file = 'providers.yml',
): { config?: ProvidersConfig; diagnostics: Diagnostic[] } {
  const src = new SourceFile(file, text);
  if (!src.syntaxOk) return { diagnostics: src.diagnostics };
  const config = readProviders(src);
  return { config: hasErrors(src.diagnostics) ? undefined : config, diagnostics: src.diagnostics };
}

/**
 * Reads and validates `providers.yml` from disk (the gateway calls this at start-up and on reload).
 * Throws {@link WorkflowConfigError} listing every problem as `file:line:col: message`.
 */
export function loadProvidersConfig(path: string): ProvidersConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'file not found'
        : String((error as Error).message);
    throw new WorkflowConfigError(
      [
        {
          file: path,
          line: 1,
          col: 1,
          severity: 'error',
          message: `cannot read providers config: ${reason}`,
        },
      ],
      'providers config is unreadable',
    );
  }
  const { config, diagnostics } = parseProvidersConfig(text, path);
  if (!config) throw new WorkflowConfigError(diagnostics, 'providers config is invalid');
  return config;
}

function readProviders(src: SourceFile): ProvidersConfig {
  const top = src.map(src.root, 'the providers file', ['providers']);
  const out: ProvidersConfig = { providers: {} };
  if (!top) return out;
  const providersField = top.get('providers');
  if (!providersField) {
    src.error(src.root, 'the providers file needs a `providers:` map (name -> provider)');
    return out;
  }
  const entries = src.map(providersField.value, '`providers`', null);
  if (!entries) return out;
  const claimedNames = new Map<string, string>();
  for (const [name, field] of entries) {
    const provider = readProvider(src, name, field.value);
    if (!provider) continue;
    out.providers[name] = provider;
    for (const claim of [name, ...(provider.aliases ?? [])]) {
      const key = claim.toLowerCase();
      const owner = claimedNames.get(key);
      if (owner !== undefined && owner !== name)
        src.error(
          field.key,
          `provider name or alias \`${claim}\` is already used by provider \`${owner}\`; names and aliases must be unique`,
        );
      else claimedNames.set(key, name);
    }
  }
  return out;
}

function readProvider(src: SourceFile, name: string, node: Node | null): ProviderConfig | undefined {
  const what = `provider \`${name}\``;
  const f = src.map(node, what, PROVIDER_KEYS);
  if (!f) return undefined;
  const kindField = f.get('kind');
  let kind: ProviderKind | undefined;
  if (!kindField) src.error(node, `${what} needs \`kind:\` (one of ${PROVIDER_KINDS.join(', ')})`);
  else {
    const value = src.string(kindField.value, `\`kind\` of ${what}`);
    if (value !== undefined && !PROVIDER_KINDS.includes(value as ProviderKind))
      src.error(kindField.value, `unknown provider kind \`${value}\`${didYouMean(value, PROVIDER_KINDS)}`);
    else kind = value as ProviderKind;
  }
  const provider: ProviderConfig = { kind: kind ?? 'openai-compatible', dataClasses: [], models: {} };
  const aliases = f.get('aliases');
  if (aliases)
    provider.aliases = src.stringList(aliases.value, `\`aliases\` of ${what}`)?.map((a) => a.value);
  for (const key of ['baseUrl', 'region', 'retention'] as const) {
    const field = f.get(key);
    if (field) provider[key] = src.string(field.value, `\`${key}\` of ${what}`);
  }
  const apiKey = f.get('apiKey');
  if (apiKey) {
    if (src.isText(apiKey.value))
      src.error(
        apiKey.value,
        `\`apiKey\` of ${what} must say where the key is (\`{ env: NAME }\` or \`{ file: /path }\`), never hold the key itself`,
      );
    else {
      const k = src.map(apiKey.value, `\`apiKey\` of ${what}`, ['env', 'file']);
      if (k) {
        provider.apiKey = {};
        if (k.get('env')) provider.apiKey.env = src.string(k.get('env')!.value, '`apiKey.env`');
        if (k.get('file')) provider.apiKey.file = src.string(k.get('file')!.value, '`apiKey.file`');
      }
    }
  }
  const classes = f.get('dataClasses');
  if (!classes)
    src.error(
      node,
      `${what} needs \`dataClasses:\`, the data classes it may receive (for example \`[public, internal]\`)`,
    );
  else
    provider.dataClasses =
      src.stringList(classes.value, `\`dataClasses\` of ${what}`)?.map((c) => c.value) ?? [];
  const timeout = f.get('timeoutMs');
  if (timeout)
    provider.timeoutMs = src.number(timeout.value, `\`timeoutMs\` of ${what}`, { min: 1, integer: true });
  const limits = f.get('limits');
  if (limits) provider.limits = readLimits(src, limits.value, `\`limits\` of ${what}`);
  const enabled = f.get('enabled');
  if (enabled) provider.enabled = src.boolean(enabled.value, `\`enabled\` of ${what}`);
  const options = f.get('options');
  if (options) {
    if (!isMap(src.deref(options.value))) src.error(options.value, `\`options\` of ${what} must be a map`);
    else
      provider.options = src.plain(options.value, `\`options\` of ${what}`) as
        Record<string, unknown> | undefined;
  }
  const models = f.get('models');
  if (!models) src.error(node, `${what} needs \`models:\`, a map of model id -> { contextWindow, prices }`);
  else {
    const entries = src.map(models.value, `\`models\` of ${what}`, null);
    for (const [model, field] of entries ?? []) {
      const config = readModel(src, `model \`${model}\` of ${what}`, field.value, kind);
      if (config) provider.models[model] = config;
    }
  }
  for (const [model, config] of Object.entries(provider.models)) {
    if (config.replacement === undefined) continue;
    const node = replacementNodes.get(config) ?? null;
    if (config.replacement === model)
      src.error(node, `model \`${model}\` of ${what} cannot be its own replacement`);
    else if (!(config.replacement in provider.models))
      src.error(
        node,
        `replacement \`${config.replacement}\` of model \`${model}\` is not a model of ${what}${didYouMean(config.replacement, Object.keys(provider.models))}`,
      );
  }
  const retired = f.get('retired');
  if (retired) {
    const entries = src.map(retired.value, `\`retired\` of ${what}`, null);
    provider.retired = {};
    for (const [old, field] of entries ?? []) {
      const successor = src.string(field.value, `successor of retired model \`${old}\``);
      if (successor === undefined) continue;
      if (!(successor in provider.models)) {
        src.error(
          field.value,
          `successor \`${successor}\` of retired model \`${old}\` is not a model of ${what}${didYouMean(successor, Object.keys(provider.models))}`,
        );
        continue;
      }
      if (old in provider.models)
        src.error(
          field.key,
          `\`${old}\` is both a model and a retired model of ${what}; remove it from one of them`,
        );
      provider.retired[old] = successor;
    }
  }
  return provider;
}

function readModel(
  src: SourceFile,
  what: string,
  node: Node | null,
  kind: ProviderKind | undefined,
): ModelConfig | undefined {
  const f = src.map(node, what, MODEL_KEYS);
  if (!f) return undefined;
  const model: ModelConfig = { contextWindow: 0, prices: [] };
  const window = f.get('contextWindow');
  if (!window) src.error(node, `${what} needs \`contextWindow:\` (tokens)`);
  else
    model.contextWindow =
      src.number(window.value, `\`contextWindow\` of ${what}`, { min: 1, integer: true }) ?? 0;
  const maxOut = f.get('maxOutputTokens');
  if (maxOut)
    model.maxOutputTokens = src.number(maxOut.value, `\`maxOutputTokens\` of ${what}`, {
      min: 1,
      integer: true,
    });
  const tier = f.get('tier');
  if (tier) {
    const value = src.string(tier.value, `\`tier\` of ${what}`);
    if (value !== undefined && !(TIERS as readonly string[]).includes(value))
      src.error(tier.value, `unknown tier \`${value}\`${didYouMean(value, TIERS)}`);
    else model.tier = value as ModelConfig['tier'];
  }
  const limits = f.get('limits');
  if (limits) model.limits = readLimits(src, limits.value, `\`limits\` of ${what}`);
  for (const key of ['deprecatedOn', 'retiresOn'] as const) {
    const field = f.get(key);
    if (!field) continue;
    const value = src.string(field.value, `\`${key}\` of ${what}`);
    if (value !== undefined && !isIsoDate(value))
      src.error(field.value, `\`${key}\` must be an ISO date such as "2026-11-30", found \`${value}\``);
    else if (value !== undefined) model[key] = value;
  }
  const structured = f.get('structuredOutput');
  if (structured) {
    const value = src.string(structured.value, `\`structuredOutput\` of ${what}`);
    if (value !== undefined && !(STRUCTURED_OUTPUTS as readonly string[]).includes(value))
      src.error(
        structured.value,
        `\`structuredOutput\` is \`tool\` (a forced tool) or \`json-schema\` (output_config.format), found \`${value}\`${didYouMean(value, STRUCTURED_OUTPUTS)}`,
      );
    else if (value !== undefined && kind !== undefined && vendorWire(kind) !== 'anthropic')
      src.error(
        structured.key,
        `\`structuredOutput\` of ${what} applies to Anthropic models only (kinds ${ANTHROPIC_KINDS.join(', ')}); OpenAI-style vendors always take the schema as \`response_format\`: remove it`,
      );
    else if (value !== undefined) model.structuredOutput = value as ModelConfig['structuredOutput'];
  }
  const replacement = f.get('replacement');
  if (replacement) {
    model.replacement = src.string(replacement.value, `\`replacement\` of ${what}`);
    replacementNodes.set(model, replacement.value);
  }
  const prices = f.get('prices');
  if (!prices)
    src.error(node, `${what} needs \`prices:\`, a list of { effectiveFrom, inputPerMTok, outputPerMTok }`);
  else {
    for (const item of src.list(prices.value, `\`prices\` of ${what}`) ?? []) {
      const p = src.map(item, `a price of ${what}`, PRICE_KEYS);
      if (!p) continue;
      const price: ModelPrice = { effectiveFrom: '', inputPerMTok: 0, outputPerMTok: 0 };
      const from = p.get('effectiveFrom');
      if (!from) src.error(item, 'a price needs `effectiveFrom:` (an ISO date such as "2025-08-01")');
      else {
        const value = src.string(from.value, '`effectiveFrom`');
        if (value !== undefined && !isIsoDate(value))
          src.error(
            from.value,
            `\`effectiveFrom\` must be an ISO date such as "2025-08-01", found \`${value}\``,
          );
        else if (value !== undefined) price.effectiveFrom = value;
      }
      for (const key of ['inputPerMTok', 'outputPerMTok'] as const) {
        if (!p.get(key)) src.error(item, `a price needs \`${key}:\` (USD per million tokens)`);
        else price[key] = src.number(p.get(key)!.value, `\`${key}\``, { min: 0 }) ?? 0;
      }
      for (const key of ['cacheReadPerMTok', 'cacheWritePerMTok'] as const) {
        if (p.get(key)) price[key] = src.number(p.get(key)!.value, `\`${key}\``, { min: 0 });
      }
      if (p.get('batchDiscount'))
        price.batchDiscount = src.number(p.get('batchDiscount')!.value, '`batchDiscount`', {
          min: 0,
          max: 1,
        });
      const long = p.get('longContext');
      if (long) {
        const l = src.map(long.value, '`longContext` of a price', LONG_CONTEXT_KEYS);
        const need = ['aboveInputTokens', 'inputPerMTok', 'outputPerMTok'] as const;
        const missing = l ? need.filter((k) => !l.get(k)) : [];
        if (l && missing.length)
          src.error(
            long.value,
            `\`longContext\` needs ${missing.map((k) => `\`${k}\``).join(', ')} (prompt tokens above which the request is priced so, and those prices)`,
          );
        else if (l) {
          price.longContext = {
            aboveInputTokens:
              src.number(l.get('aboveInputTokens')!.value, '`aboveInputTokens`', { min: 1, integer: true }) ??
              0,
            inputPerMTok: src.number(l.get('inputPerMTok')!.value, '`inputPerMTok`', { min: 0 }) ?? 0,
            outputPerMTok: src.number(l.get('outputPerMTok')!.value, '`outputPerMTok`', { min: 0 }) ?? 0,
          };
          for (const key of ['cacheReadPerMTok', 'cacheWritePerMTok'] as const) {
            if (l.get(key)) price.longContext[key] = src.number(l.get(key)!.value, `\`${key}\``, { min: 0 });
          }
        }
      }
      model.prices.push(price);
    }
    if (model.prices.length === 0 && prices.value)
      src.error(prices.value, `${what} needs at least one price`);
  }
  return model;
}

function isIsoDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value));
}

function readLimits(src: SourceFile, node: Node | null, what: string): RateLimits | undefined {
  const f = src.map(node, what, LIMIT_KEYS);
  if (!f) return undefined;
  const limits: RateLimits = {};
  for (const key of LIMIT_KEYS as Array<keyof RateLimits>) {
    const field = f.get(key);
    if (field) limits[key] = src.number(field.value, `\`${key}\` of ${what}`, { min: 1, integer: true });
  }
  return limits;
}

/** A model a workflow asked for, after retired-model mapping. */
export interface ResolvedModel {
  model: string;
  /** Set when the workflow named a retired model and got its successor. */
  retiredFrom?: string;
}

/** Name look-ups over a validated providers config: aliases, retired models, tiers. */
export class ProviderCatalog {
  private readonly byName = new Map<string, string>();

  /**
   * @param today the ISO date lifecycle findings are judged on. @default today (UTC)
   */
  constructor(
    readonly config: ProvidersConfig,
    readonly today: string = isoToday(),
  ) {
    for (const [name, provider] of Object.entries(config.providers)) {
      this.byName.set(name.toLowerCase(), name);
      for (const alias of provider.aliases ?? []) this.byName.set(alias.toLowerCase(), name);
    }
  }

  /** Canonical provider name for a name or alias (`claude-api` -> `anthropic`), case-insensitive. */
  resolve(name: string): string | undefined {
    return this.byName.get(name.trim().toLowerCase());
  }

  get(name: string): ProviderConfig | undefined {
    const canonical = this.resolve(name);
    return canonical === undefined ? undefined : this.config.providers[canonical];
  }

  /** Every name and alias, for suggestions. */
  names(): string[] {
    return [
      ...Object.keys(this.config.providers),
      ...Object.values(this.config.providers).flatMap((p) => p.aliases ?? []),
    ];
  }

  first(): string | undefined {
    return Object.keys(this.config.providers)[0];
  }

  /** A model of a provider, retired names mapped to their successor; `undefined` when unknown. */
  resolveModel(provider: string, model: string): ResolvedModel | undefined {
    const config = this.get(provider);
    if (!config) return undefined;
    if (model in config.models) return { model };
    const successor = config.retired?.[model];
    if (successor !== undefined) return { model: successor, retiredFrom: model };
    return undefined;
  }

  /** Whether `model` of `provider` is near or past its retirement today (see {@link judgeModelLifecycle}). */
  lifecycle(provider: string, model: string): LifecycleFinding | undefined {
    const canonical = this.resolve(provider);
    const config = canonical === undefined ? undefined : this.config.providers[canonical];
    return config ? judgeModelLifecycle(canonical!, config, model, this.today) : undefined;
  }

  /** Which provider retires or offers a model, for "this model belongs to X" hints. */
  ownerOfModel(model: string): string | undefined {
    for (const [name, config] of Object.entries(this.config.providers)) {
      if (model in config.models || (config.retired && model in config.retired)) return name;
    }
    return undefined;
  }

  suggestModel(provider: string, model: string): string | undefined {
    const config = this.get(provider);
    if (!config) return undefined;
    return closest(model, [...Object.keys(config.models), ...Object.keys(config.retired ?? {})]);
  }

  /** The provider's model for a complexity tier: the first of that tier, else the first model. */
  modelForTier(provider: string, tier: 'simple' | 'medium' | 'complex' | undefined): string | undefined {
    const config = this.get(provider);
    if (!config) return undefined;
    const entries = Object.entries(config.models);
    const match = entries.find(([, m]) => m.tier === (tier ?? 'medium'));
    return (match ?? entries[0])?.[0];
  }

  tierOf(provider: string, model: string): 'simple' | 'medium' | 'complex' | undefined {
    return this.get(provider)?.models[model]?.tier;
  }
}
