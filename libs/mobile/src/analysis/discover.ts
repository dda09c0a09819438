import { parseCoverage } from '../coverage/read-coverage';
import type { CoverageReport } from '../coverage/types';
import type { RepoReader } from '../repo/repo-reader';

/** File names coverage tools write by default; found anywhere in the checkout. */
const COVERAGE_NAMES =
  /(^|\/)(lcov\.info|coverage\.lcov|jacocoTestReport\.xml|cobertura\.xml|cobertura-coverage\.xml|xccov-report\.json|coverage-report\.json)$/;

/** Coverage reports committed or left in the checkout by CI, with the ones that did not parse. */
export function discoverCoverage(repo: RepoReader): {
  reports: CoverageReport[];
  found: string[];
  problems: Array<{ file: string; problem: string }>;
} {
  const reports: CoverageReport[] = [];
  const found: string[] = [];
  const problems: Array<{ file: string; problem: string }> = [];
  for (const file of repo.files.filter((f) => COVERAGE_NAMES.test(f))) {
    const text = repo.read(file);
    if (text === undefined) continue;
    try {
      reports.push(parseCoverage(text));
      found.push(file);
    } catch (error) {
      problems.push({ file, problem: error instanceof Error ? error.message : String(error) });
    }
  }
  return { reports, found, problems };
}
