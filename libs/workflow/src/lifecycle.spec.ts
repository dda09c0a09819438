import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProviderConfig } from '@agentflow/contracts';
import { formatDiagnostic } from './diagnostics';
import { isoToday, judgeModelLifecycle } from './lifecycle';
import { parseProvidersConfig } from './providers';
import { validatePaths } from './validate';

const shipped = join(__dirname, '..', '..', '..', 'workflows');
const DAY = 86_400_000;

function provider(models: ProviderConfig['models']): ProviderConfig {
  return { kind: 'anthropic', dataClasses: ['internal'], models };
}
const price = [{ effectiveFrom: '2025-01-01', inputPerMTok: 1, outputPerMTok: 2 }];

describe('judgeModelLifecycle', () => {
  const p = provider({
    old: { contextWindow: 1, prices: price, retiresOn: '2026-11-30', replacement: 'new' },
    orphan: { contextWindow: 1, prices: price, retiresOn: '2026-12-20' },
    new: { contextWindow: 1, prices: price },
  });

  it('is silent more than 30 days before retirement and for models without a date', () => {
    expect(judgeModelLifecycle('anthropic', p, 'old', '2026-10-30')).toBeUndefined();
    expect(judgeModelLifecycle('anthropic', p, 'new', '2030-01-01')).toBeUndefined();
  });

  it('warns within 30 days, naming the day, the days left and the replacement', () => {
    expect(judgeModelLifecycle('anthropic', p, 'old', '2026-10-31')).toEqual({
      severity: 'warning',
      message:
        'model `old` of provider `anthropic` retires on 2026-11-30, in 30 days; use `new` (its declared replacement)',
    });
    expect(judgeModelLifecycle('anthropic', p, 'orphan', '2026-12-19')?.message).toBe(
      'model `orphan` of provider `anthropic` retires on 2026-12-20, in 1 day; choose another model of this provider',
    );
  });

  it('errors from the retirement day on', () => {
    expect(judgeModelLifecycle('anthropic', p, 'old', '2026-11-30')?.severity).toBe('error');
    expect(judgeModelLifecycle('anthropic', p, 'old', '2026-12-07')).toEqual({
      severity: 'error',
      message:
        'model `old` of provider `anthropic` retired on 2026-11-30: the vendor refuses it; use `new` (its declared replacement)',
    });
  });
});

describe('providers.yml lifecycle fields', () => {
  it('reads deprecatedOn, retiresOn and replacement, and points at a bad date or an unknown replacement', () => {
    const text = [
      'providers:',
      '  a:',
      '    kind: anthropic',
      '    dataClasses: [internal]',
      '    models:',
      '      m1: { contextWindow: 10, prices: [{ effectiveFrom: "2025-01-01", inputPerMTok: 1, outputPerMTok: 1 }], deprecatedOn: "2026-01-01", retiresOn: "2026-06-01", replacement: m2 }',
      '      m2: { contextWindow: 10, prices: [{ effectiveFrom: "2025-01-01", inputPerMTok: 1, outputPerMTok: 1 }], retiresOn: "June 1st", replacement: m3 }',
      '',
    ].join('\n');
    const { config, diagnostics } = parseProvidersConfig(text, 'providers.yml');
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      'providers.yml:7:121: `retiresOn` must be an ISO date such as "2026-11-30", found `June 1st`',
      'providers.yml:7:146: replacement `m3` of model `m2` is not a model of provider `a`; did you mean `m1`?',
    ]);
    expect(config).toBeUndefined();
    const ok = parseProvidersConfig(
      text.replace('retiresOn: "June 1st", replacement: m3', 'replacement: m1'),
      'providers.yml',
    );
    expect(ok.diagnostics).toEqual([]);
    expect(ok.config!.providers.a.models.m1).toMatchObject({
      deprecatedOn: '2026-01-01',
      retiresOn: '2026-06-01',
      replacement: 'm2',
    });
  });
});

describe('agentflow validate on a model near or past its retirement', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'af-lifecycle-'));
    cpSync(shipped, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The shipped providers.yml with claude-sonnet-4-5 retiring on `day` instead of 2026-11-30. */
  function retireSonnet45On(day: string): void {
    const file = join(dir, 'providers.yml');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('retiresOn: "2026-11-30"');
    writeFileSync(file, text.replace('retiresOn: "2026-11-30"', `retiresOn: "${day}"`));
  }

  it('the shipped workflows use no model that is retired or retires within 30 days', () => {
    const report = validatePaths([shipped], { configDir: shipped });
    expect(report.diagnostics.filter((d) => /retire[sd] on/.test(d.message)).map(formatDiagnostic)).toEqual(
      [],
    );
    expect(report.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('a model retired yesterday is an error at the file:line:col that names it, with the replacement', () => {
    const yesterday = isoToday(Date.now() - DAY);
    retireSonnet45On(yesterday);
    writeFileSync(
      join(dir, 'late.yml'),
      [
        'name: Late',
        'trigger:',
        '  event: pull_request',
        'agents:',
        '  - name: code-review-agent',
        '    config:',
        '      model: claude-sonnet-4-5',
        '',
      ].join('\n'),
    );
    const report = validatePaths([join(dir, 'late.yml')], { configDir: dir });
    expect(report.diagnostics.map(formatDiagnostic)).toEqual([
      `${join(dir, 'late.yml')}:7:14: model \`claude-sonnet-4-5\` of provider \`anthropic\` retired on ${yesterday}: the vendor refuses it; use \`claude-sonnet-5-5\` (its declared replacement)`,
    ]);
    expect(report.diagnostics[0].severity).toBe('error');
  });

  it('a model retiring in 10 days is a warning where agents.yml names it and where a workflow uses it', () => {
    const soon = isoToday(Date.now() + 10 * DAY);
    retireSonnet45On(soon);
    const agents = join(dir, 'agents.yml');
    writeFileSync(
      agents,
      readFileSync(agents, 'utf8').replace(
        'name: code-review-agent\n    type: code-review\n    service: claude-api\n    config:\n      model: claude-sonnet-5-5',
        'name: code-review-agent\n    type: code-review\n    service: claude-api\n    config:\n      model: claude-sonnet-4-5',
      ),
    );
    const report = validatePaths([dir]);
    const found = report.diagnostics.filter((d) => /retire[sd] on/.test(d.message));
    const message = `model \`claude-sonnet-4-5\` of provider \`anthropic\` retires on ${soon}, in 10 days; use \`claude-sonnet-5-5\` (its declared replacement)`;
    // Once where it is written, and once per workflow step that takes it from there.
    expect(found.map(formatDiagnostic)).toEqual([
      `${agents}:20:14: warning: ${message}`,
      `${join(dir, 'pr-review.yml')}:7:5: warning: ${message} (set in ${agents}:20)`,
    ]);
  });
});

describe('providers.yml long-context prices', () => {
  it('reads longContext and says what is missing from one', () => {
    const model = (long: string) =>
      `providers:\n  a:\n    kind: openai\n    dataClasses: [internal]\n    models:\n      m: { contextWindow: 10, prices: [{ effectiveFrom: "2026-07-09", inputPerMTok: 2, outputPerMTok: 12, longContext: ${long} }] }\n`;
    const ok = parseProvidersConfig(
      model('{ aboveInputTokens: 272000, inputPerMTok: 4, outputPerMTok: 18 }'),
    );
    expect(ok.diagnostics).toEqual([]);
    expect(ok.config!.providers.a.models.m.prices[0].longContext).toEqual({
      aboveInputTokens: 272000,
      inputPerMTok: 4,
      outputPerMTok: 18,
    });
    const bad = parseProvidersConfig(model('{ inputPerMTok: 4 }'));
    expect(bad.diagnostics.map((d) => d.message)).toEqual([
      '`longContext` needs `aboveInputTokens`, `outputPerMTok` (prompt tokens above which the request is priced so, and those prices)',
    ]);
  });
});
