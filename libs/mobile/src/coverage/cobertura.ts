import { CoverageParseError } from './errors';
import { lineFile } from './summarise';
import type { CoverageReport, FileCoverage } from './types';
import { list, parseReportXml } from './xml';

/**
 * Reads a Cobertura XML report (Slather, Kover, coverage.py and most CI converters). The file path
 * is the class's `filename`, relative to one of the `<source>` roots; several classes of one file
 * (Kotlin, Java inner classes) are merged.
 */
export function parseCobertura(text: string): CoverageReport {
  const doc = parseReportXml(text, ['package', 'class', 'line', 'method', 'source'], 'Cobertura report');
  const coverage = doc.coverage as Record<string, unknown> | undefined;
  if (!coverage) throw new CoverageParseError('Cobertura report has no <coverage> root element: pass the cobertura.xml that Slather or Kover wrote');
  const byFile = new Map<string, { lines: Array<{ line: number; hits: number }>; functions: Array<{ name: string; line: number; hits: number }> }>();
  for (const pkg of list<Record<string, unknown>>(coverage.packages, 'package')) {
    for (const cls of list<Record<string, unknown>>(pkg.classes, 'class')) {
      const path = String(cls.filename ?? cls.name ?? '');
      const entry = byFile.get(path) ?? { lines: [], functions: [] };
      byFile.set(path, entry);
      for (const line of list(cls.lines, 'line')) entry.lines.push({ line: Number(line.number), hits: Number(line.hits ?? 0) });
      for (const method of list<Record<string, unknown>>(cls.methods, 'method')) {
        const methodLines = list(method.lines, 'line');
        if (methodLines.length === 0) continue;
        entry.functions.push({ name: String(method.name), line: Number(methodLines[0]!.number), hits: Number(methodLines[0]!.hits ?? 0) });
      }
    }
  }
  const files: FileCoverage[] = [...byFile].map(([path, { lines, functions }]) => lineFile(path, lines, functions));
  return { format: 'cobertura', files };
}

/** The `<source>` roots a Cobertura report declares, for resolving its relative file names. */
export function coberturaSources(text: string): string[] {
  const doc = parseReportXml(text, ['source'], 'Cobertura report');
  const coverage = doc.coverage as Record<string, unknown> | undefined;
  return list<string>(coverage?.sources, 'source').map(String);
}
