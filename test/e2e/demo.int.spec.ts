/**
 * `agentflow demo` in-process, offline: the comment the demo prints for each sample pull request is
 * the one the fake GitHub stored, the check run and Slack message it reports are the stored ones,
 * and the database row counts it prints are the tables' real counts.
 */
jest.mock(
  '@octokit/webhooks-methods',
  () => jest.requireActual(`${process.cwd()}/node_modules/@octokit/webhooks-methods/dist-node/index.js`),
  { virtual: true },
);

import { renderDemoResult, vendorBanner } from '../../cli/src/commands/demo';
import { DEMO_TABLES, runDemo, type DemoResult } from '../../cli/src/demo/run-demo';
import { ProgressDisplay } from '../../cli/src/progress/progress';

interface Stored {
  comments: Record<string, string[]>;
  checks: Record<string, Array<{ name: string; conclusion: string | null }>>;
  slack: Array<{ channel: string; text: string }>;
  counts: Record<string, number>;
}

describe('agentflow demo (offline, embedded stack)', () => {
  let result: DemoResult;
  let printed = '';
  const stored: Stored = { comments: {}, checks: {}, slack: [], counts: {} };

  beforeAll(async () => {
    const env = { ...process.env, ANTHROPIC_API_KEY: '', OPENAI_API_KEY: '' };
    const progress = new ProgressDisplay({ write: (t) => void (printed += t) }, { colour: false });
    result = await runDemo({
      env,
      progress,
      timeoutMs: 150_000,
      beforeShutdown: async (stack) => {
        for (const s of stack.samples) {
          const repo = `${s.seed.owner}/${s.seed.repo}`;
          stored.comments[repo] = stack.github.state.commentsOn(repo, s.seed.number).map((c) => c.body);
          stored.checks[repo] = stack.github.state.checkRuns
            .filter((c) => c.repo === repo && c.status === 'completed')
            .map((c) => ({ name: c.name, conclusion: c.conclusion }));
        }
        stored.slack = stack.slack.messages.map((m) => ({ channel: m.channel, text: m.text }));
        for (const table of DEMO_TABLES)
          stored.counts[table] = Number(
            (await stack.running.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n,
          );
      },
    });
    printed += renderDemoResult(result);
  }, 240_000);

  it('says plainly that it runs offline', () => {
    expect(result.vendor.kind).toBe('offline');
    expect(vendorBanner(result)).toMatch(/OFFLINE/);
    expect(vendorBanner(result)).toMatch(/simulated/i);
  });

  it('prints, for each sample pull request, the summary comment exactly as the fake GitHub stored it', () => {
    expect(result.pullRequests.map((p) => p.repo).sort()).toEqual(['acme/android-app', 'acme/ios-app']);
    for (const pr of result.pullRequests) {
      const bodies = stored.comments[pr.repo];
      expect(bodies.length).toBeGreaterThan(0);
      expect(pr.summaryComments.map((c) => c.body)).toEqual(bodies);
      for (const body of bodies) {
        expect(body).toContain('agentflow:summary');
        // Printed indented by four spaces, line for line.
        expect(printed).toContain(
          body
            .split('\n')
            .map((l) => (l ? `    ${l}` : l))
            .join('\n'),
        );
      }
    }
  });

  it('labels what the fake vendor said as simulated and keeps the analysers findings real', () => {
    const all = Object.values(stored.comments).flat().join('\n');
    expect(all).toContain('[simulated]');
    // The planted hard-coded token in the iOS sample is found by the deterministic secret rule.
    expect(stored.comments['acme/ios-app'].join('\n')).toMatch(
      /TokenStore\.swift:10` A hard-coded token is committed/,
    );
  });

  it('reports the check runs and the Slack message that were stored', () => {
    for (const pr of result.pullRequests) {
      for (const check of pr.checkRuns.filter((c) => c.status === 'completed')) {
        expect(stored.checks[pr.repo]).toContainEqual({ name: check.name, conclusion: check.conclusion });
        expect(printed).toContain(`${check.name}: completed, conclusion ${check.conclusion}`);
      }
    }
    expect(result.slackMessages.length).toBeGreaterThan(0);
    expect(result.slackMessages).toEqual(stored.slack);
    expect(result.slackMessages.every((m) => m.channel === '#mobile-reviews')).toBe(true);
  });

  it('prints the database row counts the tables really hold', () => {
    expect(result.rowCounts).toEqual(stored.counts);
    for (const [table, n] of Object.entries(stored.counts))
      expect(printed).toMatch(new RegExp(`${table}\\s+${n}(\\n|$)`));
    expect(stored.counts.webhook_deliveries).toBe(2);
    const runs = result.pullRequests.flatMap((p) => p.runs);
    expect(stored.counts.runs).toBe(runs.length);
    expect(runs.every((r) => r.status === 'completed')).toBe(true);
    expect(stored.counts.findings).toBeGreaterThan(0);
    expect(stored.counts.cost_ledger).toBeGreaterThan(0);
    expect(result.cost.totalUsd).toBeGreaterThan(0);
  });
});
