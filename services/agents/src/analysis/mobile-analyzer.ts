/**
 * The deterministic side of every review: rules from `@agentflow/mobile` run over the change,
 * and SARIF reports (SwiftLint, detekt, Android Lint) are read into findings. These findings are
 * marked `analyzer` / `sarif` with confidence 1, and the merge rule keeps model output from
 * lowering or removing them.
 */
import type { Finding } from '@agentflow/contracts';
import { addedLineNumbers, findSecrets, readSarif, type FileDiff } from '@agentflow/mobile';
import type { RepoContext } from '../repo/repo-context';
import { fingerprintOf } from '../findings/fingerprint';

export interface MobileAnalyzer {
  /** Rule findings on lines the change adds, attributed to `agent`. */
  ruleFindings(diff: FileDiff[], repo: RepoContext, agent: string): Promise<Finding[]>;
  /** Results of a SARIF 2.1.0 document on files of the change. */
  sarifFindings(sarifText: string, diff: FileDiff[], agent: string): Finding[];
}

function lineOf(text: string, line: number): string {
  return text.split('\n')[line - 1] ?? '';
}

/** Strips `file://` and a checkout prefix so a SARIF URI matches a repository path. */
function toRepoPath(uri: string, paths: string[]): string | undefined {
  const clean = decodeURIComponent(uri.replace(/^file:\/\//, '')).replace(/^\.\//, '');
  if (paths.includes(clean)) return clean;
  return paths.find((p) => clean.endsWith(`/${p}`));
}

export class MobileRulesAnalyzer implements MobileAnalyzer {
  async ruleFindings(diff: FileDiff[], repo: RepoContext, agent: string): Promise<Finding[]> {
    const out: Finding[] = [];
    for (const file of diff) {
      if (file.status === 'deleted' || file.binary) continue;
      const added = new Set(addedLineNumbers(file));
      if (added.size === 0) continue;
      const text = await repo.readHead(file.path);
      if (text === null) continue;
      for (const match of findSecrets(text, { path: file.path })) {
        if (!added.has(match.line)) continue;
        out.push({
          file: file.path,
          startLine: match.line,
          endLine: match.line,
          severity: match.severity,
          category: 'security',
          message: `A ${match.kind} is committed in code. Revoke it now, move it to the CI secret store or the Keychain / Android Keystore, and read it at runtime.`,
          confidence: 1,
          agent,
          model: 'rules',
          source: 'analyzer',
          ruleId: match.ruleId,
          fingerprint: fingerprintOf({ file: file.path, category: 'security', ruleId: match.ruleId, lineText: lineOf(text, match.line) }),
        });
      }
    }
    return out;
  }

  sarifFindings(sarifText: string, diff: FileDiff[], agent: string): Finding[] {
    const paths = diff.filter((f) => f.status !== 'deleted').map((f) => f.path);
    const byPath = new Map(diff.map((f) => [f.path, f]));
    const out: Finding[] = [];
    for (const issue of readSarif(sarifText)) {
      const path = toRepoPath(issue.file, paths);
      if (!path) continue;
      const file = byPath.get(path)!;
      // Only results on lines the change adds: a linter's backlog is not this pull request's problem.
      if (issue.line > 0 && !addedLineNumbers(file).includes(issue.line)) continue;
      out.push({
        file: path,
        startLine: issue.line,
        endLine: Math.max(issue.endLine ?? issue.line, issue.line),
        severity: issue.severity,
        category: 'lint',
        message: `${issue.tool}: ${issue.message}`,
        confidence: 1,
        agent,
        model: 'rules',
        source: 'sarif',
        ruleId: issue.ruleId,
        fingerprint: issue.fingerprint ?? fingerprintOf({ file: path, category: 'lint', ruleId: issue.ruleId, lineText: issue.line > 0 ? findLine(file, issue.line) : issue.message }),
      });
    }
    return out;
  }
}

function findLine(file: FileDiff, line: number): string {
  for (const h of file.hunks) for (const l of h.lines) if (l.newLine === line) return l.content;
  return '';
}
