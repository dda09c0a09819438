import type { WorkflowPlan } from '@agentflow/contracts';
import { compileWorkflow } from './compile';
import type { NormalizedEvent } from './event';
import { concurrencyKey, dueSchedules, isBotAuthor, matchWorkflows } from './match';
import { resolveRepositoryPolicy, parseSettings } from './settings';
import { context } from './test-fixtures.test';

function plan(id: string, trigger: string, extra = ''): WorkflowPlan {
  const text = `name: ${id}\ntrigger:\n${trigger.replace(/^/gm, '  ')}\nagents: [code-review-agent]\n${extra}`;
  const result = compileWorkflow(text, `${id}.yml`, context());
  if (!result.plan)
    throw new Error(result.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`).join('\n'));
  return result.plan;
}

const pr = (over: Partial<NormalizedEvent> = {}): NormalizedEvent => ({
  platform: 'github',
  kind: 'pull_request',
  action: 'opened',
  repo: 'acme/ios',
  pr: 7,
  baseBranch: 'main',
  author: 'alice',
  draft: false,
  labels: [],
  files: [{ path: 'App/Sources/Login/LoginView.swift', additions: 80, deletions: 40 }],
  ...over,
});

const swift = plan(
  'swift',
  'event: pull_request\nconditions:\n  - files_changed: ["*.swift", "*.m", "*.h"]\n  - lines_changed: "> 100"',
);

describe('matchWorkflows', () => {
  const cases: Array<[string, WorkflowPlan, NormalizedEvent, string | null]> = [
    ['a glob without a slash matches the file name at any depth', swift, pr(), null],
    [
      'a glob with a slash matches from the root',
      plan('p', 'event: pull_request\nconditions:\n  - files_changed: ["App/**/*.swift"]'),
      pr(),
      null,
    ],
    [
      'a rooted glob does not match elsewhere',
      plan('p', 'event: pull_request\nconditions:\n  - files_changed: ["Sources/*.swift"]'),
      pr(),
      'no changed file matches Sources/*.swift',
    ],
    [
      'no file matches',
      swift,
      pr({ files: [{ path: 'app/src/Main.kt', additions: 500, deletions: 0 }] }),
      'no changed file matches',
    ],
    [
      'ignored files do not count for files_changed',
      swift,
      pr({ files: [{ path: 'Gen/Model.pb.swift', additions: 900, deletions: 0 }] }),
      'ignored files do not count',
    ],
    [
      'lines_changed is additions + deletions',
      swift,
      pr({ files: [{ path: 'A.swift', additions: 60, deletions: 40 }] }),
      '100 lines changed, not > 100',
    ],
    [
      'lines_changed from the event totals when files are unknown',
      plan('l', 'event: pull_request\nconditions:\n  - lines_changed: "> 100"'),
      pr({ files: undefined, additions: 100, deletions: 1 }),
      null,
    ],
    [
      'lines_changed unknown says so',
      plan('l', 'event: pull_request\nconditions:\n  - lines_changed: "> 100"'),
      pr({ files: undefined }),
      'lines_changed cannot be decided',
    ],
    ['files_changed unknown says so', swift, pr({ files: undefined }), 'files_changed cannot be decided'],
    [
      'test_coverage below the bar fires',
      plan('c', 'event: pull_request\nconditions:\n  - test_coverage: "< 80%"'),
      pr({ coverage: 62.5 }),
      null,
    ],
    [
      'test_coverage above the bar',
      plan('c', 'event: pull_request\nconditions:\n  - test_coverage: "< 80%"'),
      pr({ coverage: 91 }),
      'test coverage is 91%, not < 80%',
    ],
    [
      'test_coverage unknown: a stated reason, not a silent fire',
      plan('c', 'event: pull_request\nconditions:\n  - test_coverage: "< 80%"'),
      pr(),
      'test_coverage < 80% cannot be decided: no coverage report',
    ],
    ['bare pull_request fires on synchronize', swift, pr({ action: 'synchronize' }), null],
    [
      'bare pull_request does not fire on closed',
      swift,
      pr({ action: 'closed' }),
      'pull_request.closed is not one of its events',
    ],
    [
      'pull_request.opened does not fire on synchronize',
      plan('o', 'event: pull_request.opened'),
      pr({ action: 'synchronize' }),
      'not one of its events (pull_request.opened)',
    ],
    [
      'pull_request.labeled fires on labeled',
      plan('o', 'event: pull_request.labeled'),
      pr({ action: 'labeled' }),
      null,
    ],
    [
      'labels: one of them must be present',
      plan('lb', 'event: pull_request\nconditions:\n  - labels: [architecture]'),
      pr({ labels: ['bug'] }),
      'no label of architecture',
    ],
    [
      'labels present',
      plan('lb', 'event: pull_request\nconditions:\n  - labels: ["arch*"]'),
      pr({ labels: ['bug', 'architecture'] }),
      null,
    ],
    [
      'labels_ignore',
      plan('lb', 'event: pull_request\nconditions:\n  - labels_ignore: [skip-review]'),
      pr({ labels: ['skip-review'] }),
      'label skip-review is ignored',
    ],
    [
      'branches glob',
      plan('b', 'event: pull_request\nconditions:\n  branches: ["release/*"]'),
      pr({ baseBranch: 'release/2.4' }),
      null,
    ],
    [
      'branches miss',
      plan('b', 'event: pull_request\nconditions:\n  branches: ["release/*"]'),
      pr(),
      'branch main is not one of release/*',
    ],
    [
      'branches_ignore',
      plan('b', 'event: pull_request\nconditions:\n  branches_ignore: [main]'),
      pr(),
      'branch main is ignored',
    ],
    ['drafts are skipped by default', swift, pr({ draft: true }), 'the pull request is a draft'],
    [
      'drafts included on request',
      plan('d', 'event: pull_request\nconditions:\n  draft: include'),
      pr({ draft: true }),
      null,
    ],
    ['draft: only', plan('d', 'event: pull_request\nconditions:\n  draft: only'), pr(), 'not a draft'],
    [
      'Renovate is skipped by default',
      swift,
      pr({ author: 'renovate[bot]' }),
      'author renovate[bot] is a bot',
    ],
    ['Dependabot is skipped by default', swift, pr({ author: 'dependabot[bot]' }), 'is a bot'],
    ['a platform-flagged bot is skipped', swift, pr({ author: 'ci-helper', authorIsBot: true }), 'is a bot'],
    [
      'bots included on request',
      plan('bt', 'event: pull_request\nconditions:\n  bots: include'),
      pr({ author: 'renovate[bot]' }),
      null,
    ],
    [
      'authors allow-list',
      plan('a', 'event: pull_request\nconditions:\n  authors: ["team-*"]'),
      pr(),
      'author alice is not one of team-*',
    ],
    [
      'authors_ignore',
      plan('a', 'event: pull_request\nconditions:\n  authors_ignore: [alice]'),
      pr(),
      'author alice is ignored',
    ],
    [
      'push fires a push workflow',
      plan('push', 'event: push\nconditions:\n  branches: [main]'),
      { platform: 'github', kind: 'push', repo: 'acme/ios', baseBranch: 'main', files: [] },
      null,
    ],
    [
      'push does not fire a PR workflow',
      swift,
      { platform: 'github', kind: 'push', repo: 'acme/ios' },
      'not push',
    ],
    [
      'a comment command fires',
      plan('cmd', 'event: issue_comment\ncommands: ["/agentflow review"]'),
      pr({ kind: 'issue_comment', comment: '/agentflow review\nplease' }),
      null,
    ],
    [
      'a comment command with arguments fires',
      plan('cmd', 'event: issue_comment\ncommands: ["/agentflow review"]'),
      pr({ kind: 'issue_comment', comment: '/agentflow  review  --full' }),
      null,
    ],
    [
      'another command does not fire',
      plan('cmd', 'event: issue_comment\ncommands: ["/agentflow review"]'),
      pr({ kind: 'issue_comment', comment: '/agentflow reviewer' }),
      'is not one of /agentflow review',
    ],
    [
      'a plain comment does not fire',
      plan('cmd', 'event: issue_comment\ncommands: ["/agentflow review"]'),
      pr({ kind: 'issue_comment', comment: 'LGTM' }),
      'no command',
    ],
    [
      'a command bypasses the automatic conditions',
      plan(
        'cmd',
        'event: [pull_request, issue_comment]\ncommands: ["/agentflow review"]\nconditions:\n  - lines_changed: "> 1000"',
      ),
      pr({ kind: 'issue_comment', comment: '/agentflow review', draft: true }),
      null,
    ],
    [
      'schedule fires for its cron',
      plan('nightly', 'event: schedule\nschedule: "30 2 * * 1-5"'),
      { platform: 'github', kind: 'schedule', repo: 'acme/ios', schedule: '30 2 * * 1-5' },
      null,
    ],
    [
      'schedule for another cron',
      plan('nightly', 'event: schedule\nschedule: "30 2 * * 1-5"'),
      { platform: 'github', kind: 'schedule', repo: 'acme/ios', schedule: '0 0 * * *' },
      'its schedule is',
    ],
    [
      'manual fires the named workflow',
      plan('arch', 'event: [manual, pull_request.labeled]'),
      { platform: 'local', kind: 'manual', repo: '.', workflow: 'arch' },
      null,
    ],
    [
      'manual for another workflow',
      plan('arch', 'event: manual'),
      { platform: 'local', kind: 'manual', repo: '.', workflow: 'other' },
      'asked for workflow other',
    ],
    [
      'manual without a workflow',
      plan('arch', 'event: manual'),
      { platform: 'local', kind: 'manual', repo: '.' },
      'must name its workflow',
    ],
    [
      'manual on a workflow without manual',
      swift,
      { platform: 'local', kind: 'manual', repo: '.', workflow: 'swift' },
      'does not list `manual`',
    ],
  ];

  it.each(cases)('%s', (_name, workflow, event, reason) => {
    const result = matchWorkflows(event, [workflow]);
    if (reason === null) {
      expect(result.skipped).toEqual([]);
      expect(result.fired.map((p) => p.id)).toEqual([workflow.id]);
    } else {
      expect(result.fired).toEqual([]);
      expect(result.skipped).toEqual([{ workflow: workflow.id, reason: expect.stringContaining(reason) }]);
    }
  });

  it('fires with a note when coverage is unknown and when_unknown is run', () => {
    const p = plan(
      'c',
      'event: pull_request\nconditions:\n  - test_coverage: { value: "< 80%", when_unknown: run }',
    );
    const result = matchWorkflows(pr(), [p]);
    expect(result.fired.map((x) => x.id)).toEqual(['c']);
    expect(result.notes).toEqual([{ workflow: 'c', note: expect.stringContaining('cannot be decided') }]);
  });

  it('lists every workflow as fired or skipped, in order, and expands the concurrency group', () => {
    const a = plan('a', 'event: pull_request');
    const b = plan('b', 'event: push');
    const result = matchWorkflows(pr(), [a, b, swift]);
    expect(result.fired.map((p) => p.id)).toEqual(['a', 'swift']);
    expect(result.skipped.map((s) => s.workflow)).toEqual(['b']);
    expect(result.fired[0].concurrency).toEqual({ group: 'a:acme/ios#7', cancelInProgress: true });
    expect(a.concurrency?.group).toBe('${workflow}:${repo}#${pr}');
    expect(concurrencyKey(a, pr({ pr: 9 }))).toBe('a:acme/ios#9');
  });

  describe('with a repository policy', () => {
    const settings = parseSettings(`
defaults:
  rollout: comment
  data_class: internal
  ignore: ["Vendor/**"]
  paths:
    - path: "**/Payments/**"
      data_class: restricted
repositories:
  acme/legacy:
    rollout: "off"
  acme/android:
    workflows: [a]
`).settings!;

    it('rollout off skips everything with that reason', () => {
      const result = matchWorkflows(pr({ repo: 'acme/legacy' }), [swift], {
        policy: resolveRepositoryPolicy(settings, 'acme/legacy'),
      });
      expect(result.skipped).toEqual([{ workflow: 'swift', reason: 'rollout is off for acme/legacy' }]);
      expect(result.rollout).toBe('off');
    });

    it('only the workflows enabled for the repository run', () => {
      const result = matchWorkflows(pr({ repo: 'acme/android' }), [plan('a', 'event: pull_request'), swift], {
        policy: resolveRepositoryPolicy(settings, 'acme/android'),
      });
      expect(result.fired.map((p) => p.id)).toEqual(['a']);
      expect(result.skipped[0].reason).toContain('not enabled for acme/android');
    });

    it('a changed path of a stricter class makes the run that class, and a workflow that may not receive it is skipped', () => {
      const event = pr({ files: [{ path: 'App/Payments/Card.swift', additions: 200, deletions: 0 }] });
      const result = matchWorkflows(event, [swift], {
        policy: resolveRepositoryPolicy(settings, 'acme/ios'),
      });
      expect(result.dataClass).toBe('restricted');
      expect(result.skipped).toEqual([
        { workflow: 'swift', reason: expect.stringContaining('restricted data') },
      ]);
    });

    it('fired plans carry the policy ignore globs; ignored files do not count', () => {
      const policy = resolveRepositoryPolicy(settings, 'acme/ios');
      expect(
        matchWorkflows(
          pr({ files: [{ path: 'Vendor/Lib/X.swift', additions: 500, deletions: 0 }] }),
          [swift],
          { policy },
        ).skipped[0].reason,
      ).toContain('ignored files do not count');
      const result = matchWorkflows(pr(), [swift], { policy });
      expect(result.fired[0].ignore).toContain('Vendor/**');
      expect(result).toMatchObject({ rollout: 'comment', dataClass: 'internal' });
    });
  });
});

describe('isBotAuthor', () => {
  it.each([
    ['renovate[bot]', true],
    ['dependabot[bot]', true],
    ['renovate', true],
    ['github-actions', true],
    ['alice', false],
    ['robot-fan', false],
  ])('%s -> %s', (author, expected) => {
    expect(isBotAuthor({ platform: 'github', kind: 'pull_request', repo: 'r', author })).toBe(expected);
  });
});

describe('dueSchedules', () => {
  it('lists the scheduled workflows due this minute, with the cron that fired', () => {
    const nightly = plan('nightly', 'event: [schedule, manual]\nschedule: ["30 2 * * 1-5", "0 12 * * 6"]');
    const hourly = plan('hourly', 'event: schedule\nschedule: "0 * * * *"');
    const plans = [nightly, hourly, swift];
    expect(dueSchedules(plans, new Date('2026-11-25T02:30:30Z')).map((d) => [d.plan.id, d.schedule])).toEqual(
      [['nightly', '30 2 * * 1-5']],
    );
    expect(dueSchedules(plans, new Date('2026-11-28T12:00:00Z')).map((d) => [d.plan.id, d.schedule])).toEqual(
      [
        ['nightly', '0 12 * * 6'],
        ['hourly', '0 * * * *'],
      ],
    );
    expect(dueSchedules(plans, new Date('2026-11-25T02:31:00Z'))).toEqual([]);
  });
});
