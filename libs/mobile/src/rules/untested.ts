import type { CoverageIndex } from '../coverage/coverage-index';
import type { AnalyzerFinding } from '../findings/finding';
import { isBuildLogicPath } from '../files/classify';
import { declaredNames, type TestMap } from '../structure/test-mapping';
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
  for (const m of text.matchAll(
    /#Preview\b|struct\s+\w+\s*:\s*(?:[\w.]+\s*,\s*)*PreviewProvider\b|@Preview\b(?:\s*\([^)]*\))?/g,
  )) {
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
 * change mentions). Preview code and build logic do not count; test helpers, fakes, fixtures and
 * benchmarks are test code (see `classifyFile`). In a whole-repository scan the findings are per
 * module, for the modules where no source has a test: a file-by-file list of a repository is not a
 * change to review.
 */
export function findUntested(
  changes: readonly ChangedFile[],
  tests: TestMap,
  coverage: CoverageIndex | undefined,
  mode: 'scan' | 'diff' = 'diff',
): { untested: UntestedChange[]; findings: AnalyzerFinding[] } {
  const untested: UntestedChange[] = [];
  /** Per module in a scan: its sources, and whether any has a test. */
  const modules = new Map<string, ModuleSources>();
  const changedTests = changes.filter((c) => c.class.kind === 'test' && c.content !== undefined);
  for (const file of changes) {
    if (file.class.kind !== 'source' || file.content === undefined || isBuildLogicPath(file.path)) continue;
    const text = file.content;
    const lines = text.split('\n');
    const previews = previewLines(text);
    const candidates = (file.changedLines ? [...file.changedLines] : lines.map((_l, i) => i + 1))
      .filter((l) => !previews.has(l) && isCodeLine(lines[l - 1]))
      .sort((a, b) => a - b);
    if (candidates.length === 0) continue;
    const module = mode === 'scan' ? tests.moduleOf(file.path) : undefined;
    const entry = module
      ? (modules.get(module.name) ?? { manifest: module.manifest, sources: [], untested: [], logic: [] })
      : undefined;
    if (module && entry) {
      entry.sources.push(file.path);
      entry.logic.push(...declaredNames(text).filter((n) => LOGIC_TYPE.test(n)));
      modules.set(module.name, entry);
    }

    const covered = coverage?.fileFor(file.path);
    if (covered) {
      const missed = candidates.filter((l) => coverage!.lineState(file.path, l) === 'uncovered');
      if (missed.length) untested.push({ file: file.path, lines: missed, reason: 'uncovered' });
      if (missed.length) entry?.untested.push(file.path);
      continue;
    }
    const fileName = file.path.slice(file.path.lastIndexOf('/') + 1).replace(/\.[^.]+$/, '');
    const names = [...(fileName.includes('+') ? [] : [fileName]), ...declaredNames(text)];
    const testedHere = changedTests.some((t) => names.some((n) => tests.mentions(t.path, n)));
    if (!testedHere && tests.testsFor(file.path, text).length === 0) {
      untested.push({ file: file.path, lines: candidates, reason: 'no-tests' });
      entry?.untested.push(file.path);
    }
  }
  if (mode === 'scan') return { untested, findings: moduleFindings(modules) };
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

interface ModuleSources {
  manifest?: string;
  sources: string[];
  untested: string[];
  /** Types named for behaviour (view models, repositories, services, ...): what tests are for. */
  logic: string[];
}

/** Type names that hold behaviour worth a test, as opposed to views, entry points and plain data. */
const LOGIC_TYPE =
  /[a-z](ViewModel|Presenter|Repository|Service|Manager|Store|Client|Interactor|UseCase|Reducer|Parser|Mapper|Validator|Formatter|Cache|DataSource|Coordinator|Engine)$/;

/**
 * Whole-repository wording: one finding per module none of whose sources has a test and that
 * holds behaviour (a view model, repository, service, ...). A module of views, an app's entry
 * point or a navigation key has nothing a unit test would add much to.
 */
function moduleFindings(modules: ReadonlyMap<string, ModuleSources>): AnalyzerFinding[] {
  const findings: AnalyzerFinding[] = [];
  for (const [name, m] of [...modules].sort(([a], [b]) => a.localeCompare(b))) {
    if (m.untested.length === 0 || m.untested.length < m.sources.length || m.logic.length === 0) continue;
    const sorted = [...m.sources].sort();
    const examples = sorted
      .slice(0, 3)
      .map((p) => p.slice(p.lastIndexOf('/') + 1))
      .join(', ');
    findings.push(
      makeFinding(
        'testing.untested-change',
        m.manifest ?? sorted[0]!,
        1,
        `No tests for ${name}: none of its ${m.sources.length} source file(s) has a test, though it holds ${[...new Set(m.logic)].slice(0, 3).join(', ')} (files: ${examples}${sorted.length > 3 ? ', …' : ''})`,
        `no-tests-module:${name}`,
        // Info: 5 of 7 module findings on the labelled corpus were worth acting on (docs/analyzers.md), short of the 95% a minor needs.
        { severity: 'info' },
      ),
    );
  }
  return findings;
}
