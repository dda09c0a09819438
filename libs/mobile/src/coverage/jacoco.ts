import { CoverageParseError } from './errors';
import { lineFile } from './summarise';
import type { CoverageReport, FileCoverage } from './types';
import { list, parseReportXml } from './xml';

interface JacocoLine {
  nr: string;
  ci?: string;
  mi?: string;
}

/**
 * Reads a JaCoCo XML report (Gradle `jacocoTestReport`, Kover's JaCoCo output). A line counts as
 * hit when any of its instructions ran (`ci > 0`). Paths are `package/SourceFile.kt`, relative to a
 * source root; match them to the repository by suffix.
 */
export function parseJacoco(text: string): CoverageReport {
  const doc = parseReportXml(text, ['package', 'group', 'sourcefile', 'line', 'class', 'method'], 'JaCoCo report');
  const report = doc.report as Record<string, unknown> | undefined;
  if (!report) throw new CoverageParseError('JaCoCo report has no <report> root element: pass the XML report (build/reports/jacoco/**/*.xml)');
  const files: FileCoverage[] = [];
  const visit = (node: unknown) => {
    for (const group of list(node, 'group')) visit(group);
    for (const pkg of list<Record<string, unknown>>(node, 'package')) {
      const pkgName = String(pkg.name ?? '');
      const methodsByFile = new Map<string, Array<{ name: string; line: number; hits: number }>>();
      for (const cls of list<Record<string, unknown>>(pkg, 'class')) {
        const source = String(cls.sourcefilename ?? '');
        for (const method of list<Record<string, unknown>>(cls, 'method')) {
          if (!method.line) continue;
          const counters = Array.isArray(method.counter) ? (method.counter as Array<Record<string, string>>) : method.counter ? [method.counter as Record<string, string>] : [];
          const lineCounter = counters.find((c) => c.type === 'LINE' || c.type === 'INSTRUCTION');
          const entry = { name: String(method.name), line: Number(method.line), hits: Number(lineCounter?.covered ?? 0) > 0 ? 1 : 0 };
          methodsByFile.set(source, [...(methodsByFile.get(source) ?? []), entry]);
        }
      }
      for (const sourcefile of list<Record<string, unknown>>(pkg, 'sourcefile')) {
        const name = String(sourcefile.name);
        const lines = list<JacocoLine>(sourcefile, 'line').map((l) => ({ line: Number(l.nr), hits: Number(l.ci ?? 0) }));
        const functions = (methodsByFile.get(name) ?? []).sort((a, b) => a.line - b.line);
        files.push(lineFile(pkgName ? `${pkgName}/${name}` : name, lines, functions));
      }
    }
  };
  visit(report);
  return { format: 'jacoco', files };
}
