/**
 * Places a model's finding on the diff. A finding must sit on new-side lines the diff shows;
 * a range that runs past its hunk is clamped to the hunk; one that misses the diff is dropped
 * and counted. A suggestion is kept only when it replaces exactly the lines it is attached to:
 * the range lies in one hunk, and the model's `existing` text equals those lines as they are.
 */
import type { Finding } from '@agentflow/contracts';
import type { FileDiff } from '@agentflow/mobile';
import { hunkContaining } from '../diff/diff-lines';
import type { RawFinding } from '../output/parse-output';
import { fingerprintOf } from '@agentflow/findings';

export type DropReason = 'unknown-file' | 'outside-diff';

export interface PlacementContext {
  /** Files the model was shown, by path. */
  files: Map<string, FileDiff>;
  agent: string;
  model: string;
  promptVersion: string;
}

export interface Placed {
  finding?: Finding;
  dropped?: DropReason;
  /** Why a suggestion was removed, when it was. */
  suggestionDropped?:
    'range-not-in-one-hunk' | 'existing-text-mismatch' | 'existing-text-missing' | 'no-change';
}

function sameLines(a: string, b: string): boolean {
  const norm = (s: string) =>
    s
      .replace(/\r/g, '')
      .replace(/\n$/, '')
      .split('\n')
      .map((l) => l.trimEnd());
  const x = norm(a);
  const y = norm(b);
  return x.length === y.length && x.every((l, i) => l === y[i]);
}

/** New-side text of lines `start..end`, from the diff. */
function textOf(file: FileDiff, start: number, end: number): string {
  const byLine = new Map<number, string>();
  for (const h of file.hunks)
    for (const l of h.lines) if (l.newLine !== undefined) byLine.set(l.newLine, l.content);
  const out: string[] = [];
  for (let n = start; n <= end; n++) out.push(byLine.get(n) ?? '');
  return out.join('\n');
}

export function placeFinding(raw: RawFinding, ctx: PlacementContext): Placed {
  const file = ctx.files.get(raw.file);
  if (!file) return { dropped: 'unknown-file' };
  let { startLine, endLine } = raw;
  let clamped = false;
  if (startLine > 0) {
    const hunk = file.hunks.find((h) =>
      h.lines.some((l) => l.newLine !== undefined && l.newLine >= startLine && l.newLine <= endLine),
    );
    if (!hunk) return { dropped: 'outside-diff' };
    const numbers = hunk.lines.filter((l) => l.newLine !== undefined).map((l) => l.newLine as number);
    const lo = Math.max(startLine, Math.min(...numbers));
    const hi = Math.min(endLine, Math.max(...numbers));
    clamped = lo !== startLine || hi !== endLine;
    startLine = lo;
    endLine = hi;
  } else {
    endLine = 0;
  }
  const lineText = startLine > 0 ? textOf(file, startLine, endLine) : '';
  const finding: Finding = {
    file: raw.file,
    startLine,
    endLine,
    severity: raw.severity,
    category: raw.category,
    message: raw.message,
    confidence: raw.confidence,
    agent: ctx.agent,
    model: ctx.model,
    source: 'model',
    fingerprint: fingerprintOf({ file: raw.file, category: raw.category, message: raw.message }),
    promptVersion: ctx.promptVersion,
  };
  let suggestionDropped: Placed['suggestionDropped'];
  if (raw.suggestion) {
    if (startLine === 0 || clamped || !hunkContaining(file, startLine, endLine))
      suggestionDropped = 'range-not-in-one-hunk';
    else if (raw.suggestion.existing === undefined) suggestionDropped = 'existing-text-missing';
    else if (!sameLines(raw.suggestion.existing, lineText)) suggestionDropped = 'existing-text-mismatch';
    else if (sameLines(raw.suggestion.replacement, lineText)) suggestionDropped = 'no-change';
    else
      finding.suggestion = {
        replacement: raw.suggestion.replacement.replace(/\n$/, ''),
        description: raw.suggestion.description,
      };
  }
  return { finding, suggestionDropped };
}
