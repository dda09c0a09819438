import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDiagnostic } from './diagnostics';
import { findProjectConfigDir, validatePaths } from './validate';

const root = join(__dirname, '..', '..', '..');
const shipped = join(root, 'workflows');

describe('validatePaths', () => {
  let elsewhere: string;
  beforeEach(() => {
    elsewhere = mkdtempSync(join(tmpdir(), 'af-validate-'));
  });
  afterEach(() => rmSync(elsewhere, { recursive: true, force: true }));

  it("finds the project's workflows/ from anywhere inside the project", () => {
    expect(findProjectConfigDir(join(root, 'libs', 'workflow'))).toBe(shipped);
    expect(findProjectConfigDir(elsewhere)).toBeUndefined();
  });

  it('checks the project set with no paths', () => {
    const report = validatePaths([], { cwd: root });
    expect(report.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(report.workflows).toBe(6);
  });

  it('a copy of a shipped workflow elsewhere is not a duplicate, and resolves against --config', () => {
    cpSync(join(shipped, 'pr-review.yml'), join(elsewhere, 'pr-review.yml'));
    const report = validatePaths([join(elsewhere, 'pr-review.yml'), shipped], {
      configDir: shipped,
      cwd: root,
    });
    expect(report.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(report.workflows).toBe(7);
  });

  it('reports one file:line:col line per problem in a loose file', () => {
    writeFileSync(
      join(elsewhere, 'mine.yml'),
      'name: Mine\ntrigger:\n  event: pull_request\nagents:\n  - code-review-agnet\n  - name: security-agent\n    tasks: [scan_secret]\n',
    );
    const report = validatePaths([join(elsewhere, 'mine.yml')], { configDir: shipped });
    expect(report.diagnostics.map(formatDiagnostic)).toEqual([
      `${join(elsewhere, 'mine.yml')}:5:5: unknown agent \`code-review-agnet\`; did you mean \`code-review-agent\`?`,
      `${join(elsewhere, 'mine.yml')}:7:13: agent type \`security\` has no task \`scan_secret\`; did you mean \`scan_secrets\`?`,
    ]);
  });

  it('checks providers.yml, agents.yml and settings.yml by their own rules', () => {
    writeFileSync(join(elsewhere, 'settings.yml'), 'defaults:\n  rollout: loud\n');
    const report = validatePaths(
      [join(shipped, 'providers.yml'), join(shipped, 'agents.yml'), join(elsewhere, 'settings.yml')],
      { configDir: shipped },
    );
    expect(report.diagnostics.map(formatDiagnostic)).toEqual([
      `${join(elsewhere, 'settings.yml')}:2:12: \`rollout\` must be one of off, shadow, comment, gate, found \`loud\``,
    ]);
  });

  it('a directory with its own providers.yml is a config set: duplicate ids are errors there', () => {
    cpSync(join(shipped, 'providers.yml'), join(elsewhere, 'providers.yml'));
    writeFileSync(
      join(elsewhere, 'a.yml'),
      'id: same\nname: A\ntrigger:\n  event: push\nagents: [lint-agent]\n',
    );
    writeFileSync(
      join(elsewhere, 'b.yml'),
      'id: same\nname: B\ntrigger:\n  event: push\nagents: [lint-agent]\n',
    );
    const report = validatePaths([elsewhere]);
    expect(report.diagnostics.map(formatDiagnostic)).toEqual([
      `${join(elsewhere, 'b.yml')}:1:1: workflow id \`same\` is already used by ${join(elsewhere, 'a.yml')}; set a different \`id:\` or rename the file`,
    ]);
  });

  it('missing paths and a missing config are problems, not crashes', () => {
    expect(
      validatePaths([join(elsewhere, 'nope.yml')], { configDir: shipped }).diagnostics.map((d) => d.message),
    ).toEqual(['no such file or directory']);
    writeFileSync(join(elsewhere, 'x.yml'), 'name: X\n');
    expect(validatePaths([join(elsewhere, 'x.yml')], { cwd: elsewhere }).diagnostics[0].message).toContain(
      'pass --config DIR',
    );
  });
});
