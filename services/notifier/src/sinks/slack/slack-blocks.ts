/** Block Kit messages: a run summary and the alerts. Text fallbacks are set for notifications. */
import type { RunReport } from '@agentflow/contracts';
import { formatUsd } from '../../render/summary';

export interface SlackMessage {
  text: string;
  blocks: Array<Record<string, unknown>>;
}

/** Slack mrkdwn: escape the three control characters, and break mentions (`<!channel>` cannot be formed without `<`). */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/@(channel|here|everyone)\b/gi, '@\u200d$1');
}

function changeLink(report: Pick<RunReport, 'change'>): string {
  const c = report.change;
  const host = c.platform === 'gitlab' ? 'https://gitlab.com' : 'https://github.com';
  if (!c.pr) return `${escapeSlack(c.repo)}@${c.headSha.slice(0, 12)}`;
  const path = c.platform === 'gitlab' ? `${c.repo}/-/merge_requests/${c.pr}` : `${c.repo}/pull/${c.pr}`;
  return `<${host}/${path}|${escapeSlack(c.repo)}#${c.pr}>`;
}

export function runSummaryMessage(report: RunReport, conclusion: string): SlackMessage {
  const count = (s: string) => report.findings.filter((f) => f.severity === s).length;
  const title = `agentflow ${report.workflow}: ${report.change.repo}${report.change.pr ? `#${report.change.pr}` : ''} ${conclusion}`;
  return {
    text: title,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `agentflow · ${report.workflow}`.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: `${changeLink(report)}${report.change.title ? ` · ${escapeSlack(report.change.title).slice(0, 200)}` : ''}\nCheck: *${conclusion}*` } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Blockers*\n${count('blocker')}` },
          { type: 'mrkdwn', text: `*Major*\n${count('major')}` },
          { type: 'mrkdwn', text: `*Minor / info*\n${count('minor') + count('info')}` },
          { type: 'mrkdwn', text: `*Cost*\n${formatUsd(report.usage.costUsd)}` },
        ],
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `run ${report.runId}${report.team ? ` · team ${escapeSlack(report.team)}` : ''}${report.project && report.project !== report.change.repo ? ` · project ${escapeSlack(report.project)}` : ''} · ${report.usage.models.join(', ') || 'rules only'} · ${report.usage.inputTokens + report.usage.outputTokens} tokens${report.notReviewed.length ? ` · ${report.notReviewed.length} file(s) not reviewed` : ''}` }] },
    ],
  };
}

export function alertMessage(kind: 'failure' | 'fallback' | 'budget' | 'outage-start' | 'outage-end' | 'delivery', title: string, detail: string): SlackMessage {
  const icon = { failure: ':x:', fallback: ':twisted_rightwards_arrows:', budget: ':moneybag:', 'outage-start': ':rotating_light:', 'outage-end': ':white_check_mark:', delivery: ':warning:' }[kind];
  return {
    text: `${title}: ${detail}`.slice(0, 3000),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${icon} *${escapeSlack(title)}*\n${escapeSlack(detail).slice(0, 2900)}` } },
    ],
  };
}
