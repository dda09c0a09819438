/**
 * Fits a pull request into a model's window: files and hunks are packed into chunks within a
 * token budget, source first, then tests, then configuration; a hunk larger than the budget is
 * split into slices of whole lines; files a model never reads, and whatever does not fit into
 * `maxChunks`, are listed as not reviewed with the reason. Nothing is dropped silently.
 */
import type { NotReviewed } from '@agentflow/contracts';
import type { DiffHunk, DiffLine, FileDiff } from '@agentflow/mobile';
import type { ReviewClass } from '../diff/file-kind';
import type { TokenCounter } from './tokens';

/** A run of consecutive lines of one hunk: a whole hunk, or a slice of a hunk too large for one chunk. */
export interface HunkSlice {
  hunk: DiffHunk;
  lines: DiffLine[];
  /** Rendered for the prompt (see {@link renderSlice}). */
  text: string;
  tokens: number;
}

export interface ChunkFile {
  file: FileDiff;
  cls: ReviewClass;
  slices: HunkSlice[];
  /** True when only some of the file's hunks are in this chunk. */
  partial: boolean;
}

export interface Chunk {
  index: number;
  files: ChunkFile[];
  tokens: number;
}

export interface ReviewTarget {
  file: FileDiff;
  cls: ReviewClass;
}

export interface ChunkPlan {
  chunks: Chunk[];
  notReviewed: NotReviewed[];
  /** Changed lines reviewed / total changed lines in readable files. */
  coverage: { reviewedLines: number; totalLines: number };
}

export interface ChunkOptions {
  /** Tokens of diff text per chunk. */
  budgetTokens: number;
  /** Chunks per task (cost cap); what does not fit is listed as `context-budget`. @default 16 */
  maxChunks?: number;
}

/** Renders lines with new-side numbers on the left, the form every prompt uses and findings refer to. */
export function renderSlice(hunk: DiffHunk, lines: DiffLine[]): string {
  const out = [
    `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@ ${hunk.section}`.trimEnd(),
  ];
  for (const line of lines) {
    const no = line.newLine === undefined ? '' : String(line.newLine);
    const marker = line.kind === 'add' ? '+' : line.kind === 'delete' ? '-' : ' ';
    out.push(`${no.padStart(5)} ${marker} ${line.content}`);
  }
  return out.join('\n');
}

function changed(lines: DiffLine[]): number {
  return lines.filter((l) => l.kind !== 'context').length;
}

function lineRange(lines: DiffLine[]): string {
  const numbers = lines.map((l) => l.newLine ?? l.oldLine ?? 0).filter((n) => n > 0);
  if (numbers.length === 0) return 'deleted lines';
  return `lines ${Math.min(...numbers)}-${Math.max(...numbers)}`;
}

/** Splits a hunk into slices that each fit `budget` (a single line longer than the budget is its own slice). */
function sliceHunk(hunk: DiffHunk, counter: TokenCounter, budget: number): HunkSlice[] {
  const whole = renderSlice(hunk, hunk.lines);
  const wholeTokens = counter.count(whole);
  if (wholeTokens <= budget) return [{ hunk, lines: hunk.lines, text: whole, tokens: wholeTokens }];
  const slices: HunkSlice[] = [];
  const headerTokens = counter.count(renderSlice(hunk, []));
  let current: DiffLine[] = [];
  let currentTokens = headerTokens;
  const flush = () => {
    if (current.length === 0) return;
    const text = renderSlice(hunk, current);
    slices.push({ hunk, lines: current, text, tokens: counter.count(text) });
    current = [];
    currentTokens = headerTokens;
  };
  for (const line of hunk.lines) {
    const lineTokens = counter.count(`${line.content}\n`) + 3;
    if (current.length > 0 && currentTokens + lineTokens > budget) flush();
    current.push(line);
    currentTokens += lineTokens;
  }
  flush();
  return slices;
}

/** Plans the chunks for `targets` (readable files) and lists `skipped` ones as not reviewed. */
export function planChunks(
  targets: ReviewTarget[],
  counter: TokenCounter,
  options: ChunkOptions,
  skipped: NotReviewed[] = [],
): ChunkPlan {
  const maxChunks = options.maxChunks ?? 16;
  const budget = Math.max(64, options.budgetTokens);
  const ordered = [...targets].sort(
    (a, b) =>
      a.cls.priority - b.cls.priority ||
      changedCount(b.file) - changedCount(a.file) ||
      a.file.path.localeCompare(b.file.path),
  );

  const chunks: Chunk[] = [];
  const notReviewed: NotReviewed[] = [...skipped];
  let reviewedLines = 0;
  let totalLines = 0;
  let current: Chunk = { index: 0, files: [], tokens: 0 };

  const place = (target: ReviewTarget, slice: HunkSlice): boolean => {
    if (current.tokens + slice.tokens > budget && current.files.length > 0) {
      chunks.push(current);
      current = { index: chunks.length, files: [], tokens: 0 };
    }
    if (chunks.length >= maxChunks) return false;
    let entry = current.files.find((f) => f.file === target.file);
    if (!entry) {
      entry = { file: target.file, cls: target.cls, slices: [], partial: false };
      current.files.push(entry);
    }
    entry.slices.push(slice);
    current.tokens += slice.tokens;
    return true;
  };

  for (const target of ordered) {
    const slices = target.file.hunks.flatMap((h) => sliceHunk(h, counter, budget));
    const fileLines = slices.reduce((n, s) => n + changed(s.lines), 0);
    totalLines += fileLines;
    // Keep a file's hunks together when the whole file fits in a fresh chunk.
    const fileTokens = slices.reduce((n, s) => n + s.tokens, 0);
    if (fileTokens <= budget && current.tokens + fileTokens > budget && current.files.length > 0) {
      chunks.push(current);
      current = { index: chunks.length, files: [], tokens: 0 };
    }
    const left: HunkSlice[] = [];
    for (const slice of slices) {
      if (left.length > 0 || !place(target, slice)) left.push(slice);
      else reviewedLines += changed(slice.lines);
    }
    if (left.length > 0) {
      const ranges = left.map((s) => lineRange(s.lines)).join(', ');
      notReviewed.push({
        file: target.file.path,
        reason: 'context-budget',
        detail: `${left.length === slices.length ? 'whole file' : `${left.length} of ${slices.length} parts`} (${ranges}) beyond ${maxChunks} chunks of ${budget} tokens`,
      });
    }
  }
  if (current.files.length > 0 && chunks.length < maxChunks) chunks.push(current);
  for (const chunk of chunks)
    for (const f of chunk.files)
      f.partial = f.slices.length < f.file.hunks.length || f.slices.some((s) => s.lines !== s.hunk.lines);
  return { chunks, notReviewed, coverage: { reviewedLines, totalLines } };
}

function changedCount(file: FileDiff): number {
  let n = 0;
  for (const h of file.hunks) n += changed(h.lines);
  return n;
}
