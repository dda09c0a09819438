import type { RunReport } from '@agentflow/contracts';
import { startFakeSlack, type FakeSlack } from '@agentflow/fake-platforms';
import { PgliteDatabase, runMigrations, type SqlDatabase } from '@agentflow/store';
import { NotificationDispatcher } from '../../dispatcher';
import { DeliveryLedger } from '../../ledger/delivery-ledger';
import type { Sink } from '../sink';
import { checkTitle } from '../github/check-run';
import { OUTAGE_QUIET_MS, POSTING_STALE_MS, SlackSink } from './slack-sink';

const report = (runId: string, over: Partial<RunReport> = {}): RunReport => ({
  runId,
  workflow: 'swift-review',
  change: { platform: 'github', repo: 'acme/ios-app', pr: 7, headSha: 'h'.repeat(40) },
  findings: [],
  findingStates: {},
  notReviewed: [],
  proposedFiles: [],
  steps: {},
  usage: {
    inputTokens: 10,
    outputTokens: 5,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: 0.01,
    vendorMs: 1,
    models: ['m'],
  },
  startedAt: 0,
  finishedAt: 1,
  gateConclusion: 'success',
  gateSummary: 'ok',
  rollout: 'comment',
  outputs: { slack: true, slackChannel: '#reviews' },
  ...over,
});

describe('Slack sink and the dispatcher', () => {
  let db: SqlDatabase;
  let slack: FakeSlack;
  let sink: SlackSink;
  const log = { log: () => undefined, warn: () => undefined, error: () => undefined };
  let now = new Date('2026-11-20T00:00:00Z').getTime();

  beforeAll(async () => {
    db = await PgliteDatabase.open();
    await runMigrations(db);
    slack = await startFakeSlack();
    sink = new SlackSink({
      db,
      token: 'xoxb-test',
      apiUrl: slack.apiUrl,
      alertChannel: '#alerts',
      monthlyBudgetUsd: 10,
      maxWaitMs: 2000,
      clock: () => new Date(now),
    });
  });
  afterAll(async () => {
    await slack.close();
    await db.close();
  });

  it('sends one message when a vendor outage starts and one when it ends, not one per run, and does not flap', async () => {
    const outage = () =>
      slack.messages.filter((m) => m.text.includes('outage')).map((m) => m.text.split(':')[0]);
    // At 30 % vendor faults runs alternate degraded and healthy, a minute apart: one start, no end.
    for (let i = 0; i < 8; i++) {
      await sink.deliver({
        kind: 'completed',
        report: report(`o${i}`, { degraded: i % 2 === 0, outputs: {} }),
      });
      now += 60_000;
    }
    expect(outage()).toEqual(['AI vendor outage started']);
    // Quiet for the whole period since the last degraded run: the next healthy run ends it, once.
    now += OUTAGE_QUIET_MS;
    await sink.deliver({ kind: 'completed', report: report('o-healthy-1', { outputs: {} }) });
    await sink.deliver({ kind: 'completed', report: report('o-healthy-2', { outputs: {} }) });
    expect(outage()).toEqual(['AI vendor outage started', 'AI vendor outage ended']);
    now = new Date('2026-11-20T00:00:00Z').getTime();
  });

  it('alerts a failed run, but not a run superseded by a newer push or cancelled by a person', async () => {
    const failures = () => slack.messages.filter((m) => m.text.startsWith('agentflow swift-review failed'));
    const before = failures().length;
    const failed = (runId: string, code: string, reason: string) => ({
      kind: 'failed' as const,
      failure: { runId, code, reason, partial: report(runId, { outputs: {} }) },
      report: report(runId, { outputs: {} }),
    });
    await sink.deliver(failed('f-superseded', 'superseded', 'superseded by run f-newer'));
    await sink.deliver(failed('f-cancelled', 'cancelled', 'cancelled by lead'));
    expect(failures()).toHaveLength(before);
    await sink.deliver(failed('f-real', 'step_failed', 'step review failed'));
    expect(failures()).toHaveLength(before + 1);
  });

  it('alerts at 50, 80 and 100 % of the monthly budget, once each', async () => {
    const spend = async (usd: number) =>
      db.query(
        `INSERT INTO cost_ledger (request_id, occurred_at, provider, model, cost_usd) VALUES ($1, '2026-11-19T00:00:00Z', 'anthropic', 'm', $2)`,
        [`req-${usd}-${Math.random()}`, usd],
      );
    const budget = () =>
      slack.messages.filter((m) => m.text.startsWith('agentflow budget')).map((m) => m.text.split(':')[0]);
    await spend(6);
    await sink.deliver({ kind: 'completed', report: report('b1', { outputs: {} }) });
    await sink.deliver({ kind: 'completed', report: report('b2', { outputs: {} }) });
    expect(budget()).toEqual(['agentflow budget 50% used']);
    await spend(5);
    await sink.deliver({ kind: 'completed', report: report('b3', { outputs: {} }) });
    expect(budget()).toEqual([
      'agentflow budget 50% used',
      'agentflow budget 80% used',
      'agentflow budget 100% used',
    ]);
  });

  it('honours a 429 with Retry-After and posts the run summary with Block Kit', async () => {
    slack.failNext({ path: 'chat.postMessage', status: 429, retryAfter: 1 });
    const result = await sink.deliver({ kind: 'completed', report: report('s1') });
    expect(result.state).toBe('delivered');
    const summary = slack.messages.find((m) => m.channel === '#reviews' && m.text.includes('swift-review'));
    expect(summary?.blocks[0]).toMatchObject({ type: 'header' });
    expect(slack.requests.filter((r) => r.path === '/api/chat.postMessage' && r.status === 429)).toHaveLength(
      1,
    );
  });

  it('says a review whose test runner failed on red CI is incomplete, names the step and what CI said, as the check run does', async () => {
    const ci =
      'CI iOS tests ended failure on 0123456789ab: 1 test failed: CheckoutViewTests.testTotal: XCTAssertEqual failed: ("4") is not equal to ("5") (https://ci.example/runs/9)';
    const red = report('s-red-ci', {
      incompleteSteps: ['execution.test-runner'],
      steps: {
        'review.swift': { state: 'succeeded', attempts: 1, durationMs: 5 },
        'execution.test-runner': {
          state: 'failed',
          attempts: 1,
          durationMs: 9,
          errorCode: 'ci_failed',
          errorMessage: ci,
        },
      },
      gateSummary:
        'success: no finding at or above major; incomplete: execution.test-runner failed (CI iOS tests ended failure)',
    });
    expect((await sink.deliver({ kind: 'completed', report: red })).state).toBe('delivered');
    const summary = slack.messages.find(
      (m) => m.channel === '#reviews' && m.metadata?.event_payload.key === 'slack:summary:s-red-ci:#reviews',
    );
    // The check run's title names the step the same way.
    const said = checkTitle(red).split(' · ')[1];
    expect(said).toBe('incomplete: execution.test-runner did not finish');
    expect(summary?.text).toBe(`agentflow swift-review: acme/ios-app#7 success · ${said}`);
    const texts = (summary?.blocks ?? []).map((b) => (b as { text?: { text?: string } }).text?.text ?? '');
    expect(texts[1]).toMatch(/\nCheck: \*success\* · incomplete: execution\.test-runner did not finish$/);
    expect(texts[2]).toBe(
      `:warning: *The review is incomplete*\n• \`execution.test-runner\` failed: ${ci.replace(/</g, '&lt;').replace(/>/g, '&gt;')}`,
    );

    // A run whose steps all delivered reads as before: no warning, nothing incomplete.
    await sink.deliver({ kind: 'completed', report: report('s-clean') });
    const clean = slack.messages.find(
      (m) => m.channel === '#reviews' && m.metadata?.event_payload.key === 'slack:summary:s-clean:#reviews',
    );
    expect(clean?.text).toBe('agentflow swift-review: acme/ios-app#7 success');
    expect(JSON.stringify(clean?.blocks)).not.toMatch(/incomplete|:warning:/);
  });

  it('keeps the other sinks going when one fails, retries only the failed one, then reports it', async () => {
    let calls = 0;
    const flaky: Sink = {
      name: 'flaky',
      target: () => 'flaky:1',
      deliver: async () => {
        calls += 1;
        throw Object.assign(new Error('HTTP 502'), { retryable: true });
      },
    };
    let good = 0;
    const steady: Sink = {
      name: 'steady',
      target: () => 'steady:1',
      deliver: async () => {
        good += 1;
        return { state: 'delivered', detail: 'ok' };
      },
    };
    const reported: string[] = [];
    const dispatcher = new NotificationDispatcher(
      [flaky, steady],
      new DeliveryLedger(db),
      log,
      3,
      async (failed) => void reported.push(failed.sink),
    );
    const event = { kind: 'completed' as const, report: report('d1') };
    await expect(dispatcher.dispatch(event, 1)).rejects.toMatchObject({ retryable: true });
    await expect(dispatcher.dispatch(event, 2)).rejects.toMatchObject({ retryable: true });
    const last = await dispatcher.dispatch(event, 3);
    expect(good).toBe(1);
    expect(calls).toBe(3);
    expect(last.map((o) => [o.sink, o.state])).toEqual([
      ['flaky', 'failed'],
      ['steady', 'already'],
    ]);
    expect(reported).toEqual(['flaky']);
    const rows = await new DeliveryLedger(db).list('d1');
    expect(rows.map((r) => [r.sink, r.state, r.attempts])).toEqual([
      ['flaky', 'failed', 3],
      ['steady', 'delivered', 1],
    ]);
  });

  describe("a notifier killed after Slack's chat.postMessage and before it recorded the post (issue 17, defect 3)", () => {
    /** The database as a process sees it that dies right after Slack answered the post: its next write never happens. */
    const dyingAfterPost = (real: SqlDatabase): SqlDatabase => {
      let dead = false;
      return new Proxy(real, {
        get(target, prop, receiver) {
          if (prop !== 'query') return Reflect.get(target, prop, receiver);
          return async (text: string, params?: unknown[]) => {
            if (dead || /SET state = 'sent'/.test(text)) {
              dead = true;
              throw new Error('SIGKILL: the process died here');
            }
            return target.query(text, params);
          };
        },
      });
    };
    /** Messages in #reviews that carry the run's summary key in their metadata. */
    const summaries = (runId: string) =>
      slack.messages.filter(
        (m) =>
          m.channel === '#reviews' && m.metadata?.event_payload.key === `slack:summary:${runId}:#reviews`,
      );
    const inReviews = () => slack.messages.filter((m) => m.channel === '#reviews').length;
    const historyCalls = () => slack.requests.filter((r) => r.path === '/api/conversations.history').length;

    it('the redelivery finds the first summary by its metadata in the channel history and posts no second one', async () => {
      // Slack's message timestamps are the real time; so is the record's.
      now = Date.now();
      const historyBefore = historyCalls();
      const postedBefore = inReviews();
      const event = {
        kind: 'completed' as const,
        report: report('crash-1', { outputs: { slack: true, slackChannel: '#reviews' } }),
      };
      const doomed = new SlackSink({
        db: dyingAfterPost(db),
        token: 'xoxb-test',
        apiUrl: slack.apiUrl,
        maxWaitMs: 2000,
        clock: () => new Date(now),
      });
      await expect(
        new NotificationDispatcher([doomed], new DeliveryLedger(db), log, 5).dispatch(event, 1),
      ).rejects.toThrow('SIGKILL');
      expect(summaries('crash-1')).toHaveLength(1);
      // A first post searches nothing: the history is read only after a crash.
      expect(historyCalls()).toBe(historyBefore);

      // Another replica (no cache of channel IDs) gets the redelivery after the ack wait.
      now += POSTING_STALE_MS + 1000;
      const warnings: string[] = [];
      const survivor = new SlackSink({
        db,
        token: 'xoxb-test',
        apiUrl: slack.apiUrl,
        maxWaitMs: 2000,
        clock: () => new Date(now),
        log: { warn: (m) => warnings.push(m) },
      });
      const ledger = new DeliveryLedger(db);
      const outcomes = await new NotificationDispatcher([survivor], ledger, log, 5).dispatch(event, 2);
      expect(outcomes).toEqual([
        expect.objectContaining({ sink: 'slack', state: 'delivered', detail: 'summary to #reviews' }),
      ]);
      expect(summaries('crash-1')).toHaveLength(1);
      expect(inReviews()).toBe(postedBefore + 1);
      expect(summaries('crash-1')[0].metadata?.event_type).toBe('agentflow_post');
      expect(historyCalls()).toBeGreaterThan(historyBefore);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/posted to #reviews .* stopped before recording it .* not posted again/);
      // A third delivery finds the record and touches neither Slack nor its history.
      const historyAfter = historyCalls();
      expect(await survivor.deliver(event)).toMatchObject({ state: 'skipped' });
      expect(summaries('crash-1')).toHaveLength(1);
      expect(historyCalls()).toBe(historyAfter);
    });

    it('a process killed before its post posts once on the redelivery', async () => {
      // Slack's message timestamps are the real time; so is the record's.
      now = Date.now();
      const event = {
        kind: 'completed' as const,
        report: report('crash-2', { outputs: { slack: true, slackChannel: '#reviews' } }),
      };
      // The record is written, then the process dies before chat.postMessage.
      await db.query(
        `INSERT INTO notifier_alerts (key, state, detail, updated_at) VALUES ($1, 'posting', '#reviews', $2)`,
        ['slack:summary:crash-2:#reviews', new Date(now).toISOString()],
      );
      now += POSTING_STALE_MS + 1000;
      const warnings: string[] = [];
      const survivor = new SlackSink({
        db,
        token: 'xoxb-test',
        apiUrl: slack.apiUrl,
        maxWaitMs: 2000,
        clock: () => new Date(now),
        log: { warn: (m) => warnings.push(m) },
      });
      expect(await survivor.deliver(event)).toMatchObject({ state: 'delivered' });
      expect(summaries('crash-2')).toHaveLength(1);
      expect(warnings).toEqual([]);
      expect(await survivor.deliver(event)).toMatchObject({ state: 'skipped' });
      expect(summaries('crash-2')).toHaveLength(1);
    });

    it('while the first delivery may still be posting, a second one waits instead of posting', async () => {
      // Slack's message timestamps are the real time; so is the record's.
      now = Date.now();
      const event = {
        kind: 'completed' as const,
        report: report('crash-3', { outputs: { slack: true, slackChannel: '#reviews' } }),
      };
      await db.query(
        `INSERT INTO notifier_alerts (key, state, detail, updated_at) VALUES ($1, 'posting', '#reviews', $2)`,
        ['slack:summary:crash-3:#reviews', new Date(now).toISOString()],
      );
      now += 5000;
      const other = new SlackSink({
        db,
        token: 'xoxb-test',
        apiUrl: slack.apiUrl,
        maxWaitMs: 2000,
        clock: () => new Date(now),
      });
      await expect(other.deliver(event)).rejects.toMatchObject({
        retryable: true,
        retryAfterMs: POSTING_STALE_MS - 5000,
      });
      expect(summaries('crash-3')).toHaveLength(0);
    });

    it('a post Slack refused leaves no record behind, so the retry posts without a search', async () => {
      const event = {
        kind: 'completed' as const,
        report: report('refused-1', { outputs: { slack: true, slackChannel: '#reviews' } }),
      };
      const historyBefore = historyCalls();
      slack.failNext({ path: 'chat.postMessage', status: 500 });
      await expect(sink.deliver(event)).rejects.toMatchObject({ retryable: true });
      expect(await sink.deliver(event)).toMatchObject({ state: 'delivered' });
      expect(summaries('refused-1')).toHaveLength(1);
      expect(historyCalls()).toBe(historyBefore);
    });
  });
});
