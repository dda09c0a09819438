/**
 * What a later phase learns of the earlier ones: a compact digest of each earlier step's outcome
 * (status, summary, its most severe findings, the files it proposed with an excerpt of each),
 * bounded in tokens. The task carries its dependencies' outcomes in full (`AgentTask.context`);
 * the prompt gets this digest, as data inside the fences, and the step's result records it.
 */
import { SEVERITIES, type Finding, type StepOutcomeSummary } from '@agentflow/contracts';
import type { TokenCounter } from './tokens';

/** @default 1500 tokens: a fraction of any context window, enough for a plan's outline. */
export const DEFAULT_DIGEST_TOKENS = 1500;

const CAPS = { summary: 600, findings: 8, message: 200, files: 5, excerpt: 800 };

export interface PhaseDigest {
  /** The earlier steps it covers, in dependency order. */
  steps: string[];
  text: string;
  tokens: number;
  /** Whether anything was cut to stay within the budget. */
  truncated: boolean;
}

const clip = (text: string, max: number): string =>
  text.length > max ? `${text.slice(0, max).trimEnd()} …` : text;
const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

function findingLine(f: Finding): string {
  return `- ${f.severity} ${f.file}:${f.startLine} [${f.category}] ${clip(oneLine(f.message), CAPS.message)}`;
}

function section(stepId: string, outcome: StepOutcomeSummary): { text: string; cut: boolean } {
  let cut = false;
  const lines = [`step ${stepId}: ${outcome.status}`];
  if (outcome.summary) {
    cut ||= outcome.summary.length > CAPS.summary;
    lines.push(`summary: ${clip(oneLine(outcome.summary), CAPS.summary)}`);
  }
  if (outcome.findings.length) {
    const ordered = [...outcome.findings].sort(
      (a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity),
    );
    lines.push(
      `findings (${outcome.findings.length}${outcome.findings.length > CAPS.findings ? `, the ${CAPS.findings} most severe shown` : ''}):`,
    );
    lines.push(...ordered.slice(0, CAPS.findings).map(findingLine));
    cut ||= outcome.findings.length > CAPS.findings;
  }
  const files = outcome.proposedFiles ?? [];
  if (files.length) {
    lines.push(
      `files proposed (${files.length}${files.length > CAPS.files ? `, the first ${CAPS.files} shown` : ''}):`,
    );
    for (const f of files.slice(0, CAPS.files)) {
      lines.push(`- ${f.path}${f.purpose ? ` (${clip(oneLine(f.purpose), 120)})` : ''}:`);
      lines.push(
        ...clip(f.content.trim(), CAPS.excerpt)
          .split('\n')
          .map((l) => `    ${l}`),
      );
      cut ||= f.content.trim().length > CAPS.excerpt;
    }
    cut ||= files.length > CAPS.files;
  }
  return { text: lines.join('\n'), cut };
}

/** Cuts `text` to at most `budget` tokens, on a line boundary where it can. */
function fit(text: string, budget: number, tokens: TokenCounter): string {
  let out = text;
  while (out.length > 0 && tokens.count(out) > budget) {
    const keep = Math.floor(out.length * Math.max(0.5, Math.min(0.95, budget / tokens.count(out))));
    const cutAt = out.lastIndexOf('\n', keep);
    out = `${out.slice(0, cutAt > keep / 2 ? cutAt : keep).trimEnd()}\n…`;
    if (keep < 8) return '';
  }
  return out;
}

/**
 * The digest of `context` within `budgetTokens` (each earlier step gets an equal share; a step's
 * section past its share is cut at a line), or undefined when there is no earlier step.
 */
export function phaseDigest(
  context: Record<string, StepOutcomeSummary> | undefined,
  tokens: TokenCounter,
  budgetTokens = DEFAULT_DIGEST_TOKENS,
): PhaseDigest | undefined {
  const entries = Object.entries(context ?? {});
  if (entries.length === 0 || budgetTokens <= 0) return undefined;
  const share = Math.floor(budgetTokens / entries.length);
  let truncated = false;
  const parts: string[] = [];
  for (const [stepId, outcome] of entries) {
    const s = section(stepId, outcome);
    const fitted = tokens.count(s.text) > share ? fit(s.text, share, tokens) : s.text;
    truncated ||= s.cut || fitted !== s.text;
    if (fitted) parts.push(fitted);
  }
  const text = parts.join('\n\n');
  return { steps: entries.map(([id]) => id), text, tokens: tokens.count(text), truncated };
}
