import type { FileChangeStatus, FileDiff } from '../diff/types';
import type { FileClass } from '../files/classify';
import type { AnalyzerFinding } from '../findings/finding';
import type { RepoReader } from '../repo/repo-reader';
import type { ProjectStructure } from '../structure/project-structure';

/** One file as the rules see it: its new text, its old text when known, and which lines changed. */
export interface ChangedFile {
  /** Path relative to the analysed root. */
  path: string;
  /** `scanned` when every file is analysed without a diff. */
  status: FileChangeStatus | 'scanned';
  class: FileClass;
  /** New text; undefined for deleted or binary files. */
  content?: string;
  /** Old text when known (a `--base` checkout, or rebuilt from the diff); undefined for a scan or an added file. */
  oldContent?: string;
  /** New-side lines that changed; undefined means every line counts (a scan). */
  changedLines?: ReadonlySet<number>;
  diff?: FileDiff;
}

export interface RuleContext {
  /** `scan`: every file as it is, change rules stay quiet. `diff`: only changed lines, change rules compare old and new. */
  mode: 'scan' | 'diff';
  repo: RepoReader;
  structure: ProjectStructure;
}

/** A group of related rules that look at one kind of file. */
export interface FileRule {
  /** Name of the group, for logs and tests (`ios-info-plist`, `android-manifest`, ...). */
  name: string;
  /** Rule ids this group can report. */
  ruleIds: readonly string[];
  appliesTo(file: ChangedFile): boolean;
  check(file: ChangedFile, context: RuleContext): AnalyzerFinding[];
}

/** Whether a new-side line counts: every line in a scan, only changed lines in a diff. */
export function isChangedLine(file: ChangedFile, line: number): boolean {
  return file.changedLines === undefined || file.changedLines.has(line);
}

/** 1-based line of a character offset. */
export function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** The text of one 1-based line. */
export function lineText(text: string, line: number): string {
  return text.split('\n')[line - 1] ?? '';
}
