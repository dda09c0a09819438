import { CoverageParseError } from './errors';
import { lineFile } from './summarise';
import type { CoverageReport, FileCoverage, FunctionCoverage } from './types';

interface XccovFunction {
  name: string;
  lineNumber: number;
  executionCount: number;
  executableLines?: number;
  coveredLines?: number;
}
interface XccovFile {
  path: string;
  name?: string;
  functions?: XccovFunction[];
  executableLines?: number;
  coveredLines?: number;
}
interface XccovArchiveLine {
  line: number;
  isExecutable: boolean;
  executionCount?: number | null;
}

/**
 * Reads Xcode coverage JSON, either shape:
 * - `xcrun xccov view --report --json`: targets -> files -> functions. Only function start lines and
 *   counts are known, so files get `granularity: 'function'`.
 * - `xcrun xccov view --archive --json [--file F]`: `{ "<path>": [{ line, isExecutable, executionCount }] }`,
 *   line-granular.
 */
export function parseXccov(text: string): CoverageReport {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new CoverageParseError(`xccov report is not JSON (${error instanceof Error ? error.message : String(error)}): run \`xcrun xccov view --report --json\``);
  }
  if (doc && typeof doc === 'object' && Array.isArray((doc as { targets?: unknown }).targets)) {
    const files: FileCoverage[] = [];
    for (const target of (doc as { targets: Array<{ files?: XccovFile[] }> }).targets) {
      for (const file of target.files ?? []) {
        const functions: FunctionCoverage[] = (file.functions ?? [])
          .map((f) => ({ name: f.name, line: f.lineNumber, hits: f.executionCount, executableLines: f.executableLines, coveredLines: f.coveredLines }))
          .sort((a, b) => a.line - b.line);
        files.push({
          path: file.path,
          granularity: 'function',
          lines: functions.map((f) => ({ line: f.line, hits: f.hits })),
          functions,
          linesFound: file.executableLines ?? functions.reduce((n, f) => n + (f.executableLines ?? 0), 0),
          linesHit: file.coveredLines ?? functions.reduce((n, f) => n + (f.coveredLines ?? 0), 0),
        });
      }
    }
    return { format: 'xccov', files };
  }
  if (doc && typeof doc === 'object' && !Array.isArray(doc)) {
    const entries = Object.entries(doc as Record<string, unknown>);
    if (entries.every(([, v]) => Array.isArray(v))) {
      const files = entries.map(([path, lines]) =>
        lineFile(
          path,
          (lines as XccovArchiveLine[]).filter((l) => l.isExecutable).map((l) => ({ line: l.line, hits: l.executionCount ?? 0 })),
        ),
      );
      return { format: 'xccov', files };
    }
  }
  throw new CoverageParseError('xccov JSON has neither `targets` (view --report) nor per-file line arrays (view --archive)');
}
