import { PermanentError, TransientError } from '@agentflow/contracts';
import type { NormalizedEvent } from '@agentflow/workflow';
import { FIXTURE_WORKFLOWS } from '../testing/fixtures';
import type { RepoAddress, RepositoryFiles } from '../platform/platform-client';
import { WorkflowProjectMatcher } from './trigger-matcher';

/** A repository on a code host: files by commit, and every read it served. */
function host(
  commits: Record<string, Record<string, string>>,
): RepositoryFiles & { reads: string[]; failWith?: Error } {
  const h = {
    platform: 'github' as const,
    reads: [] as string[],
    failWith: undefined as Error | undefined,
    async fileAt(_a: RepoAddress, path: string, ref: string) {
      if (h.failWith) throw h.failWith;
      h.reads.push(`${ref}:${path}`);
      return commits[ref]?.[path];
    },
    async filesIn(_a: RepoAddress, dir: string, ref: string) {
      if (h.failWith) throw h.failWith;
      h.reads.push(`${ref}:${dir}/`);
      return Object.keys(commits[ref] ?? {})
        .filter((p) => p.startsWith(`${dir}/`))
        .map((p) => p.slice(dir.length + 1));
    },
  };
  return h;
}

const event: NormalizedEvent = {
  platform: 'github',
  kind: 'pull_request',
  action: 'opened',
  repo: 'acme/ios',
  pr: 7,
  baseBranch: 'main',
  headBranch: 'feature',
  headSha: 'head1',
  author: 'octocat',
  draft: false,
  labels: [],
  files: [{ path: 'App/View.swift', status: 'modified', additions: 3, deletions: 1 }],
};
const log = { log: () => undefined, warn: jest.fn(), error: () => undefined };
const TEAM = 'name: Team Review\ntrigger:\n  event: pull_request\nagents: [security-agent]\n';

describe('WorkflowProjectMatcher with the repository layer (.agentflow/ at the base commit)', () => {
  it("fires the repository's own workflows and applies its settings, read at the base commit only", async () => {
    const files = host({
      base1: {
        '.agentflow/config.yml': 'workflows: [team-review]\n',
        '.agentflow/workflows/team-review.yml': TEAM,
      },
      head1: { '.agentflow/config.yml': 'rollout: off\n' },
    });
    const matcher = WorkflowProjectMatcher.fromDirectory(FIXTURE_WORKFLOWS, {
      files: { github: files },
      log,
    });
    const decision = await matcher.match(event, { platform: 'github', repo: 'acme/ios', baseSha: 'base1' });
    expect(decision.fired.map((p) => p.id)).toEqual(['team-review']);
    expect(decision.skipped.map((s) => s.workflow)).toContain('swift-review');
    expect(decision.rollout).toBe('comment');
    expect(decision.configProblems).toEqual([]);
    expect(files.reads.every((r) => r.startsWith('base1:'))).toBe(true);
    expect(
      await matcher.workflow('team-review', { platform: 'github', repo: 'acme/ios', baseSha: 'base1' }),
    ).toBeDefined();
    expect(await matcher.workflow('team-review')).toBeUndefined();
  });

  it('reads a base commit once, and again for a new base commit', async () => {
    const files = host({ base1: {}, base2: { '.agentflow/workflows/team-review.yml': TEAM } });
    const matcher = WorkflowProjectMatcher.fromDirectory(FIXTURE_WORKFLOWS, {
      files: { github: files },
      log,
    });
    await matcher.match(event, { platform: 'github', repo: 'acme/ios', baseSha: 'base1' });
    const after = files.reads.length;
    await matcher.match(event, { platform: 'github', repo: 'acme/ios', baseSha: 'base1' });
    expect(files.reads.length).toBe(after);
    const decision = await matcher.match(event, { platform: 'github', repo: 'acme/ios', baseSha: 'base2' });
    expect(decision.fired.map((p) => p.id)).toContain('team-review');
  });

  it("reports a broken file at file:line:col and keeps the organisation's workflows", async () => {
    const files = host({
      base1: {
        '.agentflow/workflows/broken.yml':
          'name: Broken\ntrigger:\n  event: pull_request\nagents: [code-reveiw-agent]\n',
      },
    });
    const matcher = WorkflowProjectMatcher.fromDirectory(FIXTURE_WORKFLOWS, {
      files: { github: files },
      log,
    });
    const decision = await matcher.match(event, { platform: 'github', repo: 'acme/ios', baseSha: 'base1' });
    expect(decision.fired.map((p) => p.id)).toEqual(['swift-review']);
    expect(decision.configProblems[0]).toMatchObject({
      file: '.agentflow/workflows/broken.yml',
      line: 4,
      severity: 'error',
    });
  });

  it("throws a failure a retry may cure, and matches with the organisation's configuration after one it cannot", async () => {
    const files = host({});
    const matcher = WorkflowProjectMatcher.fromDirectory(FIXTURE_WORKFLOWS, {
      files: { github: files },
      log,
    });
    files.failWith = new TransientError('GitHub contents failed (HTTP 502)');
    await expect(
      matcher.match(event, { platform: 'github', repo: 'acme/ios', baseSha: 'base1' }),
    ).rejects.toThrow('HTTP 502');
    files.failWith = new PermanentError('GitHub contents failed (HTTP 403)');
    const decision = await matcher.match(event, { platform: 'github', repo: 'acme/ios', baseSha: 'base1' });
    expect(decision.fired.map((p) => p.id)).toEqual(['swift-review']);
    expect(log.warn).toHaveBeenCalledWith(
      expect.stringContaining("matching with the organisation's configuration only"),
    );
  });
});
