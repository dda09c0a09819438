/**
 * agentflow deployed as a platform engineer deploys it, on GitHub's terms: the five services as
 * separate processes (two replicas of coordinator, agents and gateway) on NATS and PostgreSQL,
 * the fakes as their own processes, started the way `agentflow up` starts outside a checkout of
 * this repository (the shipped workflows bundled with the CLI). Signed pull-request webhooks for
 * the two sample apps go in; what lands on the fake GitHub is checked against GitHub's REST
 * description (zero violations), its rate-limit answers are waited out, and the writes per run
 * are counted against the budget in docs/notifier.md.
 */
import {
  checkRunWritesPerRun,
  countGitHubWrites,
  startStack,
  type FakeRequestRecord,
  type GitHubWrites,
  type RunRow,
  type Stack,
} from './stack';

/** docs/notifier.md: a check run is written at most 2 times plus once per 30 s of the run. */
const PROGRESS_INTERVAL_MS = 30_000;
const ANNOTATIONS_PER_REQUEST = 50;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the deployed stack on GitHub's terms", () => {
  let stack: Stack;
  const runs = new Map<string, RunRow[]>();

  beforeAll(async () => {
    stack = await startStack({ outsideCheckout: true });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  /** Until every GitHub delivery of `ended` is delivered: a rate limit longer than a sink waits in place goes back to the bus first. */
  async function githubDelivered(ended: RunRow[], timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await stack.db.query<{ run_id: string; kind: string; state: string }>(
        "SELECT run_id, kind, state FROM notifier_deliveries WHERE sink = 'github' AND run_id = ANY($1)",
        [ended.map((r) => r.id)],
      );
      if (rows.length >= ended.length && rows.every((r) => r.state === 'delivered')) return;
      if (Date.now() > deadline)
        throw new Error(
          `GitHub deliveries not delivered within ${timeoutMs} ms: ${JSON.stringify(rows)}\n${stack.tail()}`,
        );
      await sleep(500);
    }
  }

  it('starts every service as its own process with the replicas deployed', () => {
    const names = ['ingress', 'coordinator', 'gateway', 'agents', 'notifier'] as const;
    const counts = Object.fromEntries(
      names.map((n) => [n, stack.replicas(n).filter((p) => p.running).length]),
    );
    expect(counts).toEqual({ ingress: 1, coordinator: 2, gateway: 2, agents: 2, notifier: 1 });
    const pids = new Set(names.flatMap((n) => stack.replicas(n).map((p) => p.pid)));
    expect(pids.size).toBe(8);
    console.log(`stack ${stack.id} started in ${stack.startMs} ms`);
  });

  it('starts outside a checkout on the shipped workflows bundled with the CLI, and says where they came from', () => {
    for (const name of ['ingress', 'coordinator', 'gateway', 'agents', 'notifier'] as const) {
      for (const replica of stack.replicas(name)) {
        expect(replica.output()).toMatch(
          / {2}workflows \S+\/workflows: the shipped defaults bundled with the CLI \(no workflows\/ in \S+elsewhere or above/,
        );
      }
    }
  });

  it('runs the Android pull request, which two workflows review, to the end through every service', async () => {
    const delivery = await stack.pullRequestEvent(stack.sample('android-app').seed);
    const ended = await stack.waitForRuns(delivery);
    expect(ended.map((r) => r.status)).toEqual(ended.map(() => 'completed'));
    // The Android change triggers its own workflow and the general review.
    expect(ended.map((r) => r.workflow).sort()).toEqual(['android-review', 'pr-review']);
    await githubDelivered(ended);
    runs.set('android-app', ended);
  }, 300_000);

  it('speaks with one voice on the Android pull request that two workflows review', async () => {
    const state = await stack.github.state();
    const { headSha, number } = stack.sample('android-app').seed;
    const comments = state.issueComments.filter(
      (c) => c.repo === 'acme/android-app' && c.issue_number === number,
    );
    // One sticky comment with a section per workflow (it used to be one comment per workflow).
    expect(comments).toHaveLength(1);
    const sections = [...comments[0].body.matchAll(/<!-- agentflow:section workflow=(\S+) -->/g)].map(
      (m) => m[1],
    );
    expect(sections).toEqual(['android-review', 'pr-review']);
    // One review for the head, whichever workflow finished first.
    const reviews = state.reviews.filter((r) => r.repo === 'acme/android-app' && r.pull_number === number);
    expect(reviews.map((r) => r.commit_id)).toEqual([headSha]);
    // One inline comment per finding fingerprint (it used to be 14 for 7 findings).
    const inline = state.reviewComments.filter(
      (c) => c.repo === 'acme/android-app' && c.pull_number === number,
    );
    const fingerprints = inline.map((c) => /<!-- agentflow:finding (\S+) -->/.exec(c.body)?.[1]);
    expect(inline.length).toBeGreaterThan(0);
    expect(new Set(fingerprints).size).toBe(inline.length);
  });

  it("waits out GitHub's rate-limit answers on the iOS pull request and drops nothing", async () => {
    const since = (await stack.github.requests()).length;
    // A secondary limit that names no time on the comment (GitHub asks for at least a minute:
    // past what the notifier waits in place, so back to the bus and delivered again; it used to
    // be taken for a permission error and dropped), a short one on the review, the hourly quota
    // spent on a check-run update.
    const limits = [
      { method: 'POST', pathPattern: '^/repos/acme/ios-app/issues/\\d+/comments$', status: 403 as const },
      {
        method: 'POST',
        pathPattern: '^/repos/acme/ios-app/pulls/\\d+/reviews$',
        status: 429 as const,
        retryAfter: 1,
      },
      {
        method: 'PATCH',
        pathPattern: '^/repos/acme/ios-app/check-runs/\\d+$',
        kind: 'primary' as const,
        status: 403 as const,
        resetAfter: 3,
      },
    ];
    for (const rule of limits) await stack.github.rateLimitNext(rule);
    const delivery = await stack.pullRequestEvent(stack.sample('ios-app').seed);
    const ended = await stack.waitForRuns(delivery);
    expect(ended.map((r) => r.status)).toEqual(ended.map(() => 'completed'));
    expect(ended.map((r) => r.workflow)).toContain('pr-review');
    await githubDelivered(ended);
    runs.set('ios-app', ended);

    const requests = (await stack.github.requests(since)).filter((r) =>
      r.path.startsWith('/repos/acme/ios-app/'),
    );
    const limited = requests.filter((r) => r.status === 403 || r.status === 429);
    // Every limit that was answered was followed by the same write succeeding.
    expect(limited.length).toBeGreaterThanOrEqual(2);
    for (const l of limited) {
      const retried = requests.find(
        (r) => r.index > l.index && r.method === l.method && r.status < 300 && samePathKind(r, l),
      );
      expect({
        limited: `${l.method} ${l.path}`,
        retried: retried ? `${retried.method} ${retried.path} ${retried.status}` : 'never',
      }).toMatchObject({ retried: expect.stringMatching(/ 20\d$/) });
    }
    const state = await stack.github.state();
    const { number, headSha } = stack.sample('ios-app').seed;
    const comments = state.issueComments.filter(
      (c) => c.repo === 'acme/ios-app' && c.issue_number === number,
    );
    expect(comments).toHaveLength(1);
    for (const run of ended)
      expect(comments[0].body).toContain(`<!-- agentflow:section workflow=${run.workflow} -->`);
    const checks = state.checkRuns.filter((c) => c.repo === 'acme/ios-app' && c.head_sha === headSha);
    expect(checks.map((c) => c.status).sort()).toEqual(ended.map(() => 'completed'));
  }, 300_000);

  it('sent GitHub nothing its REST description does not allow', async () => {
    expect(await stack.github.violations()).toEqual([]);
  });

  it('writes each check run within its budget: created once, 2 writes for a run under 30 s, at most one more per 30 s', async () => {
    const requests = await stack.github.requests();
    const state = await stack.github.state();
    const perRun = checkRunWritesPerRun(requests, state.checkRuns);
    const all = [...runs.values()].flat();
    const { rows } = await stack.db.query<{ id: string; ms: string }>(
      'SELECT id, EXTRACT(EPOCH FROM (finished_at - requested_at)) * 1000 AS ms FROM runs WHERE id = ANY($1)',
      [all.map((r) => r.id)],
    );
    const lengthMs = new Map(rows.map((r) => [r.id, Number(r.ms)]));
    const report: Record<string, { ms: number; creates: number; updates: number; budget: number }> = {};
    for (const run of all) {
      const writes = perRun.get(run.id) ?? { creates: 0, updates: 0 };
      const ms = lengthMs.get(run.id)!;
      const annotations =
        state.checkRuns.find((c) => c.external_id === run.id)?.output.annotations.length ?? 0;
      const budget =
        2 +
        Math.floor(ms / PROGRESS_INTERVAL_MS) +
        Math.max(0, Math.ceil(annotations / ANNOTATIONS_PER_REQUEST) - 1);
      report[`${run.workflow} ${run.id.slice(0, 12)}`] = { ms: Math.round(ms), ...writes, budget };
      expect(writes.creates).toBe(1);
      expect(writes.creates + writes.updates).toBeLessThanOrEqual(budget);
      if (ms < PROGRESS_INTERVAL_MS && annotations <= ANNOTATIONS_PER_REQUEST)
        expect(writes.creates + writes.updates).toBeLessThanOrEqual(2);
    }
    console.log(`check-run writes per run: ${JSON.stringify(report)}`);
  });

  it('keeps GitHub writes within the budget: one comment write per run, one review per pull request and head', async () => {
    const requests = await stack.github.requests();
    const report: Record<string, GitHubWrites & { runs: number }> = {};
    for (const [repo, ended] of runs) {
      const writes = countGitHubWrites(requests, `acme/${repo}`);
      report[repo] = { ...writes, runs: ended.length };
      expect(writes.commentCreates).toBe(1);
      expect(writes.commentCreates + writes.commentUpdates).toBeLessThanOrEqual(ended.length);
      // One review per pull request and head, however many workflows ran on it.
      expect(writes.reviews).toBeLessThanOrEqual(1);
      expect(writes.reviewComments).toBe(0);
      expect(writes.other).toEqual([]);
    }
    console.log(`GitHub writes per pull request: ${JSON.stringify(report)}`);
  });

  it('kills a replica and starts it again (the chaos tests reuse this)', async () => {
    const replica = stack.replica('coordinator', 2);
    const pid = replica.pid!;
    await stack.kill('coordinator', 2);
    expect(replica.running).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();
    await stack.restart('coordinator', 2);
    expect(replica.running).toBe(true);
    expect((await fetch(`${stack.url('coordinator-2')}/ready`)).status).toBe(200);
  }, 150_000);
});

/** The same endpoint: ids in the path may differ (a check run's id), the kind of resource may not. */
function samePathKind(a: FakeRequestRecord, b: FakeRequestRecord): boolean {
  return a.path.replace(/\/\d+/g, '/N') === b.path.replace(/\/\d+/g, '/N');
}
