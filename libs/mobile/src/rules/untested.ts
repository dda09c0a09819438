import type { CoverageIndex } from '../coverage/coverage-index';
import type { AnalyzerFinding } from '../findings/finding';
import type { TestMap } from '../structure/test-mapping';
import { makeFinding } from './catalogue';
import type { ChangedFile } from './types';

/** A changed source file whose changes no test exercises. */
export interface UntestedChange {
  file: string;
  /** Changed lines that count (preview code and blank or comment lines excluded). */
  lines: number[];
  /** `no-tests`: no test file belongs to the source. `uncovered`: coverage shows the lines did not run. */
  reason: 'no-tests' | 'uncovered';
}

/** Index of the brace closing the first `{` at or after `from`, skipping strings and comments roughly. */
function closingBrace(text: string, from: number): number {
  const open = text.indexOf('{', from);
  if (open === -1) return -1;
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      const end = text.indexOf('"', i + 1);
      i = end === -1 ? text.length : end;
    } else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return i;
  }
  return text.length - 1;
}

/**
 * Lines that belong to SwiftUI previews (`#Preview { }`, `PreviewProvider` types) or Compose
 * `@Preview` functions: tooling code that needs no tests.
 */
export function previewLines(text: string): Set<number> {
  const lines = new Set<number>();
  const lineAt = (offset: number) => text.slice(0, offset).split('\n').length;
  const mark = (start: number, end: number) => {
    for (let l = lineAt(start); l <= lineAt(end); l++) lines.add(l);
  };
  for (const m of text.matchAll(/#Preview\b|struct\s+\w+\s*:\s*(?:[\w.]+\s*,\s*)*PreviewProvider\b|@Preview\b(?:\s*\([^)]*\))?/g)) {
    const end = closingBrace(text, m.index + m[0].length);
    if (end !== -1) mark(m.index, end);
  }
  return lines;
}

function isCodeLine(text: string | undefined): boolean {
  const t = (text ?? '').trim();
  return t.length > 0 && !/^(\/\/|\/\*|\*|import\b|package\b|#import|#include|[})\]]+;?$)/.test(t);
}

/**
 * Changed production code with no tests. With coverage for the file, the changed executable lines
 * that did not run; without it, source files no test file belongs to (and no test in the same
 * change mentions). Preview code does not count.
 */
export function findUntested(changes: readonly ChangedFile[], tests: TestMap, coverage: CoverageIndex | undefined): { untested: UntestedChange[]; findings: AnalyzerFinding[] } {
  const untested: UntestedChange[] = [];
  const changedTests = changes.filter((c) => c.class.kind === 'test' && c.content !== undefined);
  for (const file of changes) {
    if (file.class.kind !== 'source' || file.content === undefined) continue;
    const text = file.content;
    const lines = text.split('\n');
    const previews = previewLines(text);
    const candidates = (file.changedLines ? [...file.changedLines] : lines.map((_l, i) => i + 1))
      .filter((l) => !previews.has(l) && isCodeLine(lines[l - 1]))
      .sort((a, b) => a - b);
    if (candidates.length === 0) continue;

    const covered = coverage?.fileFor(file.path);
    if (covered) {
      const missed = candidates.filter((l) => coverage!.lineState(file.path, l) === 'uncovered');
      if (missed.length) untested.push({ file: file.path, lines: missed, reason: 'uncovered' });
      continue;
    }
    const base = file.path.slice(file.path.lastIndexOf('/') + 1).replace(/\.[^.]+$/, '');
    const testedHere = changedTests.some((t) => tests.mentions(t.path, base));
    if (!testedHere && tests.testsFor(file.path).length === 0) untested.push({ file: file.path, lines: candidates, reason: 'no-tests' });
  }
  const findings = untested.map((u) =>
    makeFinding(
      'testing.untested-change',
      u.file,
      u.lines[0]!,
      u.reason === 'uncovered'
        ? `${u.lines.length} changed line(s) did not run in the test coverage report (${u.lines.slice(0, 8).join(', ')}${u.lines.length > 8 ? ', …' : ''})`
        : `No test file exercises ${u.file}`,
      `${u.reason}:${u.file}`,
      { endLine: u.lines[u.lines.length - 1] },
    ),
  );
  return { untested, findings };
}
