/**
 * The deterministic side of every review: rules from `@agentflow/mobile` run over the change,
 * and SARIF reports (SwiftLint, detekt, Android Lint) are read into findings. These findings are
 * marked `analyzer` / `sarif` with confidence 1, and the merge rule keeps model output from
 * lowering or removing them.
 */
import type { Finding, Severity } from '@agentflow/contracts';
import { addedLineNumbers, findSecrets, type FileDiff } from '@agentflow/mobile';
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

const SARIF_LEVEL: Record<string, Severity> = { error: 'major', warning: 'minor', note: 'info', none: 'info' };

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
    const doc = JSON.parse(sarifText) as { runs?: Array<Record<string, unknown>> };
    const paths = diff.filter((f) => f.status !== 'deleted').map((f) => f.path);
    const byPath = new Map(diff.map((f) => [f.path, f]));
    const out: Finding[] = [];
    for (const run of doc.runs ?? []) {
      const rules = (((run.tool as Record<string, unknown>)?.driver as Record<string, unknown>)?.rules ?? []) as Array<Record<string, unknown>>;
      for (const result of (run.results ?? []) as Array<Record<string, unknown>>) {
        const ruleId = (result.ruleId as string | undefined) ?? (rules[result.ruleIndex as number]?.id as string | undefined) ?? 'sarif';
        const rule = rules.find((r) => r.id === ruleId);
        const level = (result.level as string | undefined) ?? ((rule?.defaultConfiguration as Record<string, unknown> | undefined)?.level as string | undefined) ?? 'warning';
        const location = ((result.locations ?? []) as Array<Record<string, unknown>>)[0]?.physicalLocation as Record<string, unknown> | undefined;
        const uri = (location?.artifactLocation as Record<string, unknown> | undefined)?.uri as string | undefined;
        const path = uri ? toRepoPath(uri, paths) : undefined;
        if (!path) continue;
        const region = (location?.region ?? {}) as Record<string, number>;
        const startLine = region.startLine ?? 0;
        const file = byPath.get(path)!;
        // Only results on lines the change touches: a linter's backlog is not this PR's problem.
        if (startLine > 0 && !addedLineNumbers(file).includes(startLine)) continue;
        const message = ((result.message as Record<string, unknown> | undefined)?.text as string | undefined) ?? ruleId;
        out.push({
          file: path,
          startLine,
          endLine: region.endLine ?? startLine,
          severity: SARIF_LEVEL[level] ?? 'minor',
          category: 'lint',
          message,
          confidence: 1,
          agent,
          model: 'rules',
          source: 'sarif',
          ruleId,
          fingerprint: fingerprintOf({ file: path, category: 'lint', ruleId, lineText: `${startLine > 0 ? '' : message}${findLine(file, startLine)}` }),
        });
      }
    }
    return out;
  }
}

function findLine(file: FileDiff, line: number): string {
  for (const h of file.hunks) for (const l of h.lines) if (l.newLine === line) return l.content;
  return '';
}
