/**
 * Slack: run summaries for channels that ask (`output.slack_channel`), and alerts to the alert
 * channel: failed runs, fallbacks, budget thresholds (50, 80, 100 % of the month, once each), and a
 * vendor outage (one message when it starts, one when it ends, never one per run). Also a workflow's
 * run-level `notify:` alerts (to the channel it names) and the gateway's budget alerts, once each.
 */
import { WebClient } from '@slack/web-api';
import type { BudgetThresholdAlert, RunAlert, RunReport } from '@agentflow/contracts';
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
}

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

  constructor(private readonly o: SlackSinkOptions) {
    if (o.token) this.client = new WebClient(o.token, { slackApiUrl: o.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
  }

  target(event: NotifierEvent): string | null {
    if (!this.client && !this.o.webhookUrl) return null;
    if (event.kind === 'alert') {
      const channel = this.runAlertChannel(event.alert);
      return channel ? `slack:${channel}` : null;
    }
    if (event.kind === 'budget-alert') return this.o.alertChannel || this.o.webhookUrl ? `slack:${this.o.alertChannel ?? 'webhook'}` : null;
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
    if (event.kind !== 'completed' && event.kind !== 'failed') return { state: 'skipped', detail: 'not a run result' };
    const report = event.report;
    const sent: string[] = [];
    const outputs = readOutputs(report, 8);
    if (event.kind === 'completed' && outputs.slack && report.rollout !== 'off') {
      const channel = outputs.slackChannel ?? this.o.defaultChannel;
      if (channel) {
        const { conclusion } = checkConclusion(report, false);
        if (await this.once(`summary:${report.runId}:${channel}`, () => this.post(channel, runSummaryMessage(report, conclusion)))) sent.push(`summary to ${channel}`);
      }
    }
    const alerts = this.o.alertChannel;
    if (alerts) {
      if (event.kind === 'failed' && !NOT_A_FAILURE.has(event.failure.code) && (await this.once(`failure:${report.runId}`, () => this.post(alerts, alertMessage('failure', `agentflow ${report.workflow} failed on ${label(report)}`, `${event.failure.code}: ${event.failure.reason}`))))) sent.push('failure alert');
      if (event.kind === 'completed' && report.degraded && (await this.once(`fallback:${report.runId}`, () => this.post(alerts, alertMessage('fallback', `agentflow ${report.workflow} fell back on ${label(report)}`, unjudgedReason(report) ?? 'a fallback provider or rule set was used'))))) sent.push('fallback alert');
      sent.push(...(await this.outage(alerts, event)));
      sent.push(...(await this.budget(alerts)));
    }
    return sent.length ? { state: 'delivered', detail: sent.join(', '), data: { sent } } : { state: 'skipped', detail: 'nothing to post' };
  }

  private async runAlert(alert: RunAlert): Promise<SinkResult> {
    const channel = this.runAlertChannel(alert);
    if (!channel) return { state: 'skipped', detail: 'no Slack channel for the alert' };
    const where = `${alert.change.repo}${alert.change.pr ? `#${alert.change.pr}` : `@${alert.change.headSha.slice(0, 12)}`}`;
    const posted = await this.once(`run-alert:${alert.runId}:${alert.code}:${alert.stepId ?? '-'}`, () =>
      this.post(channel, alertMessage('failure', `agentflow ${alert.workflow} on ${where}${alert.stepId ? `, step ${alert.stepId}` : ''}: ${alert.code}`, `${alert.message} (run ${alert.runId})`)),
    );
    return posted ? { state: 'delivered', detail: `alert to ${channel}`, data: { sent: [`alert to ${channel}`] } } : { state: 'skipped', detail: 'alert already posted' };
  }

  /** The gateway's budget alerts: once per budget, window and threshold, to the alert channel. */
  private async gatewayBudgetAlert(alert: BudgetThresholdAlert): Promise<SinkResult> {
    const channel = this.o.alertChannel ?? 'webhook';
    const percent = Math.round(alert.threshold * 100);
    const posted = await this.once(`gateway-budget:${alert.budget}:${alert.period}:${percent}`, () =>
      this.post(channel, alertMessage('budget', `agentflow budget ${alert.budget} ${percent}% used`, `${formatUsd(alert.spentUsd)} of ${formatUsd(alert.limitUsd)} spent in ${alert.period}.${percent >= 100 ? ' New work under this budget is refused until the period ends or the budget is raised.' : ''}`)),
    );
    return posted ? { state: 'delivered', detail: `budget ${percent}% to ${channel}`, data: { sent: [`budget ${alert.budget} ${percent}%`] } } : { state: 'skipped', detail: 'budget alert already posted' };
  }

  /** Reports another sink's delivery that failed for good, to the alert channel. */
  async reportDeliveryFailure(sink: string, target: string, runId: string, detail: string): Promise<void> {
    if (!this.o.alertChannel || (!this.client && !this.o.webhookUrl)) return;
    await this.once(`delivery:${sink}:${target}:${runId}`, () => this.post(this.o.alertChannel!, alertMessage('delivery', `agentflow could not deliver run ${runId} to ${sink} (${target})`, detail)));
  }

  /** Posts and records under `key`; false when it was already sent. */
  private async once(key: string, post: () => Promise<unknown>): Promise<boolean> {
    const { rows } = await this.o.db.query('SELECT 1 FROM notifier_alerts WHERE key = $1', [`slack:${key}`]);
    if (rows.length) return false;
    await post();
    await this.o.db.query(`INSERT INTO notifier_alerts (key) VALUES ($1) ON CONFLICT (key) DO NOTHING`, [`slack:${key}`]);
    return true;
  }

  /**
   * One message when an outage starts, one when it ends. Every sign moves `updated_at` (the last
   * sign seen); a healthy run ends the outage only when the last sign is {@link OUTAGE_QUIET_MS} old.
   */
  private async outage(channel: string, event: NotifierEvent): Promise<string[]> {
    const sign = outageSign(event);
    const now = (this.o.clock ?? (() => new Date()))();
    if (sign) {
      const { rows } = await this.o.db.query<{ previous: string | null }>(
        `WITH prev AS (SELECT state FROM notifier_alerts WHERE key = $1)
         INSERT INTO notifier_alerts (key, state, detail, updated_at) VALUES ($1, 'open', $2, $3)
         ON CONFLICT (key) DO UPDATE SET state = 'open', detail = EXCLUDED.detail, updated_at = EXCLUDED.updated_at
         RETURNING (SELECT state FROM prev) AS previous`,
        [OUTAGE_KEY, sign.slice(0, 1000), now.toISOString()],
      );
      if (rows[0]?.previous === 'open') return [];
      await this.post(channel, alertMessage('outage-start', 'AI vendor outage started', `${sign}. Runs are deferred or fall back; check runs stay neutral until it ends.`));
      return ['outage start'];
    }
    const quietSince = new Date(now.getTime() - OUTAGE_QUIET_MS).toISOString();
    const { rows } = await this.o.db.query(
      `UPDATE notifier_alerts SET state = 'closed', updated_at = $3 WHERE key = $1 AND state = 'open' AND updated_at <= $2 RETURNING detail`,
      [OUTAGE_KEY, quietSince, now.toISOString()],
    );
    if (rows.length === 0) return [];
    await this.post(channel, alertMessage('outage-end', 'AI vendor outage ended', `Runs complete normally again (no sign of the outage for ${OUTAGE_QUIET_MS / 60_000} minutes).`));
    return ['outage end'];
  }

  private async budget(channel: string): Promise<string[]> {
    const budget = this.o.monthlyBudgetUsd;
    if (!budget) return [];
    const now = (this.o.clock ?? (() => new Date()))();
    const month = now.toISOString().slice(0, 7);
    const start = `${month}-01T00:00:00Z`;
    // The gateway's ledger is the truth; runs' totals stand in where it has no rows (no gateway).
    const ledger = await this.o.db.query<{ spent: string | null; n: string }>('SELECT sum(cost_usd) AS spent, count(*) AS n FROM cost_ledger WHERE occurred_at >= $1', [start]);
    const spent = Number(ledger.rows[0]?.n ?? 0) > 0
      ? Number(ledger.rows[0].spent ?? 0)
      : Number((await this.o.db.query<{ spent: string | null }>('SELECT sum(cost_usd) AS spent FROM runs WHERE requested_at >= $1', [start])).rows[0]?.spent ?? 0);
    const sent: string[] = [];
    for (const threshold of BUDGET_THRESHOLDS) {
      if (spent < (budget * threshold) / 100) continue;
      const posted = await this.once(`budget:${month}:${threshold}`, () =>
        this.post(channel, alertMessage('budget', `agentflow budget ${threshold}% used`, `${formatUsd(spent)} of ${formatUsd(budget)} spent in ${month}.${threshold >= 100 ? ' New work is deferred until the budget resets or is raised.' : ''}`)),
      );
      if (posted) sent.push(`budget ${threshold}%`);
    }
    return sent;
  }

  private async post(channel: string, message: SlackMessage): Promise<void> {
    if (this.client) {
      await withRetryAfter('Slack chat.postMessage', () => this.client!.chat.postMessage({ channel, text: message.text, blocks: message.blocks as never, unfurl_links: false, unfurl_media: false }), this.o.maxWaitMs);
      return;
    }
    await withRetryAfter('Slack incoming webhook', async () => {
      const response = await fetch(this.o.webhookUrl!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
      if (!response.ok) throw Object.assign(new Error(`incoming webhook answered ${response.status}`), { status: response.status, response: { status: response.status, headers: { 'retry-after': response.headers.get('retry-after') ?? undefined } } });
    }, this.o.maxWaitMs);
  }
}

function label(report: RunReport): string {
  return `${report.change.repo}${report.change.pr ? `#${report.change.pr}` : `@${report.change.headSha.slice(0, 12)}`}`;
}
