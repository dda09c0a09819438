/**
 * A repository's own `.agentflow/` folder, as deployed: the services as separate processes, the
 * fake GitHub serving the repository's files at its base and head commits. A signed pull-request
 * webhook runs the repository's own workflow (and only it, as its `config.yml` says), layered
 * under the central `rollout: gate`; the PR head's own `.agentflow/config.yml` (`rollout: off`)
 * changes nothing; a broken workflow file in the folder is shown on the pull request as a neutral
 * check run naming `file:line:col`, and the organisation's settings still apply.
 */
import { startStack, type RunRow, type Stack } from './stack';
import { SAMPLE_APPS } from '../../cli/src/demo/sample-repos';

const TEAM_REVIEW = [
  'name: iOS Team Review',
  'trigger:',
  '  event: pull_request',
  'agents:',
  '  - security-agent',
  'output:',
  '  github_comment: true',
  '  slack_notification: "#ios-team"',
  '',
].join('\n');
const BROKEN = [
  'name: Broken',
  'trigger:',
  '  event: pull_request',
  'agents:',
  '  - code-reveiw-agent',
  '',
].join('\n');

describe('per-repository configuration from the base branch', () => {
  let stack: Stack;
  let ended: RunRow[] = [];

  beforeAll(async () => {
    stack = await startStack({
      samples: SAMPLE_APPS.filter((a) => a.repo === 'ios-app'),
      replicas: { coordinator: 1, gateway: 1, agents: 1, notifier: 1 },
    });
    const seed = stack.sample('ios-app').seed;
    await stack.github.seedPullRequest({
      ...seed,
      baseContents: {
        ...seed.baseContents,
        '.agentflow/config.yml': 'workflows: [team-review]\n',
        '.agentflow/workflows/team-review.yml': TEAM_REVIEW,
        '.agentflow/workflows/broken.yml': BROKEN,
      },
      // What the pull request itself says must not count: it would switch agentflow off.
      contents: { ...seed.contents, '.agentflow/config.yml': 'rollout: off\n' },
    });
    const delivery = await stack.pullRequestEvent(seed);
    ended = await stack.waitForRuns(delivery, { sinks: ['github', 'database', 'slack'] });
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it("runs the repository's own workflow, and only it, with the central rollout", async () => {
    expect(ended.map((r) => [r.workflow, r.status])).toEqual([['team-review', 'completed']]);
    const { rows } = await stack.db.query<{ rollout: string }>('SELECT rollout FROM runs WHERE id = $1', [
      ended[0].id,
    ]);
    expect(rows[0].rollout).toBe('gate');
    const skipped = await stack.db.query<{ workflow: string; reason: string }>(
      `SELECT workflow, reason FROM ingress_trigger_outcomes WHERE outcome = 'skipped' AND workflow = 'pr-review'`,
    );
    expect(skipped.rows[0]?.reason).toBe('not enabled for acme/ios-app (its settings enable team-review)');
  });

  it("posts the repository workflow's results on GitHub and Slack", async () => {
    const state = await stack.github.state();
    const comments = state.issueComments.filter((c) => c.repo === 'acme/ios-app' && c.issue_number === 42);
    expect(
      comments.some(
        (c) =>
          c.body.includes('<!-- agentflow:section workflow=team-review -->') ||
          c.body.includes('iOS Team Review'),
      ),
    ).toBe(true);
    const messages = await stack.slack.messages();
    expect(messages.some((m) => m.channel === '#ios-team')).toBe(true);
  });

  it('shows the broken file on the pull request as a neutral check run naming file:line:col', async () => {
    const state = await stack.github.state();
    const { headSha } = stack.sample('ios-app').seed;
    const checks = state.checkRuns.filter((c) => c.name === 'agentflow: repository configuration');
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ head_sha: headSha, status: 'completed', conclusion: 'neutral' });
    expect(checks[0].output.summary).toContain(
      '.agentflow/workflows/broken.yml:5:5: unknown agent `code-reveiw-agent`',
    );
    expect(checks[0].output.annotations).toEqual([
      expect.objectContaining({
        path: '.agentflow/workflows/broken.yml',
        start_line: 5,
        end_line: 5,
        start_column: 5,
        annotation_level: 'failure',
      }),
    ]);
    expect(await stack.github.violations()).toEqual([]);
  });
});
