/**
 * The shipped defaults against the model facts of the SDK releases we pin: every model a shipped
 * agent or workflow names, and every tier model of providers.yml, must be in the SDK's model list
 * and not past the end of life its deprecation table gives; each retirement date the catalogue
 * records must agree with that table. An SDK upgrade that drops or retires a default fails here.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isoToday, loadProvidersConfig } from '@agentflow/workflow';

const root = join(__dirname, '..', '..', '..', '..');
const workflows = join(root, 'workflows');

/** The string literals of `export type NAME = 'a' | 'b' | ...;` in a .d.ts. */
function unionMembers(file: string, name: string): string[] {
  const text = readFileSync(file, 'utf8');
  const match = new RegExp(`export type ${name} = ([^;]+);`).exec(text);
  if (!match)
    throw new Error(`${file} no longer declares type ${name}: find where this SDK release lists its models`);
  return [...match[1].matchAll(/'([^']+)'/g)].map((m) => m[1]);
}

/** `'November 30th, 2026'` -> `2026-11-30`. */
function isoFromSdkDate(text: string): string {
  const parsed = new Date(`${text.replace(/(\d+)(st|nd|rd|th)/, '$1')} UTC`);
  if (Number.isNaN(parsed.getTime())) throw new Error(`cannot read the SDK's end-of-life date "${text}"`);
  return parsed.toISOString().slice(0, 10);
}

// The packages' export maps hide these files from require(); their main files sit at the package roots.
const anthropicDir = dirname(require.resolve('@anthropic-ai/sdk'));
const openaiDir = dirname(require.resolve('openai'));
const anthropicModels = unionMembers(join(anthropicDir, 'resources', 'messages', 'messages.d.ts'), 'Model');
const openaiModels = unionMembers(join(openaiDir, 'resources', 'shared.d.ts'), 'ChatModel');
const deprecatedModelsFile = join(anthropicDir, 'internal', 'data', 'deprecated-models.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const deprecatedModels = require(deprecatedModelsFile) as { DEPRECATED_MODELS: Record<string, string> };
const deprecated = deprecatedModels.DEPRECATED_MODELS;
const endOfLife = Object.fromEntries(
  Object.entries(deprecated).map(([model, day]) => [model, isoFromSdkDate(day)]),
);

const config = loadProvidersConfig(join(workflows, 'providers.yml'));
const sdkList: Record<string, string[]> = { anthropic: anthropicModels, openai: openaiModels };

/** provider/model for every `model:` a shipped agent or workflow writes, after the retired: mapping. */
function shippedDefaults(): string[] {
  const out = new Set<string>();
  for (const [name, p] of Object.entries(config.providers)) {
    for (const [model, m] of Object.entries(p.models)) if (m.tier) out.add(`${name}/${model}`);
  }
  for (const file of readdirSync(workflows).filter((f) => f.endsWith('.yml') && f !== 'providers.yml')) {
    for (const [, model] of readFileSync(join(workflows, file), 'utf8').matchAll(
      /^\s*model:\s*([\w.-]+)/gm,
    )) {
      const owner = Object.entries(config.providers).find(
        ([, p]) => model in p.models || model in (p.retired ?? {}),
      );
      if (!owner) throw new Error(`${file} names model ${model}, which no provider of providers.yml has`);
      out.add(`${owner[0]}/${owner[1].retired?.[model] ?? model}`);
    }
  }
  return [...out].sort();
}

describe('shipped defaults against the pinned SDKs', () => {
  const today = isoToday();

  it('reads the SDK tables this test relies on', () => {
    expect(anthropicModels).toContain('claude-sonnet-5-5');
    expect(openaiModels).toContain('gpt-5.6-terra');
    expect(endOfLife['claude-sonnet-4-5']).toBe('2026-11-30');
  });

  it('every shipped default is in its SDK model list and not past its end of life', () => {
    const defaults = shippedDefaults();
    expect(defaults.length).toBeGreaterThan(5);
    const problems: string[] = [];
    for (const key of defaults) {
      const [provider, model] = key.split('/');
      const list = sdkList[config.providers[provider].kind];
      if (list && !list.includes(model)) problems.push(`${key} is not in the pinned SDK's model list`);
      const eol = endOfLife[model];
      if (eol && eol <= today)
        problems.push(`${key} reached end of life on ${eol} (the SDK's DEPRECATED_MODELS)`);
      const ours = config.providers[provider].models[model]?.retiresOn;
      if (ours && ours <= today) problems.push(`${key} is retired in providers.yml (${ours})`);
    }
    expect(problems).toEqual([]);
  });

  it("providers.yml's retirement dates agree with the SDK's deprecation table", () => {
    const anthropic = Object.entries(config.providers).filter(([, p]) => p.kind === 'anthropic');
    for (const [, p] of anthropic) {
      for (const [model, m] of Object.entries(p.models)) {
        if (endOfLife[model])
          expect({ model, retiresOn: m.retiresOn }).toEqual({ model, retiresOn: endOfLife[model] });
        if (m.retiresOn) expect(endOfLife[model] ?? m.retiresOn).toBe(m.retiresOn);
        expect({ model, listed: anthropicModels.includes(model) }).toEqual({ model, listed: true });
      }
    }
  });

  it('every OpenAI catalogue model is one the SDK knows', () => {
    for (const [, p] of Object.entries(config.providers).filter(([, x]) => x.kind === 'openai')) {
      expect(Object.keys(p.models).filter((m) => !openaiModels.includes(m))).toEqual([]);
    }
  });
});
