/**
 * agentflow deployed as a platform engineer deploys it, on GitHub's terms: the five services as
 * separate processes (two replicas of coordinator, agents and gateway) on NATS and PostgreSQL,
 * the fakes as their own processes. Signed pull-request webhooks for the two sample apps go in;
 * what lands on the fake GitHub is checked against GitHub's REST description (zero violations),
 * and the writes per run are counted against the budget in docs/notifier.md.
 */
import { countGitHubWrites, startStack, type GitHubWrites, type RunRow, type Stack } from './stack';

describe('the deployed stack on GitHub\'s terms', () => {
  let stack: Stack;
  const runs = new Map<string, RunRow[]>();

  beforeAll(async () => {
    stack = await startStack();
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it('starts every service as its own process with the replicas deployed', () => {
    const names = ['ingress', 'coordinator', 'gateway', 'agents', 'notifier'] as const;
    const counts = Object.fromEntries(names.map((n) => [n, stack.replicas(n).filter((p) => p.running).length]));
    expect(counts).toEqual({ ingress: 1, coordinator: 2, gateway: 2, agents: 2, notifier: 1 });
    const pids = new Set(names.flatMap((n) => stack.replicas(n).map((p) => p.pid)));
    expect(pids.size).toBe(8);
    console.log(`stack ${stack.id} started in ${stack.startMs} ms`);
  });

  it(
    'runs the Android and the iOS pull request to the end through every service',
    async () => {
      for (const repo of ['android-app', 'ios-app']) {
        const delivery = await stack.pullRequestEvent(stack.sample(repo).seed);
        const ended = await stack.waitForRuns(delivery);
        expect(ended.map((r) => r.status)).toEqual(ended.map(() => 'completed'));
        runs.set(repo, ended);
      }
      // The Android change triggers its own workflow and the general review; iOS the general one.
      expect(runs.get('android-app')!.map((r) => r.workflow).sort()).toEqual(['android-review', 'pr-review']);
      expect(runs.get('ios-app')!.map((r) => r.workflow)).toContain('pr-review');
    },
    300_000,
  );

  it('sent GitHub nothing its REST description does not allow', async () => {
    expect(await stack.github.violations()).toEqual([]);
  });

  it('keeps GitHub writes within the budget: one comment write and one review per run, the check runs counted', async () => {
    const requests = await stack.github.requests();
    const report: Record<string, GitHubWrites & { runs: number }> = {};
    for (const [repo, ended] of runs) {
      const writes = countGitHubWrites(requests, `acme/${repo}`);
      report[repo] = { ...writes, runs: ended.length };
      expect(writes.commentCreates + writes.commentUpdates).toBeLessThanOrEqual(ended.length);
      expect(writes.reviews).toBeLessThanOrEqual(ended.length);
      expect(writes.reviewComments).toBe(0);
      expect(writes.other).toEqual([]);
    }
    console.log(`GitHub writes per pull request: ${JSON.stringify(report)}`);
  });

  it(
    'kills a replica and starts it again (the chaos tests reuse this)',
    async () => {
      const replica = stack.replica('coordinator', 2);
      const pid = replica.pid!;
      await stack.kill('coordinator', 2);
      expect(replica.running).toBe(false);
      expect(() => process.kill(pid, 0)).toThrow();
      await stack.restart('coordinator', 2);
      expect(replica.running).toBe(true);
      expect((await fetch(`${stack.url('coordinator-2')}/ready`)).status).toBe(200);
    },
    150_000,
  );
});
