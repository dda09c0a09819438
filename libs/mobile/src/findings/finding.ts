import { Finding, type Severity } from '@agentflow/contracts';
import { assignFingerprints, fingerprintOf as findingFingerprint } from '@agentflow/findings';
import type { ToolIssue } from '../sarif/read-sarif';

/** What a rule is about; becomes the contract finding's `category`. */
export type RuleCategory =
  'security' | 'release-risk' | 'testing' | 'localization' | 'dependencies' | 'project';

/** A finding from a deterministic rule, before it becomes a contract {@link Finding}. */
export interface AnalyzerFinding {
  /** Rule id from {@link RULES}, e.g. `android.exported-without-permission`. */
  ruleId: string;
  severity: Severity;
  category: RuleCategory;
  /** Path relative to the analysed root, with `/` separators. */
  file: string;
  /** 1-based line on the new side; 0 when the finding is about the file as a whole. */
  line: number;
  /** Last line, inclusive, when the finding spans several. */
  endLine?: number;
  /** Review-comment position of `line` in the file's diff, when analysing a diff and the line is in a hunk. */
  position?: number;
  /** What is wrong and how to fix it. Never contains a secret's value. */
  message: string;
  /**
   * The content the finding is about (the offending line, key or dependency). Not printed: it may
   * hold a secret. Not part of the finding's identity either (ADR 0032): the fingerprint is the
   * one of `@agentflow/findings`, from rule, file and category.
   */
  evidence: string;
}

/**
 * The finding's fingerprint, the same one agents and the run actor give it (`@agentflow/findings`):
 * rule, file and category, never the line. The first occurrence's id; {@link fingerprintAll} tells
 * apart the same rule twice in one file.
 */
export function fingerprintOf(
  finding: Pick<AnalyzerFinding, 'ruleId' | 'file' | 'category' | 'message'>,
): string {
  return findingFingerprint(finding);
}

/**
 * The fingerprints of a list of analyser findings, in the list's order: the same rule twice in one
 * file gets its next occurrence's id, as the run report gives it.
 */
export function fingerprintAll(findings: readonly AnalyzerFinding[]): string[] {
  return assignFingerprints(findings.map((f) => ({ ...toContractFinding(f), fingerprint: '' }))).map(
    (f) => f.fingerprint,
  );
}

export interface ToContractFindingOptions {
  /**
   * Agent type id to record. Default: `security` for security rules, `test-coverage` for testing
   * rules, `lint` for the rest.
   */
  agent?: string;
}

function defaultAgent(category: RuleCategory): string {
  if (category === 'security') return 'security';
  if (category === 'testing') return 'test-coverage';
  return 'lint';
}

/**
 * Converts an analyser finding to the contract {@link Finding}: source `analyzer`, model `rules`,
 * confidence 1, and the fingerprint of `@agentflow/findings` (rule, file, category; not the line).
 */
export function toContractFinding(finding: AnalyzerFinding, options: ToContractFindingOptions = {}): Finding {
  return Object.assign(new Finding(), {
    file: finding.file,
    startLine: finding.line,
    endLine: Math.max(finding.endLine ?? finding.line, finding.line),
    severity: finding.severity,
    category: finding.category,
    message: finding.message,
    confidence: 1,
    agent: options.agent ?? defaultAgent(finding.category),
    model: 'rules',
    source: 'analyzer' as const,
    ruleId: finding.ruleId,
    fingerprint: findingFingerprint(finding),
  });
}

/**
 * Converts a third-party SARIF result (SwiftLint, detekt, Android Lint) to the contract
 * {@link Finding}: source `sarif`, model `rules`, confidence 1, and the fingerprint of
 * `@agentflow/findings` (the tool's own fingerprint is not the finding's identity: the run report
 * never kept it). Convert a list with {@link toolIssuesToFindings} to tell apart one rule twice in a file.
 */
export function toolIssueToFinding(issue: ToolIssue, options: ToContractFindingOptions = {}): Finding {
  const message = `${issue.tool} ${issue.ruleId}: ${issue.message}`;
  const fingerprint = findingFingerprint({
    file: issue.file,
    category: 'style',
    ruleId: issue.ruleId,
    message,
  });
  return Object.assign(new Finding(), {
    file: issue.file,
    startLine: issue.line,
    endLine: Math.max(issue.endLine ?? issue.line, issue.line),
    severity: issue.severity,
    category: 'style',
    message,
    confidence: 1,
    agent: options.agent ?? 'lint',
    model: 'rules',
    source: 'sarif' as const,
    ruleId: issue.ruleId,
    fingerprint,
  });
}

/** {@link toolIssueToFinding} over a list: unique fingerprints, in the list's order. */
export function toolIssuesToFindings(
  issues: readonly ToolIssue[],
  options: ToContractFindingOptions = {},
): Finding[] {
  const findings = issues.map((i) => Object.assign(toolIssueToFinding(i, options), { fingerprint: '' }));
  const ids = assignFingerprints(findings).map((f) => f.fingerprint);
  return findings.map((f, i) => Object.assign(f, { fingerprint: ids[i] }));
}
