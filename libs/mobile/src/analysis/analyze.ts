import { SEVERITY_RANK, type Severity } from '@agentflow/contracts';
import { CoverageIndex } from '../coverage/coverage-index';
import type { CoverageReport } from '../coverage/types';
import { addedLineNumbers, diffPosition, reconstructOld, sparseNewContent } from '../diff/lines';
import type { FileDiff } from '../diff/types';
import { classifyFile, readGitAttributes, type FileClass } from '../files/classify';
import type { AnalyzerFinding } from '../findings/finding';
import type { RepoReader } from '../repo/repo-reader';
import { androidRule } from '../rules/android';
import { codeRule } from '../rules/code';
import { dependenciesRule } from '../rules/dependencies';
import { infoPlistRule, missingUsageStringRule } from '../rules/ios-info-plist';
import { entitlementsAndPrivacyRule, xcodeProjectRule } from '../rules/ios-project';
import { localizationFindings } from '../rules/localization';
import { secretsRule } from '../rules/secrets-rule';
import type { ChangedFile, FileRule, RuleContext } from '../rules/types';
import { findUntested, type UntestedChange } from '../rules/untested';
import { readProjectStructure, type ProjectStructure } from '../structure/project-structure';
import { TestMap } from '../structure/test-mapping';

/** Every per-file rule group, in the order findings are produced. */
export const FILE_RULES: readonly FileRule[] = [
  secretsRule,
  infoPlistRule,
  missingUsageStringRule,
  xcodeProjectRule,
  entitlementsAndPrivacyRule,
  androidRule,
  codeRule,
  dependenciesRule,
];

/** A file a model should not be given, and why; the agents skip these and say so. */
export interface NotReviewedFile {
  file: string;
  /** `interface-builder`, `asset`, `binary`, `generated`, `lockfile`, `project-file`. */
  reason: string;
  detail?: string;
}

export interface AnalyzeInput {
  /** Files of the new side (the working tree). */
  repo: RepoReader;
  /** The parsed diff; without it every file is analysed (a scan). */
  diff?: readonly FileDiff[];
  /** Old-side file contents by old path (a `--base` checkout). Without it they are rebuilt from the diff. */
  readOld?: (path: string) => string | undefined;
  /** Coverage reports; when absent, untested code is judged by test-file mapping only. */
  coverage?: readonly CoverageReport[];
}

export interface AnalysisReport {
  mode: 'scan' | 'diff';
  structure: ProjectStructure;
  /** Sorted: most severe first, then by file and line. */
  findings: AnalyzerFinding[];
  untested: UntestedChange[];
  notReviewed: NotReviewedFile[];
  /** Files the analysis looked at. */
  filesAnalysed: number;
  /** Diff files whose new side is not in the repository: analysed from the diff text alone. */
  diffOnlyFiles: string[];
}

function notReviewedReason(
  path: string,
  cls: FileClass,
  binary: boolean,
  repo: RepoReader,
): NotReviewedFile | undefined {
  // A file too large to read is said to be, whatever its kind: it was not scanned.
  const unread = binary ? repo.unread?.(path) : undefined;
  if (unread?.reason === 'too-large') return { file: path, reason: 'too-large', detail: unread.detail };
  switch (cls.kind) {
    case 'interface-builder':
      return {
        file: path,
        reason: 'interface-builder',
        detail: 'storyboard/xib: open it in Xcode to review layout changes',
      };
    case 'asset':
      return {
        file: path,
        reason: binary ? 'binary' : 'asset',
        detail: 'image, font or asset catalog entry',
      };
    case 'generated':
      return { file: path, reason: 'generated', detail: cls.reason };
    case 'lockfile':
      return { file: path, reason: 'lockfile', detail: 'summarised by the deps.* rules' };
    case 'project':
      return path.endsWith('.pbxproj') || path.endsWith('.xcconfig')
        ? { file: path, reason: 'project-file', detail: 'summarised by the ios.* project rules' }
        : undefined;
    default:
      return binary ? { file: path, reason: 'binary' } : undefined;
  }
}

/** Whether the working tree holds the diff's new side for this file (its added lines match). */
function matchesNewSide(diff: FileDiff, content: string): boolean {
  const lines = content.split('\n');
  return diff.hunks.every((h) =>
    h.lines.every(
      (l) => l.newLine === undefined || (lines[l.newLine - 1] ?? '').replace(/\r$/, '') === l.content,
    ),
  );
}

function buildChanges(
  input: AnalyzeInput,
  isMarkedGenerated: (p: string) => boolean,
): { changes: ChangedFile[]; diffOnly: string[]; binary: Set<string> } {
  const binary = new Set<string>();
  const classify = (path: string, content: string | undefined) =>
    classifyFile(path, { head: content?.slice(0, 1500), isMarkedGenerated });
  if (!input.diff) {
    const changes = input.repo.files.map((path): ChangedFile => {
      const content = input.repo.read(path);
      if (content === undefined) binary.add(path);
      return { path, status: 'scanned', class: classify(path, content), content };
    });
    return { changes, diffOnly: [], binary };
  }
  const diffOnly: string[] = [];
  const changes = input.diff.map((d): ChangedFile => {
    // git diffs UTF-16 text as binary: when the file reads as text it is scanned whole.
    const asText = d.binary && d.status !== 'deleted' ? input.repo.read(d.path) : undefined;
    if (d.binary && asText !== undefined) {
      const all = asText.split('\n').map((_, i) => i + 1);
      return {
        path: d.path,
        status: d.status,
        class: classify(d.path, asText),
        content: asText,
        changedLines: new Set(all),
        diff: d,
      };
    }
    if (d.binary) binary.add(d.path);
    let content: string | undefined;
    if (d.status !== 'deleted' && !d.binary) {
      const onDisk = input.repo.read(d.path);
      if (onDisk !== undefined && matchesNewSide(d, onDisk)) content = onDisk;
      else {
        content = sparseNewContent(d);
        diffOnly.push(d.path);
      }
    }
    const fromBase = d.oldPath ? input.readOld?.(d.oldPath) : undefined;
    const oldContent =
      d.status === 'added'
        ? undefined
        : (fromBase ??
          (content !== undefined && !diffOnly.includes(d.path) ? reconstructOld(d, content) : undefined));
    // A platform that sent no patch (or did not list the file) says nothing of which lines changed: the rules scan them all.
    const changedLines =
      (d.patch === 'absent' || d.patch === 'unlisted') && content !== undefined
        ? content.split('\n').map((_, i) => i + 1)
        : addedLineNumbers(d);
    return {
      path: d.path,
      status: d.status,
      class: classify(d.path, content),
      content,
      oldContent,
      changedLines: new Set(changedLines),
      diff: d,
    };
  });
  return { changes, diffOnly, binary };
}

function byImportance(a: AnalyzerFinding, b: AnalyzerFinding): number {
  return (
    SEVERITY_RANK[b.severity as Severity] - SEVERITY_RANK[a.severity as Severity] ||
    a.file.localeCompare(b.file) ||
    a.line - b.line ||
    a.ruleId.localeCompare(b.ruleId)
  );
}

/**
 * Runs every deterministic rule over a change (or a whole checkout): secrets, iOS and Android
 * configuration, code patterns, localisation, dependencies and untested code, plus the project
 * structure and the list of files a model should not read. Pure apart from reading `input.repo`.
 */
export function analyze(input: AnalyzeInput): AnalysisReport {
  const gitattributes = input.repo.read('.gitattributes');
  const isMarkedGenerated = gitattributes ? readGitAttributes(gitattributes) : () => false;
  const structure = readProjectStructure(input.repo);
  const { changes, diffOnly, binary } = buildChanges(input, isMarkedGenerated);
  const context: RuleContext = { mode: input.diff ? 'diff' : 'scan', repo: input.repo, structure };

  const findings: AnalyzerFinding[] = [];
  for (const file of changes) {
    const rules = file.class.kind === 'generated' ? [secretsRule] : FILE_RULES;
    for (const rule of rules) {
      if (!rule.appliesTo(file)) continue;
      try {
        findings.push(...rule.check(file, context));
      } catch (error) {
        // One unreadable file (a merge conflict in a pbxproj) must not hide every other finding.
        structure.problems.push({
          file: file.path,
          problem: `${rule.name}: ${error instanceof Error ? error.message : String(error)}`,
        });
      }
    }
  }
  findings.push(...localizationFindings(changes, context));
  const coverage = input.coverage?.length ? new CoverageIndex(input.coverage) : undefined;
  const { untested, findings: untestedFindings } = findUntested(
    changes,
    new TestMap(input.repo),
    coverage,
    context.mode,
  );
  findings.push(...untestedFindings);

  const notReviewed = changes
    .filter((c) => c.status !== 'deleted')
    .map((c) => notReviewedReason(c.path, c.class, binary.has(c.path) || c.content === undefined, input.repo))
    .filter((n): n is NotReviewedFile => n !== undefined);

  if (input.diff) {
    const byPath = new Map(input.diff.map((d) => [d.path, d]));
    for (const f of findings) {
      const d = byPath.get(f.file);
      const position = d && f.line > 0 ? diffPosition(d, f.line) : undefined;
      if (position !== undefined) f.position = position;
    }
  }
  return {
    mode: context.mode,
    structure,
    findings: findings.sort(byImportance),
    untested,
    notReviewed,
    filesAnalysed: changes.length,
    diffOnlyFiles: diffOnly,
  };
}
