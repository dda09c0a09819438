/**
 * A workflow's summary: its section of the PR's one comment (render/pr-comment.ts), found again by
 * its hidden markers and updated in place. It lists every finding not shown inline, what was not
 * reviewed, and a footer with the models, tokens and cost.
 */
import { SEVERITIES, type Finding, type RunReport } from '@agentflow/contracts';
import type { CheckConclusion } from './conclusion';
import { fenceFor, oneLine, sanitizeMarkdown } from './markdown';
import type { Placement } from './placement';

const ICON: Record<string, string> = { blocker: '🛑', major: '🟠', minor: '🟡', info: 'ℹ️' };
/** GitHub rejects comment bodies over 65536 characters. */
export const MAX_COMMENT = 65_000;

export function summaryMarker(workflow: string): string {
  return `<!-- agentflow:summary workflow=${workflow} -->`;
}

export function headMarker(report: Pick<RunReport, 'runId' | 'change' | 'finishedAt'>): string {
  return `<!-- agentflow:head sha=${report.change.headSha} run=${report.runId} finished=${report.finishedAt} -->`;
}

/** Reads the head marker back from a comment body (when the database lost track of it). */
export function readHeadMarker(body: string): { headSha: string; runId: string; finishedAt: number } | null {
  const m = /<!-- agentflow:head sha=(\S+) run=(\S+) finished=(\d+) -->/.exec(body);
  return m ? { headSha: m[1], runId: m[2], finishedAt: Number(m[3]) } : null;
}

export function findingMarker(fingerprint: string): string {
  return `<!-- agentflow:finding ${fingerprint} -->`;
}

export function shortId(fingerprint: string): string {
  return fingerprint.replace(/[^0-9a-zA-Z]/g, '').slice(0, 12) || fingerprint.slice(0, 12);
}

export function formatUsd(value: number): string {
  return `$${value.toFixed(value < 1 ? 4 : 2)}`;
}

export function footer(report: RunReport): string {
  const u = report.usage;
  const models = u.models.length ? u.models.join(', ') : 'none (rules only)';
  const seconds = Math.max(0, Math.round((report.finishedAt - report.startedAt) / 1000));
  const lines = [
    `<sub>agentflow · ${report.workflow} · run \`${report.runId}\` · ${seconds}s · models: ${models} · tokens: ${u.inputTokens} in / ${u.outputTokens} out${u.cacheReadTokens ? ` (${u.cacheReadTokens} cached)` : ''} · cost: ${formatUsd(u.costUsd)}</sub>`,
  ];
  if (report.notReviewed.length) {
    const shown = report.notReviewed
      .slice(0, 20)
      .map((n) => `\`${oneLine(n.file, 120)}\` (${n.reason}${n.detail ? `: ${oneLine(n.detail, 80)}` : ''})`);
    const more = report.notReviewed.length > 20 ? `, and ${report.notReviewed.length - 20} more` : '';
    lines.push(`<sub>Not reviewed: ${shown.join(', ')}${more}</sub>`);
  }
  return lines.join('\n');
}

export function findingLine(f: Finding): string {
  const where =
    f.startLine > 0
      ? `\`${f.file}:${f.startLine}${f.endLine !== f.startLine ? `-${f.endLine}` : ''}\``
      : `\`${f.file}\``;
  return `- ${ICON[f.severity] ?? ''} **${f.severity}** ${where} ${oneLine(sanitizeMarkdown(f.message), 300)} <sub>(${f.category}, ${f.agent}, id \`${shortId(f.fingerprint)}\`)</sub>`;
}

export interface SummaryInput {
  report: RunReport;
  placement: Placement;
  conclusion: CheckConclusion;
  conclusionReason: string;
  /** Set when the run failed: what went wrong. */
  failure?: string;
  /** Files pushed for this run (branch or PR link). */
  filesNote?: string;
  /**
   * Findings of this run dismissed after it was posted, with who dismissed them: the check was
   * judged again without them (`report` is then the adjusted report, without them).
   */
  dismissedAfter?: Array<{ finding: Finding; by: string; source: 'command' | 'reaction' | 'state' }>;
  /** What is quieted in this repository and why (usefulness/quieting.ts `renderQuietNotes`). */
  quietNote?: string | null;
}

const HOW: Record<'command' | 'reaction' | 'state', string> = {
  command: '`/agentflow dismiss`',
  reaction: '👎',
  state: 'dismissed',
};

function dismissedSection(input: SummaryInput): string | null {
  const list = input.dismissedAfter ?? [];
  if (list.length === 0) return null;
  const lines = list
    .slice(0, 60)
    .map(
      (d) =>
        `${findingLine(d.finding)} dismissed by \`${oneLine(d.by, 60).replace(/`/g, "'")}\` (${HOW[d.source]})`,
    );
  const verdict =
    input.conclusion === 'failure'
      ? `The check was judged again without them and still fails: ${oneLine(input.conclusionReason, 200)}.`
      : `The check was judged again without them: **${input.conclusion}**.`;
  return `**Dismissed since this review** (${list.length}). ${verdict}\n\n${lines.join('\n')}`;
}

export function renderSummary(input: SummaryInput): string {
  const { report, placement } = input;
  const counts = SEVERITIES.map(
    (s) => `${ICON[s]} ${report.findings.filter((f) => f.severity === s).length} ${s}`,
  ).join(' · ');
  const parts: string[] = [summaryMarker(report.workflow), headMarker(report)];
  parts.push(`### agentflow · ${report.workflow}${input.failure ? ' · did not finish' : ''}`);
  parts.push(
    `Reviewed \`${report.change.headSha.slice(0, 12)}\`: ${counts}. Check: **${input.conclusion}** (${oneLine(input.conclusionReason, 200)}).`,
  );
  if (input.failure) parts.push(`> ${oneLine(sanitizeMarkdown(input.failure), 500)}`);
  const dismissed = dismissedSection(input);
  if (dismissed) parts.push(dismissed);
  if (placement.inline.length)
    parts.push(`${placement.inline.length} finding(s) are inline comments on the diff.`);
  if (placement.stillOpen.length)
    parts.push(
      `${placement.stillOpen.length} finding(s) already have an inline comment on this pull request, from an earlier push or another workflow (their comments stay).`,
    );
  const fixed = Object.values(report.findingStates).filter((s) => s === 'fixed').length;
  if (fixed) parts.push(`${fixed} finding(s) from earlier pushes are fixed.`);
  const listed = placement.summaryOnly.filter((f) => !placement.stillOpen.includes(f));
  if (listed.length) {
    const outside = new Set(placement.outsideDiff.map((f) => f.fingerprint));
    const body = listed
      .slice(0, 60)
      .map((f) => `${findingLine(f)}${outside.has(f.fingerprint) ? ' <sub>(outside the diff)</sub>' : ''}`);
    if (listed.length > 60)
      body.push(`- …and ${listed.length - 60} more in the check run annotations and the database.`);
    parts.push(
      `<details${listed.some((f) => f.severity === 'blocker' || f.severity === 'major') ? ' open' : ''}><summary>Findings (${listed.length})</summary>\n\n${body.join('\n')}\n\n</details>`,
    );
  }
  if (input.quietNote) parts.push(input.quietNote);
  const steps = Object.entries(report.steps).map(
    ([id, s]) =>
      `\`${id}\` ${s.state}${s.summary ? `: ${oneLine(sanitizeMarkdown(s.summary), 160)}` : ''}${s.errorMessage ? ` (${oneLine(sanitizeMarkdown(s.errorMessage), 160)})` : ''}`,
  );
  if (steps.length)
    parts.push(`<details><summary>Steps</summary>\n\n${steps.map((s) => `- ${s}`).join('\n')}\n\n</details>`);
  if (input.filesNote) parts.push(input.filesNote);
  else if (report.proposedFiles.length)
    parts.push(
      `Proposed files: ${report.proposedFiles.map((p) => `\`${oneLine(p.path, 120)}\``).join(', ')}`,
    );
  parts.push(
    '<sub>Commands: `/agentflow review` · `/agentflow dismiss <id>` · `/agentflow help`. A 👎 on an inline comment dismisses it.</sub>',
  );
  parts.push(footer(report));
  let text = parts.join('\n\n');
  if (text.length > MAX_COMMENT)
    text = `${text.slice(0, MAX_COMMENT - 200)}\n\n…(truncated; the full list is in the check run and the database)\n\n${footer(report)}`;
  return text;
}

/** The body of one inline comment, with a ```suggestion block when the finding proposes a change. */
export function renderInline(f: Finding, suggestionStyle: 'github' | 'gitlab'): string {
  const lines = [
    findingMarker(f.fingerprint),
    `${ICON[f.severity] ?? ''} **${f.severity}** · ${f.category}: ${sanitizeMarkdown(f.message)}`,
  ];
  if (f.suggestion) {
    const fence = fenceFor(f.suggestion.replacement);
    const tag =
      suggestionStyle === 'github' ? 'suggestion' : `suggestion:-${Math.max(0, f.endLine - f.startLine)}+0`;
    if (f.suggestion.description) lines.push(sanitizeMarkdown(f.suggestion.description));
    lines.push(`${fence}${tag}\n${f.suggestion.replacement.replace(/\n$/, '')}\n${fence}`);
  }
  lines.push(
    `<sub>${f.agent} · ${f.model} · confidence ${f.confidence.toFixed(2)} · id \`${shortId(f.fingerprint)}\` · 👎 to dismiss</sub>`,
  );
  return lines.join('\n\n');
}
