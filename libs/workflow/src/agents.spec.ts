import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDiagnostic } from './diagnostics';
import { loadProjectConfig } from './project';
import { PROVIDERS_YML } from './test-fixtures.test';
import { parseAgentsFile } from './agents';
import { parseSettings } from './settings';

describe('agents.yml', () => {
  it('reads declarations and defaults', () => {
    const { declarations, diagnostics } = parseAgentsFile(
      'defaults:\n  service: openai\n  timeout: 2m\nagents:\n  - name: Reviewer\n    type: code-review\n    tasks: [find_bugs]\n',
    );
    expect(diagnostics).toEqual([]);
    expect(declarations!.defaults).toMatchObject({ service: { value: 'openai' }, timeoutMs: 120_000 });
    expect(declarations!.agents.get('reviewer')).toMatchObject({
      type: { value: 'code-review' },
      tasks: [{ value: 'find_bugs' }],
    });
  });

  it.each([
    ['a bare name', 'agents:\n  - security-agent\n', '2:5', 'declares agents in full'],
    [
      'a duplicate',
      'agents:\n  - name: a\n    type: lint\n  - name: A\n    type: lint\n',
      '4:11',
      'declared twice (first at line 2)',
    ],
    ['an unknown key', 'agents:\n  - name: a\n    typ: lint\n', '3:5', 'did you mean `type`?'],
    [
      'identity in defaults',
      'defaults:\n  type: lint\nagents: []\n',
      '2:3',
      'unknown key `type` in `defaults`',
    ],
    ['no agents list', 'defaults: {}\n', '1:1', 'needs an `agents:` list'],
    ['a bad name', 'agents:\n  - name: my agent\n    type: lint\n', '2:11', 'may only hold letters'],
  ])('rejects %s', (_name, text, at, fragment) => {
    const { declarations, diagnostics } = parseAgentsFile(text, 'agents.yml');
    expect(declarations).toBeUndefined();
    expect(diagnostics.map(formatDiagnostic).find((l) => l.startsWith(`agents.yml:${at}: `))).toContain(
      fragment,
    );
  });
});

describe('settings.yml', () => {
  it.each([
    ['an unknown top-level key', 'default:\n  rollout: gate\n', '1:1', 'did you mean `defaults`?'],
    [
      'a class outside data_classes',
      'data_classes: [open, secret]\ndefaults:\n  data_class: internal\n',
      '3:15',
      'unknown data class `internal`',
    ],
    ['a class listed twice', 'data_classes: [a, a]\n', '1:15', 'lists a class twice'],
    [
      'a bad repository entry',
      'repositories:\n  acme/x:\n    rollout: loud\n',
      '3:14',
      '`rollout` must be one of',
    ],
    [
      'an unknown repository key',
      'repositories:\n  acme/x:\n    data_clas: public\n',
      '3:5',
      'did you mean `data_class`?',
    ],
  ])('rejects %s', (_name, text, at, fragment) => {
    const { settings, diagnostics } = parseSettings(text, 'settings.yml');
    expect(settings).toBeUndefined();
    expect(diagnostics.map(formatDiagnostic).find((l) => l.startsWith(`settings.yml:${at}: `))).toContain(
      fragment,
    );
  });
});

describe('agents.yml against the catalogue and providers', () => {
  // Loaded as a project, so the declarations are checked once, at their own lines.
  it('reports an unknown type, task, provider and model at their lines, and warns on a retired model', () => {
    const dir = mkdtempSync(join(tmpdir(), 'af-agents-'));
    try {
      writeFileSync(join(dir, 'providers.yml'), PROVIDERS_YML);
      writeFileSync(
        join(dir, 'agents.yml'),
        [
          'agents:',
          '  - name: a',
          '    type: CodeReviewAgnet',
          '  - name: b',
          '    type: security',
          '    tasks: [scan_secret]',
          '    service: opanai',
          '  - name: c',
          '    type: code-review',
          '    service: anthropic',
          '    config: { model: claude-3-opus }',
          '  - name: d',
          '    type: code-review',
          '    service: openai',
          '    config: { model: gpt-6 }',
          '',
        ].join('\n'),
      );
      const { config, diagnostics } = loadProjectConfig(dir);
      expect(config).toBeUndefined();
      expect(diagnostics.map((d) => `${d.line}:${d.col} ${d.severity} ${d.message}`)).toEqual([
        '3:11 error unknown agent type `CodeReviewAgnet`',
        '6:13 error agent type `security` has no task `scan_secret`; did you mean `scan_secrets`?',
        '7:14 error unknown provider `opanai`; did you mean `openai`?',
        '11:22 warning model `claude-3-opus` is retired; using its successor `claude-opus-4-1` (write `model: claude-opus-4-1` to silence this)',
        '15:22 error provider `openai` has no model `gpt-6`; did you mean `gpt-5`?',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
