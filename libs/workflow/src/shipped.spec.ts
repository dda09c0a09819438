import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { AGENT_KEYS } from './agents';
import { CONDITION_KEYS, OUTPUT_KEYS, WORKFLOW_KEYS } from './compile';
import { formatDiagnostic } from './diagnostics';
import { listWorkflowFiles, loadWorkflowDirectory } from './project';
import { loadProvidersConfig } from './providers';

const root = join(__dirname, '..', '..', '..');
const workflowsDir = join(root, 'workflows');
const schema = JSON.parse(readFileSync(join(__dirname, '..', 'schema', 'workflow.schema.json'), 'utf8'));

describe('the shipped workflows', () => {
  const project = loadWorkflowDirectory(workflowsDir);

  it("all load without errors; the only warnings are the seed's retired models and its name/type mismatch", () => {
    expect(project.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic)).toEqual([]);
    expect(
      project.diagnostics.map((d) => `${d.file.replace(`${workflowsDir}/`, '')}:${d.line}:${d.col}`),
    ).toEqual([
      'code-review.yml:14:14', // claude-3-opus -> claude-opus-5-5
      'code-review.yml:24:11', // test-coverage-agent with type TestGenerationAgent: the type wins
      'code-review.yml:27:14', // gpt-4-turbo -> gpt-4.1
    ]);
    expect(project.plans.map((p) => p.id)).toEqual([
      'android-review',
      'architecture-migration',
      'architecture-nightly',
      'code-review',
      'pr-review',
      'test-generation',
    ]);
  });

  it('compile to the expected DAGs', () => {
    const steps = Object.fromEntries(
      project.plans.map((p) => [p.id, p.steps.map((s) => `${s.id}<-[${s.dependsOn.join(',')}]`)]),
    );
    expect(steps['pr-review']).toEqual([
      'code-review-agent<-[]',
      'security-agent<-[]',
      'test-coverage-agent<-[]',
      'documentation-agent<-[]',
    ]);
    expect(steps['test-generation']).toEqual([
      'analysis.code-analysis-agent<-[]',
      'generation.test-generation-agent<-[analysis.code-analysis-agent]',
      'review.test-review-agent<-[generation.test-generation-agent]',
      'execution.test-runner<-[review.test-review-agent]',
    ]);
    expect(steps['architecture-migration']).toEqual([
      'analysis.architecture-analysis-agent<-[]',
      'planning.migration-planning-agent<-[analysis.architecture-analysis-agent]',
      'impact.impact-analysis-agent<-[planning.migration-planning-agent]',
      'documentation.documentation-agent<-[impact.impact-analysis-agent]',
    ]);
    const android = project.plans.find((p) => p.id === 'android-review')!;
    expect(android.gate).toEqual({ failOn: 'major', sources: ['analyzer', 'sarif'], minConfidence: 0.8 });
    const nightly = project.plans.find((p) => p.id === 'architecture-nightly')!;
    expect(nightly.trigger?.schedules).toEqual(['30 2 * * 1-5']);
    expect(nightly.steps.every((s) => s.batch)).toBe(true);
  });

  it("the seed's three workflows are the seed's text, byte for byte", () => {
    const seedPath = '/work/shared/seed/agent-flow-system-design.md';
    if (!existsSync(seedPath)) {
      console.warn(`skipped: ${seedPath} is not on this machine`);
      return;
    }
    const seed = readFileSync(seedPath, 'utf8');
    for (const name of ['code-review.yml', 'pr-review.yml', 'test-generation.yml']) {
      const text = readFileSync(join(workflowsDir, name), 'utf8');
      expect(seed).toContain(text.trimEnd());
      expect(text.startsWith(`# workflows/${name}\n`)).toBe(true);
    }
  });

  it('providers.yml passes the providers validator the gateway uses', () => {
    const config = loadProvidersConfig(join(workflowsDir, 'providers.yml'));
    expect(config.providers.anthropic.aliases).toContain('claude-api');
    expect(config.providers.anthropic.retired?.['claude-3-opus']).toBe('claude-opus-5-5');
    expect(config.providers.openai.retired?.['gpt-4-turbo']).toBe('gpt-4.1');
  });
});

describe('the JSON Schema (libs/workflow/schema/workflow.schema.json)', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(schema);

  it.each(listWorkflowFiles(workflowsDir).map((f) => [f.replace(`${workflowsDir}/`, ''), f]))(
    'accepts the shipped %s',
    (_name, file) => {
      const data = parse(readFileSync(file, 'utf8'));
      const valid = validate(data);
      expect(valid ? [] : validate.errors).toEqual([]);
    },
  );

  it('rejects what the compiler rejects: an unknown key, a bad event, a bare-number timeout', () => {
    expect(validate({ name: 'x', trigger: { event: 'pull_request' }, agnets: ['a'] })).toBe(false);
    expect(validate({ name: 'x', trigger: { event: 'pull_reqest' }, agents: ['a'] })).toBe(false);
    expect(validate({ name: 'x', trigger: { event: 'push' }, agents: [{ name: 'a', timeout: 300 }] })).toBe(
      false,
    );
    expect(validate({ name: 'x', trigger: { event: 'push' }, agents: ['a'], phases: [] })).toBe(false);
  });

  it('agents.schema.json and settings.schema.json accept the shipped agents.yml and settings.yml', () => {
    for (const [schemaFile, file] of [
      ['agents.schema.json', 'agents.yml'],
      ['settings.schema.json', 'settings.yml'],
    ]) {
      const other = ajv.compile(
        JSON.parse(readFileSync(join(__dirname, '..', 'schema', schemaFile), 'utf8')),
      );
      const valid = other(parse(readFileSync(join(workflowsDir, file), 'utf8')));
      expect(valid ? [] : other.errors).toEqual([]);
      expect(other({ agnets: [], defualts: {} })).toBe(false);
    }
  });

  it('knows exactly the keys the compiler knows', () => {
    expect(Object.keys(schema.properties).sort()).toEqual([...WORKFLOW_KEYS].sort());
    expect(Object.keys(schema.properties.trigger.properties.conditions.oneOf[1].properties).sort()).toEqual(
      [...CONDITION_KEYS].sort(),
    );
    expect(Object.keys(schema.properties.output.oneOf[0].properties).sort()).toEqual([...OUTPUT_KEYS].sort());
    expect(Object.keys(schema.definitions.agentDefinition.properties).sort()).toEqual([...AGENT_KEYS].sort());
  });
});
