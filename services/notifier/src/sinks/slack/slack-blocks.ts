/** Block Kit messages: a run summary and the alerts. Text fallbacks are set for notifications. */
import type { RunReport } from '@agentflow/contracts';
import { incompleteHeadline, incompleteStepsOf } from '../../render/incomplete';
import { formatUsd } from '../../render/summary';

export interface SlackMessage {
  text: string;
  blocks: Array<Record<string, unknown>>;
}

/** Slack mrkdwn: escape the three control characters, and break mentions (`<!channel>` cannot be formed without `<`). */
export function escapeSlack(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@(channel|here|everyone)\b/gi, '@\u200d$1');
}

function changeLink(report: Pick<RunReport, 'change'>): string {
  const c = report.change;
  const host = c.platform === 'gitlab' ? 'https://gitlab.com' : 'https://github.com';
  if (!c.pr) return `${escapeSlack(c.repo)}@${c.headSha.slice(0, 12)}`;
  const path = c.platform === 'gitlab' ? `${c.repo}/-/merge_requests/${c.pr}` : `${c.repo}/pull/${c.pr}`;
  return `<${host}/${path}|${escapeSlack(c.repo)}#${c.pr}>`;
}

/** Incomplete steps listed in a summary; the rest are counted. */
const LISTED_STEPS = 5;
/** Characters of one step's reason (a section's text is at most 3,000). */
const REASON_CHARS = 400;

/** `• \`step\` failed: why` for each step that did not deliver, as the check run's summary has them. */
function incompleteSection(report: RunReport): Record<string, unknown> | null {
  const steps = incompleteStepsOf(report);
  if (steps.length === 0) return null;
  const lines = steps.slice(0, LISTED_STEPS).map((s) => {
    const why = s.reason.length > REASON_CHARS ? `${s.reason.slice(0, REASON_CHARS - 3)}...` : s.reason;
    return `• \`${escapeSlack(s.id)}\` ${s.outcome}: ${escapeSlack(why)}`;
  });
  if (steps.length > LISTED_STEPS) lines.push(`• and ${steps.length - LISTED_STEPS} more`);
  return {
    type: 'section',
    text: {
      type: 'mrkdwn',
      text: `:warning: *The review is incomplete*\n${lines.join('\n')}`.slice(0, 3000),
    },
  };
}

/**
 * The run's summary. A run with incomplete steps says so beside the check's conclusion, in the
 * check run's words, and lists each failed step with why: a `success` there is never a clean pass.
 */
export function runSummaryMessage(report: RunReport, conclusion: string): SlackMessage {
  const count = (s: string) => report.findings.filter((f) => f.severity === s).length;
  const incomplete = incompleteHeadline(report);
  const title = `agentflow ${report.workflow}: ${report.change.repo}${report.change.pr ? `#${report.change.pr}` : ''} ${conclusion}${incomplete ? ` · ${incomplete}` : ''}`;
  const steps = incompleteSection(report);
  return {
    text: title,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `agentflow · ${report.workflow}`.slice(0, 150) } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `${changeLink(report)}${report.change.title ? ` · ${escapeSlack(report.change.title).slice(0, 200)}` : ''}\nCheck: *${conclusion}*${incomplete ? ` · ${escapeSlack(incomplete)}` : ''}`,
        },
      },
      ...(steps ? [steps] : []),
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Blockers*\n${count('blocker')}` },
          { type: 'mrkdwn', text: `*Major*\n${count('major')}` },
          { type: 'mrkdwn', text: `*Minor / info*\n${count('minor') + count('info')}` },
          { type: 'mrkdwn', text: `*Cost*\n${formatUsd(report.usage.costUsd)}` },
        ],
      },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `run ${report.runId}${report.team ? ` · team ${escapeSlack(report.team)}` : ''}${report.project && report.project !== report.change.repo ? ` · project ${escapeSlack(report.project)}` : ''} · ${report.usage.models.join(', ') || 'rules only'} · ${report.usage.inputTokens + report.usage.outputTokens} tokens${report.notReviewed.length ? ` · ${report.notReviewed.length} file(s) not reviewed` : ''}`,
          },
        ],
      },
    ],
  };
}

export function alertMessage(
  kind: 'failure' | 'fallback' | 'budget' | 'outage-start' | 'outage-end' | 'delivery',
  title: string,
  detail: string,
): SlackMessage {
  const icon = {
    failure: ':x:',
    fallback: ':twisted_rightwards_arrows:',
    budget: ':moneybag:',
    'outage-start': ':rotating_light:',
    'outage-end': ':white_check_mark:',
    delivery: ':warning:',
  }[kind];
  return {
    text: `${title}: ${detail}`.slice(0, 3000),
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `${icon} *${escapeSlack(title)}*\n${escapeSlack(detail).slice(0, 2900)}`,
        },
      },
    ],
  };
}
