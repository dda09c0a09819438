import type { CoverageReport, FileCoverage } from './types';

/** Whether tests executed a line, or `unknown` when no report covers the file or line. */
export type LineCoverageState = 'covered' | 'uncovered' | 'not-executable' | 'unknown';

function segments(path: string): string[] {
  return path.replace(/\\/g, '/').split('/').filter((s) => s && s !== '.');
}

/**
 * Looks up coverage by repository-relative path. Reports name files absolutely
 * (`/Users/ci/App/Sources/X.swift`), by package (`com/acme/X.kt`) or relative to a source root,
 * so a file matches the report entry sharing the longest run of trailing path segments.
 */
export class CoverageIndex {
  private readonly byName = new Map<string, FileCoverage[]>();

  constructor(reports: readonly CoverageReport[]) {
    for (const report of reports) {
      for (const file of report.files) {
        const name = segments(file.path).at(-1) ?? file.path;
        this.byName.set(name, [...(this.byName.get(name) ?? []), file]);
      }
    }
  }

  /** The report entry for a repository-relative path, if one matches. */
  fileFor(repoPath: string): FileCoverage | undefined {
    const wanted = segments(repoPath);
    const candidates = this.byName.get(wanted.at(-1) ?? '') ?? [];
    let best: FileCoverage | undefined;
    let bestScore = 0;
    let tie = false;
    for (const candidate of candidates) {
      const have = segments(candidate.path);
      let score = 0;
      while (score < have.length && score < wanted.length && have[have.length - 1 - score] === wanted[wanted.length - 1 - score]) score++;
      if (score > bestScore) {
        best = candidate;
        bestScore = score;
        tie = false;
      } else if (score === bestScore) tie = true;
    }
    // Two `Utils.swift` in different modules with only the name in common: refuse to guess.
    return tie && bestScore <= 1 ? undefined : best;
  }

  /** Coverage state of one line of a repository file. */
  lineState(repoPath: string, line: number): LineCoverageState {
    const file = this.fileFor(repoPath);
    if (!file) return 'unknown';
    if (file.granularity === 'function') {
      const fn = [...file.functions].reverse().find((f) => f.line <= line);
      if (!fn) return 'unknown';
      return fn.hits > 0 ? 'covered' : 'uncovered';
    }
    const entry = file.lines.find((l) => l.line === line);
    if (!entry) return 'not-executable';
    return entry.hits > 0 ? 'covered' : 'uncovered';
  }
}
