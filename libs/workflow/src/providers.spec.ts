import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@agentflow/contracts';
import { formatDiagnostic, WorkflowConfigError } from './diagnostics';
import { loadProvidersConfig, parseProvidersConfig, ProviderCatalog } from './providers';
import { PROVIDERS_YML } from './test-fixtures.test';

describe('providers config', () => {
  it('resolves aliases and retired models', () => {
    const catalog = new ProviderCatalog(parseProvidersConfig(PROVIDERS_YML).config!);
    expect(catalog.resolve('claude-api')).toBe('anthropic');
    expect(catalog.resolve('OPENAI-API')).toBe('openai');
    expect(catalog.resolve('nope')).toBeUndefined();
    expect(catalog.resolveModel('claude-api', 'claude-3-opus')).toEqual({
      model: 'claude-opus-4-1',
      retiredFrom: 'claude-3-opus',
    });
    expect(catalog.resolveModel('anthropic', 'claude-haiku-4-5')).toEqual({ model: 'claude-haiku-4-5' });
    expect(catalog.modelForTier('openai', 'complex')).toBe('gpt-5');
    expect(catalog.ownerOfModel('gpt-4-turbo')).toBe('openai');
  });

  const base =
    'providers:\n  a:\n    kind: anthropic\n    dataClasses: [internal]\n    models:\n      m: { contextWindow: 1000, prices: [{ effectiveFrom: "2025-01-01", inputPerMTok: 1, outputPerMTok: 2 }] }\n';
  const rejections: Array<[string, string, string, string]> = [
    ['unknown kind', base.replace('kind: anthropic', 'kind: antropic'), '3:11', 'did you mean `anthropic`?'],
    [
      'a key in the file',
      base.replace('    dataClasses', '    apiKey: sk-ant-123\n    dataClasses'),
      '4:13',
      'never hold the key itself',
    ],
    ['missing dataClasses', base.replace('    dataClasses: [internal]\n', ''), '3:5', 'needs `dataClasses:`'],
    [
      'unknown provider key',
      base.replace('    dataClasses', '    regoin: eu\n    dataClasses'),
      '4:5',
      'did you mean `region`?',
    ],
    [
      'retired successor that is not a model',
      `${base}    retired: { old: mm }\n`,
      '7:21',
      'successor `mm` of retired model `old` is not a model',
    ],
    ['bad price date', base.replace('2025-01-01', '01/01/2025'), '6:59', 'must be an ISO date'],
    ['negative price', base.replace('inputPerMTok: 1', 'inputPerMTok: -1'), '6:87', 'at least 0'],
    [
      'an unknown structuredOutput',
      base.replace('contextWindow: 1000,', 'contextWindow: 1000, structuredOutput: json-schem,'),
      '6:51',
      'did you mean `json-schema`?',
    ],
    [
      'structuredOutput on an OpenAI-style kind',
      base
        .replace('kind: anthropic', 'kind: openai')
        .replace('contextWindow: 1000,', 'contextWindow: 1000, structuredOutput: json-schema,'),
      '6:33',
      'applies to Anthropic models only',
    ],
    [
      'alias used twice',
      `${base}  b:\n    kind: openai\n    aliases: [a]\n    dataClasses: [internal]\n    models: {}\n`,
      '7:3',
      'already used by provider `a`',
    ],
  ];
  it.each(rejections)('rejects %s at file:line:col', (_name, text, at, fragment) => {
    const { config, diagnostics } = parseProvidersConfig(text, 'providers.yml');
    expect(config).toBeUndefined();
    const line = diagnostics.map(formatDiagnostic).find((l) => l.startsWith(`providers.yml:${at}: `));
    expect(line).toContain(fragment);
  });

  it('reads structuredOutput on the Anthropic kinds, and leaves it unset (a forced tool) when absent', () => {
    for (const kind of ['anthropic', 'anthropic-bedrock', 'anthropic-vertex']) {
      const { config } = parseProvidersConfig(
        base
          .replace('kind: anthropic', `kind: ${kind}`)
          .replace('contextWindow: 1000,', 'contextWindow: 1000, structuredOutput: json-schema,'),
      );
      expect(config?.providers.a.models.m.structuredOutput).toBe('json-schema');
    }
    expect(parseProvidersConfig(base).config?.providers.a.models.m.structuredOutput).toBeUndefined();
  });

  it('loadProvidersConfig throws a ConfigError listing every problem, never a stack', () => {
    const dir = mkdtempSync(join(tmpdir(), 'af-providers-'));
    try {
      const file = join(dir, 'providers.yml');
      writeFileSync(file, base.replace('kind: anthropic', 'kind: antropic').replace('2025-01-01', 'soon'));
      let caught: unknown;
      try {
        loadProvidersConfig(file);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(WorkflowConfigError);
      expect(caught).toBeInstanceOf(ConfigError);
      const error = caught as WorkflowConfigError;
      expect(error.retryable).toBe(false);
      expect(error.diagnostics.filter((d) => d.severity === 'error')).toHaveLength(2);
      expect(error.message).toContain(`${file}:3:11: unknown provider kind`);
      expect(() => loadProvidersConfig(join(dir, 'missing.yml'))).toThrow(/file not found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
