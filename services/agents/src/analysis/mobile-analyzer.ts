/**
 * The deterministic side of every review: rules from `@agentflow/mobile` run over the change,
 * and SARIF reports (SwiftLint, detekt, Android Lint) are read into findings. These findings are
 * marked `analyzer` / `sarif` with confidence 1, and the merge rule keeps model output from
 * lowering or removing them.
 */
import type { Finding } from '@agentflow/contracts';
import {
  addedLineNumbers,
  analysisInputs,
  analyze,
  parseCoverage,
  readSarif,
  toContractFinding,
  type CoverageReport,
  type FileDiff,
  type RepoReader as MobileRepoReader,
  type RuleCategory,
  type UntestedChange,
} from '@agentflow/mobile';
import type { RepoContext } from '../repo/repo-context';
import { assignFingerprints } from '@agentflow/findings';

export interface RuleOptions {
  /** Only rules of these categories (`security`, `release-risk`, `testing`, ...). @default all */
  categories?: RuleCategory[];
  /** Coverage report texts (lcov, JaCoCo, Cobertura, xccov) for the untested-code rule. */
  coverage?: string[];
}

export interface RuleRun {
  findings: Finding[];
  /** Changed code with no test, as the mobile analysis judged it. */
  untested: UntestedChange[];
  /** Coverage reports that could not be read, with why. */
  coverageProblems: string[];
}

export interface MobileAnalyzer {
  /** Rule findings on the change (every mobile rule, filtered by category), attributed to `agent`. */
  ruleFindings(diff: FileDiff[], repo: RepoContext, agent: string, options?: RuleOptions): Promise<Finding[]>;
  /** The whole rule run, with untested code. */
  run(diff: FileDiff[], repo: RepoContext, agent: string, options?: RuleOptions): Promise<RuleRun>;
  /** Results of a SARIF 2.1.0 document on files of the change. */
  sarifFindings(sarifText: string, diff: FileDiff[], agent: string): Finding[];
}

/** Strips `file://` and a checkout prefix so a SARIF URI matches a repository path. */
function toRepoPath(uri: string, paths: string[]): string | undefined {
  const clean = decodeURIComponent(uri.replace(/^file:\/\//, '')).replace(/^\.\//, '');
  if (paths.includes(clean)) return clean;
  return paths.find((p) => clean.endsWith(`/${p}`));
}

/**
 * Runs `@agentflow/mobile`'s analysis (secrets, iOS and Android configuration, code patterns,
 * localisation, dependencies, untested code) on the change. The analysis reads synchronously, so
 * the files it needs are read from the head commit first.
 */
export class MobileRulesAnalyzer implements MobileAnalyzer {
  async ruleFindings(
    diff: FileDiff[],
    repo: RepoContext,
    agent: string,
    options: RuleOptions = {},
  ): Promise<Finding[]> {
    return (await this.run(diff, repo, agent, options)).findings;
  }

  async run(diff: FileDiff[], repo: RepoContext, agent: string, options: RuleOptions = {}): Promise<RuleRun> {
    const files = await repo.listFiles();
    // Binary-diffed files are read too: git diffs UTF-16 text as binary, and the rules scan it (a real binary reads as null).
    // The same files `agentflow analyze` reads from disk, test files included: the findings must not depend on the front end.
    const wanted = analysisInputs(
      files,
      diff.filter((d) => d.status !== 'deleted').map((d) => d.path),
    );
    const contents = new Map<string, string>();
    await Promise.all(
      wanted.map(async (path) => {
        const text = await repo.readHead(path);
        if (text !== null) contents.set(path, text);
      }),
    );
    const reader: MobileRepoReader = { files, read: (path) => contents.get(path) };
    const coverage: CoverageReport[] = [];
    const coverageProblems: string[] = [];
    for (const text of options.coverage ?? []) {
      try {
        coverage.push(parseCoverage(text));
      } catch (error) {
        coverageProblems.push(error instanceof Error ? error.message : String(error));
      }
    }
    const report = analyze({ repo: reader, diff, coverage });
    const wantedCategories = options.categories ? new Set<string>(options.categories) : undefined;
    const findings = report.findings
      .filter((f) => !wantedCategories || wantedCategories.has(f.category))
      .map((f) => ({ ...toContractFinding(f, { agent }) }));
    return { findings, untested: report.untested, coverageProblems };
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
        // The one recipe (`@agentflow/findings`): the tool's own fingerprint never reached the report.
        fingerprint: '',
      });
    }
    return assignFingerprints(out);
  }
}
