/**
 * Slack: run summaries for channels that ask (`output.slack_channel`), and alerts to the alert
 * channel: failed runs, fallbacks, budget thresholds (50, 80, 100 % of the month, once each), and a
 * vendor outage (one message when it starts, one when it ends, never one per run). Also a workflow's
 * run-level `notify:` alerts (to the channel it names) and the gateway's budget alerts, once each.
 *
 * "Once" survives a crash between Slack's write and our record of it: a post is recorded as
 * `posting` before it is made and carries its key in the message's metadata, so a delivery that
 * finds a `posting` record left behind searches the channel's history since then for that key
 * before posting again (issue 17, defect 3: 15 pull requests got two summaries).
 */
import { WebClient } from '@slack/web-api';
import {
  TransientError,
  describeError,
  isRetryable,
  type BudgetThresholdAlert,
  type RunAlert,
  type RunReport,
} from '@agentflow/contracts';
import type { SqlDatabase } from '@agentflow/store';
import type { NotifierEvent } from '../../events';
import { checkConclusion, unjudgedReason } from '../../render/conclusion';
import { readOutputs } from '../../render/outputs';
import { formatUsd } from '../../render/summary';
import { withRetryAfter } from '../retry-after';
import type { Sink, SinkResult } from '../sink';
import { alertMessage, runSummaryMessage, type SlackMessage } from './slack-blocks';

export interface SlackSinkOptions {
  db: SqlDatabase;
  /** Bot token for the Web API; or an incoming webhook URL. */
  token?: string;
  webhookUrl?: string;
  /** Web API base URL (a fake in tests). */
  apiUrl?: string;
  defaultChannel?: string;
  alertChannel?: string;
  monthlyBudgetUsd?: number;
  maxWaitMs: number;
  clock?: () => Date;
  log?: { warn(message: string): void };
}

/** `metadata.event_type` of every message the sink posts; `event_payload.key` is its once-key. */
export const SLACK_POST_EVENT_TYPE = 'agentflow_post';
/**
 * A `posting` record younger than this belongs to a delivery that may still be posting; an older
 * one was left by a crash (a post takes at most the in-place Retry-After wait and Slack's answer).
 */
export const POSTING_STALE_MS = 60_000;
/** History pages searched for an earlier post (200 messages each) before posting again. */
const HISTORY_PAGES = 5;

export const BUDGET_THRESHOLDS = [50, 80, 100] as const;
const OUTAGE_KEY = 'outage:vendors';
const OUTAGE_PATTERN = /all_providers_failed|breaker|outage|overloaded|vendor/i;
/**
 * An outage ends only after this long without a sign of it: at 30 % vendor faults, runs alternate
 * between degraded and healthy, and without a quiet period each pair posted a start and an end.
 */
export const OUTAGE_QUIET_MS = 5 * 60_000;
/**
 * Run endings that are nobody's failure: a newer push superseded the run, or a person cancelled it.
 * The database records them; the alert channel is for runs that failed.
 */
const NOT_A_FAILURE = new Set(['superseded', 'cancelled']);

/** Why a run points at a vendor outage, or null. */
export function outageSign(event: NotifierEvent): string | null {
  if (event.kind === 'failed' && event.failure.code === 'all_providers_failed') return event.failure.reason;
  if (event.kind !== 'completed' && event.kind !== 'failed') return null;
  const reason = unjudgedReason(event.report);
  return reason && (event.report.degraded || OUTAGE_PATTERN.test(reason)) ? reason : null;
}

export class SlackSink implements Sink {
  readonly name = 'slack';
  private readonly client?: WebClient;
  /** Channel name -> ID, from Slack's answers (conversations.history takes IDs only). */
  private readonly channelIds = new Map<string, string>();

  constructor(private readonly o: SlackSinkOptions) {
    if (o.token)
      this.client = new WebClient(o.token, {
        slackApiUrl: o.apiUrl,
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
      });
  }

  target(event: NotifierEvent): string | null {
    if (!this.client && !this.o.webhookUrl) return null;
    if (event.kind === 'alert') {
      const channel = this.runAlertChannel(event.alert);
      return channel ? `slack:${channel}` : null;
    }
    if (event.kind === 'budget-alert')
      return this.o.alertChannel || this.o.webhookUrl ? `slack:${this.o.alertChannel ?? 'webhook'}` : null;
    if (event.kind !== 'completed' && event.kind !== 'failed') return null;
    return `slack:${this.o.alertChannel ?? this.o.defaultChannel ?? 'webhook'}`;
  }

  /** The workflow's `notify:` channel, else the alert channel; an incoming webhook posts where it was set up. */
  private runAlertChannel(alert: RunAlert): string | undefined {
    return alert.target.trim() || this.o.alertChannel || (this.o.webhookUrl ? 'webhook' : undefined);
  }

  async deliver(event: NotifierEvent): Promise<SinkResult> {
    if (event.kind === 'alert') return this.runAlert(event.alert);
    if (event.kind === 'budget-alert') return this.gatewayBudgetAlert(event.alert);
    if (event.kind !== 'completed' && event.kind !== 'failed')
      return { state: 'skipped', detail: 'not a run result' };
    const report = event.report;
    const sent: string[] = [];
    const outputs = readOutputs(report, 8);
    if (event.kind === 'completed' && outputs.slack && report.rollout !== 'off') {
      const channel = outputs.slackChannel ?? this.o.defaultChannel;
      if (channel) {
        const { conclusion } = checkConclusion(report, false);
        if (
          await this.once(
            `summary:${report.runId}:${channel}`,
            channel,
            runSummaryMessage(report, conclusion),
          )
        )
          sent.push(`summary to ${channel}`);
      }
    }
    const alerts = this.o.alertChannel;
    if (alerts) {
      if (
        event.kind === 'failed' &&
        !NOT_A_FAILURE.has(event.failure.code) &&
        (await this.once(
          `failure:${report.runId}`,
          alerts,
          alertMessage(
            'failure',
            `agentflow ${report.workflow} failed on ${label(report)}`,
            `${event.failure.code}: ${event.failure.reason}`,
          ),
        ))
      )
        sent.push('failure alert');
      if (
        event.kind === 'completed' &&
        report.degraded &&
        (await this.once(
          `fallback:${report.runId}`,
          alerts,
          alertMessage(
            'fallback',
            `agentflow ${report.workflow} fell back on ${label(report)}`,
            unjudgedReason(report) ?? 'a fallback provider or rule set was used',
          ),
        ))
      )
        sent.push('fallback alert');
      sent.push(...(await this.outage(alerts, event)));
      sent.push(...(await this.budget(alerts)));
    }
    return sent.length
      ? { state: 'delivered', detail: sent.join(', '), data: { sent } }
      : { state: 'skipped', detail: 'nothing to post' };
  }

  private async runAlert(alert: RunAlert): Promise<SinkResult> {
    const channel = this.runAlertChannel(alert);
    if (!channel) return { state: 'skipped', detail: 'no Slack channel for the alert' };
    const where = `${alert.change.repo}${alert.change.pr ? `#${alert.change.pr}` : `@${alert.change.headSha.slice(0, 12)}`}`;
    const posted = await this.once(
      `run-alert:${alert.runId}:${alert.code}:${alert.stepId ?? '-'}`,
      channel,
      alertMessage(
        'failure',
        `agentflow ${alert.workflow} on ${where}${alert.stepId ? `, step ${alert.stepId}` : ''}: ${alert.code}`,
        `${alert.message} (run ${alert.runId})`,
      ),
    );
    return posted
      ? { state: 'delivered', detail: `alert to ${channel}`, data: { sent: [`alert to ${channel}`] } }
      : { state: 'skipped', detail: 'alert already posted' };
  }

  /** The gateway's budget alerts: once per budget, window and threshold, to the alert channel. */
  private async gatewayBudgetAlert(alert: BudgetThresholdAlert): Promise<SinkResult> {
    const channel = this.o.alertChannel ?? 'webhook';
    const percent = Math.round(alert.threshold * 100);
    const posted = await this.once(
      `gateway-budget:${alert.budget}:${alert.period}:${percent}`,
      channel,
      alertMessage(
        'budget',
        `agentflow budget ${alert.budget} ${percent}% used`,
        `${formatUsd(alert.spentUsd)} of ${formatUsd(alert.limitUsd)} spent in ${alert.period}.${percent >= 100 ? ' New work under this budget is refused until the period ends or the budget is raised.' : ''}`,
      ),
    );
    return posted
      ? {
          state: 'delivered',
          detail: `budget ${percent}% to ${channel}`,
          data: { sent: [`budget ${alert.budget} ${percent}%`] },
        }
      : { state: 'skipped', detail: 'budget alert already posted' };
  }

  /** Reports another sink's delivery that failed for good, to the alert channel. */
  async reportDeliveryFailure(sink: string, target: string, runId: string, detail: string): Promise<void> {
    if (!this.o.alertChannel || (!this.client && !this.o.webhookUrl)) return;
    await this.once(
      `delivery:${sink}:${target}:${runId}`,
      this.o.alertChannel!,
      alertMessage('delivery', `agentflow could not deliver run ${runId} to ${sink} (${target})`, detail),
    );
  }

  /**
   * Posts `message` to `channel` once under `key`; false when it was already sent. Recorded as
   * `posting` before the post and `sent` after it; a `posting` record left by a crash is resolved by
   * a search of the channel's history for the key in the messages' metadata before posting again.
   */
  private async once(key: string, channel: string, message: SlackMessage): Promise<boolean> {
    const k = `slack:${key}`;
    const now = this.now();
    const claimed = await this.o.db.query(
      `INSERT INTO notifier_alerts (key, state, detail, updated_at) VALUES ($1, 'posting', $2, $3) ON CONFLICT (key) DO NOTHING RETURNING key`,
      [k, channel, now.toISOString()],
    );
    if (claimed.rows.length === 0) {
      const { rows } = await this.o.db.query<{ state: string; updated_at: Date | string }>(
        'SELECT state, updated_at FROM notifier_alerts WHERE key = $1',
        [k],
      );
      if (!rows[0] || rows[0].state !== 'posting') return false;
      const since = new Date(rows[0].updated_at);
      const age = now.getTime() - since.getTime();
      if (age < POSTING_STALE_MS) {
        throw new TransientError(
          `Slack: another delivery began posting ${key} to ${channel} ${Math.round(age / 1000)} s ago and has not recorded it; tried again once that post has had time to finish`,
          { retryAfterMs: POSTING_STALE_MS - age },
        );
      }
      const found = await this.findEarlierPost(channel, k, since);
      if (found) {
        this.o.log?.warn(
          `notifier: Slack ${key} was posted to ${channel} (ts ${found.ts}) by a delivery that stopped before recording it (a crash or a stall); recorded now, not posted again`,
        );
        await this.record(k, found.channelId, found.ts);
        return true;
      }
      await this.o.db.query('UPDATE notifier_alerts SET updated_at = $2 WHERE key = $1', [
        k,
        now.toISOString(),
      ]);
    }
    let posted: { channelId?: string; ts?: string };
    try {
      posted = await this.post(channel, message, k);
    } catch (error) {
      // Slack answered (an error, a rate limit): nothing was posted, so a retry needs no search.
      // No answer (a timeout, a reset): it may have been posted; the record stays for the search.
      if (slackAnswered(error))
        await this.o.db.query(`DELETE FROM notifier_alerts WHERE key = $1 AND state = 'posting'`, [k]);
      throw error;
    }
    await this.record(k, posted.channelId, posted.ts);
    return true;
  }

  private async record(k: string, channelId: string | undefined, ts: string | undefined): Promise<void> {
    await this.o.db.query(
      `UPDATE notifier_alerts SET state = 'sent', detail = $2, updated_at = $3 WHERE key = $1`,
      [k, ts ? `${channelId ?? '?'} ${ts}` : null, this.now().toISOString()],
    );
  }

  /**
   * The message posted under `k` since `since`, found in the channel's history by its metadata; null
   * when there is none, or when the history cannot be read (an incoming webhook, a channel the
   * token cannot read): then posting again is the lesser harm, and it is said so at warn.
   */
  private async findEarlierPost(
    channel: string,
    k: string,
    since: Date,
  ): Promise<{ channelId: string; ts: string } | null> {
    const client = this.client;
    if (!client) {
      this.o.log?.warn(
        `notifier: Slack ${k} may have been posted through the incoming webhook by a delivery that stopped before recording it; a webhook's messages cannot be searched, so it is posted again (set SLACK_BOT_TOKEN to avoid duplicates)`,
      );
      return null;
    }
    try {
      const channelId = await this.channelId(client, channel);
      if (!channelId) {
        this.o.log?.warn(
          `notifier: Slack ${k} may already be in ${channel}, but the channel is not among the bot's conversations (conversations.list), so its history cannot be searched; posting again`,
        );
        return null;
      }
      // A minute of slack for clock skew between this host and Slack.
      const oldest = String(Math.floor(since.getTime() / 1000) - 60);
      let cursor: string | undefined;
      for (let page = 0; page < HISTORY_PAGES; page++) {
        const answer = await withRetryAfter(
          'Slack conversations.history',
          () =>
            client.conversations.history({
              channel: channelId,
              oldest,
              limit: 200,
              include_all_metadata: true,
              cursor,
            }),
          this.o.maxWaitMs,
        );
        for (const m of answer.messages ?? []) {
          const meta = m.metadata as { event_type?: string; event_payload?: { key?: unknown } } | undefined;
          if (m.ts && meta?.event_type === SLACK_POST_EVENT_TYPE && meta.event_payload?.key === k)
            return { channelId, ts: m.ts };
        }
        cursor = answer.response_metadata?.next_cursor || undefined;
        if (!cursor) return null;
      }
      this.o.log?.warn(
        `notifier: Slack ${k}: ${HISTORY_PAGES * 200} messages in ${channel} since ${since.toISOString()} searched without finding it; posting`,
      );
      return null;
    } catch (error) {
      // A rate limit past the in-place wait, an outage, no answer: the delivery is tried again
      // later rather than risk a duplicate. Slack refusing the read (missing_scope, not_in_channel)
      // will not change by waiting.
      const cause = (error as { cause?: unknown }).cause ?? error;
      if ((cause as { code?: string }).code !== 'slack_webapi_platform_error' && isRetryable(error))
        throw error;
      this.o.log?.warn(
        `notifier: Slack ${k}: the history of ${channel} cannot be read (${describeError(error)}; the bot needs channels:history and groups:history); posting again, which may duplicate a message`,
      );
      return null;
    }
  }

  /** The ID of a channel given by name (`#reviews`) or ID; null when the bot cannot see it. */
  private async channelId(client: WebClient, channel: string): Promise<string | null> {
    if (/^[CGD][A-Z0-9]{8,}$/.test(channel)) return channel;
    const known = this.channelIds.get(channel);
    if (known) return known;
    const name = channel.replace(/^#/, '');
    let cursor: string | undefined;
    do {
      const page = await withRetryAfter(
        'Slack conversations.list',
        () =>
          client.conversations.list({
            types: 'public_channel,private_channel',
            exclude_archived: true,
            limit: 200,
            cursor,
          }),
        this.o.maxWaitMs,
      );
      const hit = page.channels?.find((c) => c.name === name);
      if (hit?.id) {
        this.channelIds.set(channel, hit.id);
        return hit.id;
      }
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
    return null;
  }

  private now(): Date {
    return (this.o.clock ?? (() => new Date()))();
  }

  /**
   * One message when an outage starts, one when it ends. Every sign moves `updated_at` (the last
   * sign seen); a healthy run ends the outage only when the last sign is {@link OUTAGE_QUIET_MS} old.
   */
  private async outage(channel: string, event: NotifierEvent): Promise<string[]> {
    const sign = outageSign(event);
    const now = this.now();
    if (sign) {
      const { rows } = await this.o.db.query<{ previous: string | null }>(
        `WITH prev AS (SELECT state FROM notifier_alerts WHERE key = $1)
         INSERT INTO notifier_alerts (key, state, detail, updated_at) VALUES ($1, 'open', $2, $3)
         ON CONFLICT (key) DO UPDATE SET state = 'open', detail = EXCLUDED.detail, updated_at = EXCLUDED.updated_at
         RETURNING (SELECT state FROM prev) AS previous`,
        [OUTAGE_KEY, sign.slice(0, 1000), now.toISOString()],
      );
      if (rows[0]?.previous === 'open') return [];
      await this.post(
        channel,
        alertMessage(
          'outage-start',
          'AI vendor outage started',
          `${sign}. Runs are deferred or fall back; check runs stay neutral until it ends.`,
        ),
      );
      return ['outage start'];
    }
    const quietSince = new Date(now.getTime() - OUTAGE_QUIET_MS).toISOString();
    const { rows } = await this.o.db.query(
      `UPDATE notifier_alerts SET state = 'closed', updated_at = $3 WHERE key = $1 AND state = 'open' AND updated_at <= $2 RETURNING detail`,
      [OUTAGE_KEY, quietSince, now.toISOString()],
    );
    if (rows.length === 0) return [];
    await this.post(
      channel,
      alertMessage(
        'outage-end',
        'AI vendor outage ended',
        `Runs complete normally again (no sign of the outage for ${OUTAGE_QUIET_MS / 60_000} minutes).`,
      ),
    );
    return ['outage end'];
  }

  private async budget(channel: string): Promise<string[]> {
    const budget = this.o.monthlyBudgetUsd;
    if (!budget) return [];
    const now = this.now();
    const month = now.toISOString().slice(0, 7);
    const start = `${month}-01T00:00:00Z`;
    // The gateway's ledger is the truth; runs' totals stand in where it has no rows (no gateway).
    const ledger = await this.o.db.query<{ spent: string | null; n: string }>(
      'SELECT sum(cost_usd) AS spent, count(*) AS n FROM cost_ledger WHERE occurred_at >= $1',
      [start],
    );
    const spent =
      Number(ledger.rows[0]?.n ?? 0) > 0
        ? Number(ledger.rows[0].spent ?? 0)
        : Number(
            (
              await this.o.db.query<{ spent: string | null }>(
                'SELECT sum(cost_usd) AS spent FROM runs WHERE requested_at >= $1',
                [start],
              )
            ).rows[0]?.spent ?? 0,
          );
    const sent: string[] = [];
    for (const threshold of BUDGET_THRESHOLDS) {
      if (spent < (budget * threshold) / 100) continue;
      const posted = await this.once(
        `budget:${month}:${threshold}`,
        channel,
        alertMessage(
          'budget',
          `agentflow budget ${threshold}% used`,
          `${formatUsd(spent)} of ${formatUsd(budget)} spent in ${month}.${threshold >= 100 ? ' New work is deferred until the budget resets or is raised.' : ''}`,
        ),
      );
      if (posted) sent.push(`budget ${threshold}%`);
    }
    return sent;
  }

  /** Posts; `key` goes into the message's metadata so a later delivery can find the message. */
  private async post(
    channel: string,
    message: SlackMessage,
    key?: string,
  ): Promise<{ channelId?: string; ts?: string }> {
    if (this.client) {
      const metadata = key ? { event_type: SLACK_POST_EVENT_TYPE, event_payload: { key } } : undefined;
      const answer = await withRetryAfter(
        'Slack chat.postMessage',
        () =>
          this.client!.chat.postMessage({
            channel,
            text: message.text,
            blocks: message.blocks as never,
            unfurl_links: false,
            unfurl_media: false,
            metadata,
          }),
        this.o.maxWaitMs,
      );
      if (answer.channel) this.channelIds.set(channel, answer.channel);
      return { channelId: answer.channel, ts: answer.ts };
    }
    await withRetryAfter(
      'Slack incoming webhook',
      async () => {
        const response = await fetch(this.o.webhookUrl!, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(message),
        });
        if (!response.ok)
          throw Object.assign(new Error(`incoming webhook answered ${response.status}`), {
            status: response.status,
            response: {
              status: response.status,
              headers: { 'retry-after': response.headers.get('retry-after') ?? undefined },
            },
          });
      },
      this.o.maxWaitMs,
    );
    return {};
  }
}

/** Whether Slack answered the call (so nothing was posted), as opposed to no answer at all. */
function slackAnswered(error: unknown): boolean {
  const cause = (error as { cause?: unknown }).cause ?? error;
  const code = (cause as { code?: string }).code;
  const status =
    (cause as { status?: number; response?: { status?: number } }).status ??
    (cause as { response?: { status?: number } }).response?.status;
  return (
    code === 'slack_webapi_platform_error' ||
    code === 'slack_webapi_rate_limited_error' ||
    code === 'slack_webapi_http_error' ||
    status !== undefined
  );
}

function label(report: RunReport): string {
  return `${report.change.repo}${report.change.pr ? `#${report.change.pr}` : `@${report.change.headSha.slice(0, 12)}`}`;
}
