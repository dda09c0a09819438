/** Small questions about a parsed diff that placement and chunking ask. */
import type { DiffHunk, FileDiff } from '@agentflow/mobile';

/** The hunk whose new-side lines contain every line of `start..end`, if one does. */
export function hunkContaining(file: FileDiff, start: number, end: number): DiffHunk | undefined {
  return file.hunks.find((h) => {
    const numbers = new Set(h.lines.filter((l) => l.newLine !== undefined).map((l) => l.newLine as number));
    if (numbers.size === 0) return false;
    for (let n = start; n <= end; n++) if (!numbers.has(n)) return false;
    return true;
  });
}

/** New-side line numbers of `file` shown in the diff (added and context lines). */
export function shownNewLines(file: FileDiff): Set<number> {
  const out = new Set<number>();
  for (const h of file.hunks) for (const l of h.lines) if (l.newLine !== undefined) out.add(l.newLine);
  return out;
}

/** Added plus deleted lines. */
export function changedLineCount(file: FileDiff): number {
  let n = 0;
  for (const h of file.hunks) for (const l of h.lines) if (l.kind !== 'context') n++;
  return n;
}
