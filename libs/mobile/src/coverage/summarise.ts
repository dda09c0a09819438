import type { FileCoverage, FunctionCoverage, LineHits } from './types';

/** Builds a line-granular file entry, merging duplicate lines by adding their hits. */
export function lineFile(path: string, hits: Iterable<LineHits>, functions: FunctionCoverage[] = []): FileCoverage {
  const byLine = new Map<number, number>();
  for (const { line, hits: n } of hits) byLine.set(line, (byLine.get(line) ?? 0) + n);
  const lines = [...byLine].sort((a, b) => a[0] - b[0]).map(([line, n]) => ({ line, hits: n }));
  return { path, granularity: 'line', lines, functions, linesFound: lines.length, linesHit: lines.filter((l) => l.hits > 0).length };
}
