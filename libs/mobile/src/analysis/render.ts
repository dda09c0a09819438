import { SEVERITIES, type Severity } from '@agentflow/contracts';
import { fingerprintAll } from '../findings/finding';
import type { AnalysisReport, NotReviewedFile } from './analyze';
import type { UntestedChange } from '../rules/untested';
import type { ProjectStructure } from '../structure/project-structure';

/** One finding in the JSON document of `agentflow analyze --format json`. */
export interface AnalysisJsonFinding {
  ruleId: string;
  severity: Severity;
  category: string;
  /** Relative to the analysed PATH. */
  file: string;
  /** 1-based; 0 for the file as a whole. */
  line: number;
  endLine?: number;
  /** Review-comment position in the file's diff (diff mode, lines inside a hunk). */
  position?: number;
  message: string;
  fingerprint: string;
}

/** The JSON document `agentflow analyze --format json` prints (version 1). */
export interface AnalysisJsonDocument {
  version: 1;
  mode: 'scan' | 'diff';
  structure: ProjectStructure;
  findings: AnalysisJsonFinding[];
  untested: UntestedChange[];
  notReviewed: NotReviewedFile[];
  summary: { filesAnalysed: number; findings: Record<Severity, number> };
}

function countBySeverity(report: AnalysisReport): Record<Severity, number> {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of report.findings) counts[f.severity]++;
  return counts;
}

/** The machine-readable document: structure, findings, untested changes and files not reviewed. */
export function toJsonDocument(report: AnalysisReport): AnalysisJsonDocument {
  const fingerprints = fingerprintAll(report.findings);
  return {
    version: 1,
    mode: report.mode,
    structure: report.structure,
    findings: report.findings.map((f, i) => ({
      ruleId: f.ruleId,
      severity: f.severity,
      category: f.category,
      file: f.file,
      line: f.line,
      ...(f.endLine !== undefined && f.endLine !== f.line ? { endLine: f.endLine } : {}),
      ...(f.position !== undefined ? { position: f.position } : {}),
      message: f.message,
      fingerprint: fingerprints[i],
    })),
    untested: report.untested,
    notReviewed: report.notReviewed,
    summary: { filesAnalysed: report.filesAnalysed, findings: countBySeverity(report) },
  };
}

const ANSI = {
  reset: '\x1b[0m',
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  red: '\x1b[31m',
  yellow: '\x1b[33m',
  blue: '\x1b[34m',
  magenta: '\x1b[35m',
  cyan: '\x1b[36m',
};
const SEVERITY_COLOUR: Record<Severity, string> = {
  blocker: ANSI.magenta + ANSI.bold,
  major: ANSI.red,
  minor: ANSI.yellow,
  info: ANSI.blue,
};

/** Human-readable report: structure, findings grouped by file, untested code and skipped files. */
export function renderText(
  report: AnalysisReport,
  options: { color?: boolean; title?: string } = {},
): string {
  const c = (code: string, text: string) => (options.color ? `${code}${text}${ANSI.reset}` : text);
  const out: string[] = [];
  const s = report.structure;
  out.push(c(ANSI.bold, options.title ?? 'agentflow analyze'));
  out.push(
    `${report.mode === 'diff' ? 'Changed files' : 'Files'} analysed: ${report.filesAnalysed}${s.platforms.length ? ` · platforms: ${s.platforms.join(', ')}` : ''}`,
  );
  if (s.modules.length)
    out.push(
      `Modules: ${s.modules.map((m) => `${m.name} (${m.kind}${m.minSdk ? `, minSdk ${m.minSdk}` : ''})`).join(', ')}`,
    );
  if (s.targets.length)
    out.push(`Targets: ${s.targets.map((t) => `${t.name}${t.isTest ? ' [test]' : ''}`).join(', ')}`);
  if (s.schemes.length) out.push(`Schemes: ${s.schemes.map((x) => x.name).join(', ')}`);
  const minimums = [
    s.iosDeploymentTarget ? `iOS ${s.iosDeploymentTarget}` : '',
    s.minSdk !== undefined ? `Android minSdk ${s.minSdk}` : '',
  ].filter(Boolean);
  if (minimums.length) out.push(`Minimum OS: ${minimums.join(', ')}`);
  out.push('');

  if (report.findings.length === 0) out.push(c(ANSI.bold, 'No findings.'));
  else {
    const counts = countBySeverity(report);
    out.push(
      c(ANSI.bold, `Findings (${report.findings.length}): `) +
        SEVERITIES.filter((sv) => counts[sv])
          .map((sv) => c(SEVERITY_COLOUR[sv], `${counts[sv]} ${sv}`))
          .join(', '),
    );
    const byFile = new Map<string, typeof report.findings>();
    for (const f of report.findings) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
    for (const [file, findings] of [...byFile].sort((a, b) => a[0].localeCompare(b[0]))) {
      out.push(`  ${c(ANSI.cyan, file)}`);
      for (const f of findings.sort((a, b) => a.line - b.line)) {
        out.push(
          `    ${c(ANSI.dim, f.line ? `${f.line}`.padStart(4) : '   -')}  ${c(SEVERITY_COLOUR[f.severity], f.severity.padEnd(7))} ${c(ANSI.dim, f.ruleId)}`,
        );
        out.push(`          ${f.message}`);
      }
    }
  }
  if (report.untested.length) {
    out.push('');
    out.push(c(ANSI.bold, `Changed code with no tests (${report.untested.length}):`));
    for (const u of report.untested)
      out.push(
        `  ${u.file}  ${c(ANSI.dim, u.reason === 'uncovered' ? `lines not covered: ${u.lines.join(', ')}` : 'no test file found')}`,
      );
  }
  if (report.notReviewed.length) {
    out.push('');
    out.push(c(ANSI.bold, `Not reviewed (${report.notReviewed.length}):`));
    for (const n of report.notReviewed)
      out.push(`  ${n.file}  ${c(ANSI.dim, `${n.reason}${n.detail ? `: ${n.detail}` : ''}`)}`);
  }
  if (report.diffOnlyFiles.length) {
    out.push('');
    out.push(
      c(
        ANSI.yellow,
        `Analysed from the diff alone (the working tree does not hold their new side): ${report.diffOnlyFiles.join(', ')}`,
      ),
    );
  }
  if (s.problems.length) {
    out.push('');
    out.push(c(ANSI.yellow, 'Could not read:'));
    for (const p of s.problems) out.push(`  ${p.file}: ${p.problem}`);
  }
  return `${out.join('\n')}\n`;
}
