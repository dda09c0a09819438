import { CoverageParseError } from './errors';
import { lineFile } from './summarise';
import type { CoverageReport, FileCoverage, FunctionCoverage, LineHits } from './types';

/**
 * Reads an lcov tracefile (`llvm-cov export -format=lcov`, `genhtml` input, Kover/JaCoCo converters):
 * `SF:` starts a file, `DA:line,hits` gives line counts, `FN`/`FNDA` functions, `end_of_record` ends it.
 */
export function parseLcov(text: string): CoverageReport {
  const files: FileCoverage[] = [];
  let path: string | undefined;
  let lines: LineHits[] = [];
  let fnLines = new Map<string, number>();
  let fnHits = new Map<string, number>();
  const lineList = text.split(/\r?\n/);
  for (let i = 0; i < lineList.length; i++) {
    const line = lineList[i]!.trim();
    if (!line) continue;
    const colon = line.indexOf(':');
    const tag = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1);
    if (tag === 'SF') {
      path = value;
      lines = [];
      fnLines = new Map();
      fnHits = new Map();
    } else if (tag === 'end_of_record') {
      if (path === undefined) throw new CoverageParseError(`lcov line ${i + 1}: end_of_record without SF:`);
      const functions: FunctionCoverage[] = [...fnLines].map(([name, at]) => ({ name, line: at, hits: fnHits.get(name) ?? 0 }));
      files.push(lineFile(path, lines, functions));
      path = undefined;
    } else if (path === undefined) {
      if (tag !== 'TN') throw new CoverageParseError(`lcov line ${i + 1}: ${tag} outside a record (expected SF:path first)`);
    } else if (tag === 'DA') {
      const [at, hits] = value.split(',');
      const n = Number(at);
      if (!Number.isInteger(n)) throw new CoverageParseError(`lcov line ${i + 1}: DA needs a line number, got "${value}"`);
      lines.push({ line: n, hits: Math.max(0, Number(hits) || 0) });
    } else if (tag === 'FN') {
      // FN:<line>[,<end line>],<name>: names (mangled Swift) never contain a comma-number prefix.
      const parts = value.split(',');
      const name = parts.slice(parts.length >= 3 && /^\d+$/.test(parts[1]!) ? 2 : 1).join(',');
      fnLines.set(name, Number(parts[0]));
    } else if (tag === 'FNDA') {
      const comma = value.indexOf(',');
      fnHits.set(value.slice(comma + 1), Number(value.slice(0, comma)) || 0);
    }
  }
  if (path !== undefined) throw new CoverageParseError(`lcov record for ${path} has no end_of_record: the file is truncated`);
  return { format: 'lcov', files };
}
