/**
 * Issue 17, defect 1 on the separate-process stack: GitHub answering every write 1.5 s late, 20
 * pull requests in a few seconds, two notifier replicas on a database pool of 3 connections each.
 * The notifier used to take every pool connection with lock waiters and wedge for good (17
 * deliveries left `claimed`, 11 runs without a comment or a check run, nothing logged). Now every
 * run gets its comment and its check run, and no delivery stays claimed.
 */
import { execFileSync } from 'node:child_process';
import type { SeedPullRequest } from '@agentflow/fake-platforms';
import { SAMPLE_APPS } from '../../cli/src/demo/sample-repos';
import { startStack, type RunRow, type Stack } from './stack';

const PULL_REQUESTS = 20;
const WRITE_LATENCY_MS = 1500;

/** Log lines of a process at error level (pino level 50 and up). */
function errorLines(output: string): string[] {
  return output.split('\n').filter((line) => {
    try {
      return (JSON.parse(line) as { level?: number }).level! >= 50;
    } catch {
      return /\bERROR\b/.test(line);
    }
  });
}

function warnLines(output: string): string[] {
  return output.split('\n').filter((line) => {
    try {
      return (JSON.parse(line) as { level?: number }).level === 40;
    } catch {
      return /\bWARN\b/.test(line);
    }
  });
}

describe('the notifier with a slow GitHub, 20 pull requests and a small pool (separate processes)', () => {
  let stack: Stack;
  const seeds: SeedPullRequest[] = [];
  const ended: RunRow[] = [];

  beforeAll(async () => {
    stack = await startStack({
      samples: SAMPLE_APPS.filter((a) => a.repo === 'ios-app'),
      replicas: { coordinator: 1, gateway: 1, agents: 1, notifier: 2 },
      serviceEnv: { notifier: { DATABASE_POOL_SIZE: '3' } },
    });
    const sample = stack.sample('ios-app');
    // One head per pull request (check runs belong to a head): an empty commit each on the sample's branch.
    for (let i = 0; i < PULL_REQUESTS; i++) {
      const number = 200 + i;
      execFileSync('git', [
        '-C',
        sample.checkout,
        'checkout',
        '-q',
        '-B',
        `pr-${number}`,
        sample.seed.headSha,
      ]);
      execFileSync('git', [
        '-C',
        sample.checkout,
        '-c',
        'user.name=dev',
        '-c',
        'user.email=dev@example.com',
        'commit',
        '-q',
        '--allow-empty',
        '-m',
        `pull request ${number}`,
      ]);
      const headSha = execFileSync('git', ['-C', sample.checkout, 'rev-parse', 'HEAD'], {
        encoding: 'utf8',
      }).trim();
      const seed = {
        ...sample.seed,
        number,
        headSha,
        headRef: `pr-${number}`,
        title: `${sample.seed.title} (${number})`,
      };
      await stack.github.seedPullRequest(seed);
      seeds.push(seed);
    }
    execFileSync('git', [
      '-C',
      sample.checkout,
      'checkout',
      '-q',
      sample.seed.headRef ?? sample.seed.headSha,
    ]);
    await stack.github.setWriteLatency(WRITE_LATENCY_MS);
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it('gives every run its comment and its check run, and leaves no delivery claimed', async () => {
    // 20 pull requests within about 4 s.
    const deliveries: string[] = [];
    for (const seed of seeds) {
      deliveries.push(await stack.pullRequestEvent(seed));
      await new Promise((r) => setTimeout(r, 200));
    }
    for (const delivery of deliveries)
      ended.push(...(await stack.waitForRuns(delivery, { timeoutMs: 300_000 })));
    expect(ended.map((r) => r.status)).toEqual(ended.map(() => 'completed'));

    const state = await stack.github.state();
    for (const seed of seeds) {
      const runs = ended.filter((r) => r.pr === seed.number);
      expect(runs.length).toBeGreaterThan(0);
      expect(
        state.issueComments.filter((c) => c.repo === 'acme/ios-app' && c.issue_number === seed.number),
      ).toHaveLength(1);
      for (const run of runs) {
        const checks = state.checkRuns.filter((c) => c.external_id === run.id);
        expect(checks.map((c) => [c.head_sha, c.status])).toEqual([[seed.headSha, 'completed']]);
      }
    }
    const claimed = await stack.db.query(
      'SELECT run_id, sink, kind FROM notifier_deliveries WHERE state = $1',
      ['claimed'],
    );
    expect(claimed.rows).toEqual([]);
    const notifierOutput = stack
      .replicas('notifier')
      .map((p) => p.output())
      .join('\n');
    expect(errorLines(notifierOutput)).toEqual([]);
    const warns = warnLines(notifierOutput);
    console.log(
      `${ended.length} runs on ${seeds.length} pull requests settled; notifier warn lines: ${warns.length}${warns.length ? `\n${warns.slice(0, 10).join('\n')}` : ''}`,
    );
  }, 420_000);
});
