import { formatDiagnostic } from './diagnostics';
import { parseAgentsFile } from './agents';
import { parseSettings } from './settings';

describe('agents.yml', () => {
  it('reads declarations and defaults', () => {
    const { declarations, diagnostics } = parseAgentsFile('defaults:\n  service: openai\n  timeout: 2m\nagents:\n  - name: Reviewer\n    type: code-review\n    tasks: [find_bugs]\n');
    expect(diagnostics).toEqual([]);
    expect(declarations!.defaults).toMatchObject({ service: { value: 'openai' }, timeoutMs: 120_000 });
    expect(declarations!.agents.get('reviewer')).toMatchObject({ type: { value: 'code-review' }, tasks: [{ value: 'find_bugs' }] });
  });

  it.each([
    ['a bare name', 'agents:\n  - security-agent\n', '2:5', 'declares agents in full'],
    ['a duplicate', 'agents:\n  - name: a\n    type: lint\n  - name: A\n    type: lint\n', '4:11', 'declared twice (first at line 2)'],
    ['an unknown key', 'agents:\n  - name: a\n    typ: lint\n', '3:5', 'did you mean `type`?'],
    ['identity in defaults', 'defaults:\n  type: lint\nagents: []\n', '2:3', 'unknown key `type` in `defaults`'],
    ['no agents list', 'defaults: {}\n', '1:1', 'needs an `agents:` list'],
    ['a bad name', 'agents:\n  - name: my agent\n    type: lint\n', '2:11', 'may only hold letters'],
  ])('rejects %s', (_name, text, at, fragment) => {
    const { declarations, diagnostics } = parseAgentsFile(text, 'agents.yml');
    expect(declarations).toBeUndefined();
    expect(diagnostics.map(formatDiagnostic).find((l) => l.startsWith(`agents.yml:${at}: `))).toContain(fragment);
  });
});

describe('settings.yml', () => {
  it.each([
    ['an unknown top-level key', 'default:\n  rollout: gate\n', '1:1', 'did you mean `defaults`?'],
    ['a class outside data_classes', 'data_classes: [open, secret]\ndefaults:\n  data_class: internal\n', '3:15', 'unknown data class `internal`'],
    ['a class listed twice', 'data_classes: [a, a]\n', '1:15', 'lists a class twice'],
    ['a bad repository entry', 'repositories:\n  acme/x:\n    rollout: loud\n', '3:14', '`rollout` must be one of'],
    ['an unknown repository key', 'repositories:\n  acme/x:\n    data_clas: public\n', '3:5', 'did you mean `data_class`?'],
  ])('rejects %s', (_name, text, at, fragment) => {
    const { settings, diagnostics } = parseSettings(text, 'settings.yml');
    expect(settings).toBeUndefined();
    expect(diagnostics.map(formatDiagnostic).find((l) => l.startsWith(`settings.yml:${at}: `))).toContain(fragment);
  });
});
