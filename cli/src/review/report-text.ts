/**
 * The text `agentflow review` prints: the findings as `file:line severity message`, then what was
 * not looked at and why (never silently), which steps did not finish, and the gate.
 */
import type { Finding, NotReviewed, RunReport } from '@agentflow/contracts';
import type { ReviewMode } from './review-modes';

const SEVERITY_ORDER: Record<string, number> = { blocker: 0, major: 1, minor: 2, info: 3 };
/** Beyond this many not-reviewed files the text says how many more; `--json` lists them all. */
const MAX_LISTED = 40;
const NEVER_SENT = 'never-sent';

/** `file:line severity message`, then the suggestion indented below it. Sorted by file and line. */
export function formatFindings(findings: readonly Finding[]): string[] {
  const sorted = [...findings].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.startLine - b.startLine ||
      (SEVERITY_ORDER[a.severity] ?? 9) - (SEVERITY_ORDER[b.severity] ?? 9),
  );
  const lines: string[] = [];
  for (const f of sorted) {
    lines.push(`${f.file}:${f.startLine} ${f.severity} ${f.message.replace(/\s+/g, ' ').trim()}`);
    if (f.suggestion) {
      if (f.suggestion.description) lines.push(`    suggestion: ${f.suggestion.description}`);
      lines.push(...f.suggestion.replacement.split('\n').map((l) => `    | ${l}`));
    }
  }
  return lines;
}

/** Files the report names as not reviewed, the never-sent ones on one line of their own. */
export function formatNotReviewed(items: readonly NotReviewed[]): string[] {
  const lines: string[] = [];
  const policy = [...new Set(items.filter((n) => n.reason === NEVER_SENT).map((n) => n.file))].sort();
  if (policy.length) lines.push(`not sent to any vendor by policy: ${policy.join(', ')}`);
  const byFile = new Map<string, NotReviewed>();
  for (const n of items) if (n.reason !== NEVER_SENT && !byFile.has(n.file)) byFile.set(n.file, n);
  const rest = [...byFile.values()].sort((a, b) => a.file.localeCompare(b.file));
  if (rest.length) {
    lines.push(`not reviewed in full by a model (${rest.length}):`);
    for (const n of rest.slice(0, MAX_LISTED))
      lines.push(`  ${n.file}: ${n.reason}${n.detail ? ` (${n.detail})` : ''}`);
    if (rest.length > MAX_LISTED)
      lines.push(`  ...and ${rest.length - MAX_LISTED} more (--json lists every one)`);
  }
  return lines;
}

export interface ReviewTextInput {
  report: RunReport;
  failed?: { code: string; reason: string };
  mode: ReviewMode;
}

export function renderReviewText({ report, failed, mode }: ReviewTextInput): string[] {
  const lines = formatFindings(report.findings);
  if (!lines.length) lines.push('no findings');
  lines.push(...formatNotReviewed(report.notReviewed));
  for (const id of report.incompleteSteps ?? []) {
    const step = report.steps[id];
    lines.push(
      `step ${id} ${step?.state ?? 'failed'}: ${step?.errorMessage ?? step?.errorCode ?? 'no reason given'}`,
    );
  }
  if (failed) lines.push(`run ended early: ${failed.code}: ${failed.reason}`);
  if (mode === 'rules-only')
    lines.push(
      'offline: the deterministic analysers only; no model reviewed this change (set ANTHROPIC_API_KEY or OPENAI_API_KEY, or try --simulate)',
    );
  if (mode === 'simulated') {
    const simulated = report.findings.filter((f) => f.source === 'model').length;
    lines.push(
      `simulated: ${simulated} finding(s) from the offline fake vendor, marked [simulated]; simulated findings are not gated`,
    );
  }
  lines.push(
    `gate ${report.gateConclusion}: ${report.gateSummary} (${report.findings.length} findings, $${report.usage.costUsd.toFixed(4)})`,
  );
  return lines;
}
