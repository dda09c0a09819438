import { loadRepositoryConfig, type BaseBranchReader } from './repository';
import { compileWorkflow } from './compile';
import { createCompileContext } from './project';
import { projectConfig } from './test-fixtures.test';

/** A repository at two refs: only the base ref may be read. */
function repo(files: Record<string, string>): BaseBranchReader & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    async readFile(path) {
      reads.push(path);
      return files[path];
    },
    async listFiles(dir) {
      return Object.keys(files)
        .filter((p) => p.startsWith(`${dir}/`) && !p.slice(dir.length + 1).includes('/'))
        .map((p) => p.slice(dir.length + 1));
    },
  };
}

describe('loadRepositoryConfig (.agentflow/ from the base branch)', () => {
  const config = projectConfig(
    'defaults:\n  rollout: comment\n  data_class: internal\nrepositories:\n  acme/ios:\n    rollout: gate\n',
  );
  const orgPlan = compileWorkflow(
    'name: Org Review\ntrigger:\n  event: pull_request\nagents: [code-review-agent]\n',
    'review.yml',
    createCompileContext(config),
  ).plan!;
  const project = { ...config, plans: [orgPlan] };

  it('merges the repository settings and adds its workflows; one with an org id replaces it for this repository', async () => {
    const reader = repo({
      '.agentflow/config.yml': 'rollout: shadow\nignore: ["Generated/**"]\n',
      '.agentflow/workflows/review.yml':
        'name: Team Review\ntrigger:\n  event: pull_request\nagents: [security-agent]\n',
      '.agentflow/workflows/lint.yml': 'name: Lint\ntrigger:\n  event: push\nagents: [lint-agent]\n',
    });
    const result = await loadRepositoryConfig(reader, project, 'acme/android');
    expect(result.diagnostics).toEqual([]);
    expect(result.policy).toMatchObject({ rollout: 'shadow', ignore: ['Generated/**'] });
    expect(result.plans.map((p) => [p.id, p.name])).toEqual([
      ['review', 'Team Review'],
      ['lint', 'Lint'],
    ]);
    expect(reader.reads).toContain('.agentflow/config.yml');
  });

  it('the central entry outranks the repository file', async () => {
    const result = await loadRepositoryConfig(
      repo({ '.agentflow/config.yml': 'rollout: shadow\n' }),
      project,
      'acme/ios',
    );
    expect(result.policy.rollout).toBe('gate');
  });

  it("a broken repository file is reported and left out; the organisation's workflows still apply", async () => {
    const reader = repo({
      '.agentflow/config.yml': 'rollot: off\n',
      '.agentflow/workflows/bad.yml': 'name: Bad\ntrigger:\n  event: pull_request\nagents: [nope-agent]\n',
    });
    const result = await loadRepositoryConfig(reader, project, 'acme/android');
    expect(result.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}`)).toEqual([
      '.agentflow/config.yml:1:1',
      '.agentflow/workflows/bad.yml:4:10',
    ]);
    expect(result.policy.rollout).toBe('comment');
    expect(result.plans.map((p) => p.id)).toEqual(['review']);
  });

  it("a repository's workflows are checked against its own data classes", async () => {
    const reader = repo({
      '.agentflow/config.yml': 'data_class: restricted\n',
      '.agentflow/workflows/private.yml':
        'name: P\ntrigger:\n  event: pull_request\nagents: [code-review-agent]\n',
      '.agentflow/workflows/vault.yml':
        'name: V\ntrigger:\n  event: pull_request\nagents: [private-review]\n',
    });
    const result = await loadRepositoryConfig(reader, project, 'acme/secret');
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      expect.stringContaining('provider `anthropic` may not receive `restricted` data'),
    ]);
    expect(result.plans.map((p) => p.id)).toEqual(['review', 'vault']);
  });
});
