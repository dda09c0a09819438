import { ConfigError } from '@agentflow/contracts';

/** Where in a file a problem is: 1-based line and column. */
export interface SourcePosition {
  line: number;
  col: number;
}

/**
 * One problem found in a workflow, agents, providers or settings file. `message` says what is wrong
 * and how to fix it; it never carries a stack trace.
 */
export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  /** Character offsets `[start, end)` of the node the problem is about, for tools that underline it. */
  range?: [number, number];
  severity: 'error' | 'warning';
  message: string;
}

/** `file:line:col: message`, and `file:line:col: warning: message` for warnings. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.severity === 'warning' ? 'warning: ' : ''}${d.message}`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Orders diagnostics by file, then position, without repeats, so output is stable across runs. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const unique = diagnostics.filter((d) => {
    const key = `${d.file}:${d.line}:${d.col}:${d.severity}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.col - b.col,
  );
}

/**
 * Configuration files (workflows, agents, providers, settings) are invalid. Not retryable: fix the
 * files named in `diagnostics`, one `file:line:col: message` each.
 */
export class WorkflowConfigError extends ConfigError {
  constructor(
    readonly diagnostics: Diagnostic[],
    summary = 'workflow configuration is invalid',
  ) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const shown = errors.slice(0, 20).map(formatDiagnostic);
    const more = errors.length > shown.length ? `\n(${errors.length - shown.length} more)` : '';
    super(`${summary}:\n${shown.join('\n')}${more}`);
  }
}
