import { createHash } from 'node:crypto';
import { Finding, type Severity } from '@agentflow/contracts';
import type { ToolIssue } from '../sarif/read-sarif';

/** What a rule is about; becomes the contract finding's `category`. */
export type RuleCategory = 'security' | 'release-risk' | 'testing' | 'localization' | 'dependencies' | 'project';

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
   * The content the finding is about (the offending line, key or dependency), used only for the
   * fingerprint so that it survives line shifts. Not printed: it may hold a secret.
   */
  evidence: string;
}

/** Whitespace-insensitive form of evidence: reformatting a line does not make a new finding. */
export function normaliseEvidence(evidence: string): string {
  return evidence.replace(/\s+/g, ' ').trim();
}

/** Stable id: same rule, same file, same content, same fingerprint, wherever the line moves. */
export function fingerprintOf(finding: Pick<AnalyzerFinding, 'ruleId' | 'file' | 'evidence'>): string {
  return createHash('sha256')
    .update(`${finding.ruleId}\0${finding.file}\0${normaliseEvidence(finding.evidence)}`)
    .digest('hex')
    .slice(0, 32);
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
 * confidence 1, and a fingerprint from rule, file and normalised content (not the line number).
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
    fingerprint: fingerprintOf(finding),
  });
}

/**
 * Converts a third-party SARIF result (SwiftLint, detekt, Android Lint) to the contract
 * {@link Finding}: source `sarif`, model `rules`, confidence 1, the tool's own fingerprint when it
 * gave one, else one from tool, rule, file and message.
 */
export function toolIssueToFinding(issue: ToolIssue, options: ToContractFindingOptions = {}): Finding {
  const fingerprint = createHash('sha256')
    .update(`${issue.tool}\0${issue.ruleId}\0${issue.file}\0${issue.fingerprint ?? normaliseEvidence(issue.message)}`)
    .digest('hex')
    .slice(0, 32);
  return Object.assign(new Finding(), {
    file: issue.file,
    startLine: issue.line,
    endLine: Math.max(issue.endLine ?? issue.line, issue.line),
    severity: issue.severity,
    category: 'style',
    message: `${issue.tool} ${issue.ruleId}: ${issue.message}`,
    confidence: 1,
    agent: options.agent ?? 'lint',
    model: 'rules',
    source: 'sarif' as const,
    ruleId: issue.ruleId,
    fingerprint,
  });
}
