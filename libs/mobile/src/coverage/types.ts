/** Coverage formats the parsers read. */
export type CoverageFormat = 'lcov' | 'jacoco' | 'cobertura' | 'xccov';

/** Execution count of one executable line. */
export interface LineHits {
  line: number;
  hits: number;
}

/** A function or method with where it starts and whether tests ran it. */
export interface FunctionCoverage {
  name: string;
  /** 1-based first line. */
  line: number;
  hits: number;
  /** Executable and covered line counts when the format reports them per function (xccov). */
  executableLines?: number;
  coveredLines?: number;
}

/** Coverage of one source file as the report names it. */
export interface FileCoverage {
  /** The path as written in the report: absolute, package-relative or repository-relative. */
  path: string;
  /**
   * `line`: `lines` lists every executable line. `function`: only function start lines are known
   * (an `xccov view --report` summary); use {@link FileCoverage.functions} for ranges.
   */
  granularity: 'line' | 'function';
  /** Executable lines with their hit counts, ascending by line. */
  lines: LineHits[];
  functions: FunctionCoverage[];
  linesFound: number;
  linesHit: number;
}

export interface CoverageReport {
  format: CoverageFormat;
  files: FileCoverage[];
}

