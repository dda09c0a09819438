import type { DiffLine, FileDiff } from './types';

/**
 * Position of a new-file line in this file's diff (GitHub's review comment `position`), or
 * undefined when the line is not in any hunk and so cannot carry an inline comment.
 */
export function diffPosition(file: FileDiff, newLine: number): number | undefined {
  return findNewLine(file, newLine)?.position;
}

/** The diff line showing new-file line `newLine` (added or context), if the diff shows it. */
export function findNewLine(file: FileDiff, newLine: number): DiffLine | undefined {
  for (const hunk of file.hunks) {
    if (newLine < hunk.newStart || newLine >= hunk.newStart + hunk.newLines) continue;
    return hunk.lines.find((l) => l.newLine === newLine);
  }
  return undefined;
}

/** The new-file line shown at a diff position, the inverse of {@link diffPosition}. */
export function newLineAtPosition(file: FileDiff, position: number): number | undefined {
  for (const hunk of file.hunks) {
    const line = hunk.lines.find((l) => l.position === position);
    if (line) return line.newLine;
  }
  return undefined;
}

/** New-file line numbers of every added line, ascending. */
export function addedLineNumbers(file: FileDiff): number[] {
  const out: number[] = [];
  for (const hunk of file.hunks) for (const l of hunk.lines) if (l.kind === 'add') out.push(l.newLine!);
  return out;
}

/** Text of every deleted line. */
export function deletedLines(file: FileDiff): string[] {
  const out: string[] = [];
  for (const hunk of file.hunks) for (const l of hunk.lines) if (l.kind === 'delete') out.push(l.content);
  return out;
}

/**
 * Rebuilds the old file from the new one by undoing the hunks. Returns undefined when the new
 * content does not match the diff's context (the working tree is not the diff's new side).
 */
export function reconstructOld(file: FileDiff, newContent: string): string | undefined {
  if (file.status === 'added') return undefined;
  const newLines = newContent.split('\n');
  const out: string[] = [];
  let cursor = 1; // next new-file line to copy
  for (const hunk of file.hunks) {
    // `+0,0` (all lines deleted) places the hunk after line newStart.
    const hunkStart = hunk.newLines === 0 ? hunk.newStart + 1 : hunk.newStart;
    while (cursor < hunkStart) out.push(newLines[cursor++ - 1] ?? '');
    for (const l of hunk.lines) {
      if (l.kind !== 'delete' && (newLines[l.newLine! - 1] ?? '').replace(/\r$/, '') !== l.content)
        return undefined;
      if (l.kind !== 'add') out.push(l.content);
      if (l.kind !== 'delete') cursor++;
    }
  }
  while (cursor <= newLines.length) out.push(newLines[cursor++ - 1] ?? '');
  return out.join('\n');
}

/**
 * The new file as far as the diff shows it: lines outside hunks are empty strings, so line numbers
 * stay right. Used when a diff is analysed without a checkout of its new side.
 */
export function sparseNewContent(file: FileDiff): string {
  const lines: string[] = [];
  for (const hunk of file.hunks) {
    for (const l of hunk.lines) if (l.newLine !== undefined) lines[l.newLine - 1] = l.content;
  }
  return Array.from(lines, (l) => l ?? '').join('\n');
}

/** The old file as far as the diff shows it, like {@link sparseNewContent}. */
export function sparseOldContent(file: FileDiff): string {
  const lines: string[] = [];
  for (const hunk of file.hunks) {
    for (const l of hunk.lines) if (l.oldLine !== undefined) lines[l.oldLine - 1] = l.content;
  }
  return Array.from(lines, (l) => l ?? '').join('\n');
}
