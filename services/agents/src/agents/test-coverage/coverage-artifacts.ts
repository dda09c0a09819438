/** Coverage reports handed to the task: CI uploads by reference, files on this machine, or report files committed at head. */
import type { NotReviewed } from '@agentflow/contracts';
import { readReports } from '../../artifacts/report-files';
import type { AgentEnv } from '../agent';

const COVERAGE =
  /(\.info|lcov[^/]*|jacoco[^/]*\.xml|cobertura[^/]*\.xml|coverage[^/]*\.(xml|json)|xccov[^/]*\.json)$/i;

export async function readCoverageArtifacts(
  env: AgentEnv,
): Promise<{ texts: string[]; read: string[]; unreadable: NotReviewed[] }> {
  const committed = ((env.step.options ?? {}) as { coverage?: string[] }).coverage ?? [];
  const files = await readReports(env, {
    kind: 'coverage',
    names: COVERAGE,
    committed,
    label: 'coverage report',
  });
  return {
    texts: files.reports.map((r) => r.text),
    read: files.reports.map((r) => r.source),
    unreadable: files.unreadable,
  };
}
