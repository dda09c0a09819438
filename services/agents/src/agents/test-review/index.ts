/** Test review: reviews changed and proposed tests, and what the team's CI run of them showed. */
import type { ProposedFile } from '@agentflow/contracts';
import type { FileDiff } from '@agentflow/mobile';
import type { AgentTemplate } from '../../prompts/template';
import { runModelReview } from '../model-review';
import type { AgentDefinition } from '../agent';
import { REVIEW_OUTPUT } from '../review-output';

export const TEST_REVIEW_TEMPLATE: AgentTemplate = {
  agent: 'test-review',
  version: 2,
  role: 'You are a reviewer of mobile test code. You judge whether each test can fail for the right reason, is deterministic, and tests behaviour rather than implementation; you use the CI results to explain failures.',
  tasks: {
    review_generated_tests:
      'Review the proposed tests: wrong assertions, tests that cannot fail, flaky timing, missing awaits, tests that will not compile against the code.',
    review_tests: 'Review the changed tests for the same problems.',
  },
  languages: {
    swift: 'Flag XCTestExpectation without wait/fulfillment, sleeps, and shared mutable state between tests.',
    kotlin:
      'Flag runBlocking in tests instead of runTest, Thread.sleep, and MockK relaxed mocks that hide missing stubs.',
  },
  output: REVIEW_OUTPUT,
};

/** A proposed file as an added file, so findings on it are placed like findings on the diff. */
export function asAddedFile(file: ProposedFile): FileDiff {
  const lines = file.content.replace(/\n$/, '').split('\n');
  return {
    path: file.path,
    oldPath: null,
    newPath: file.path,
    status: 'added',
    binary: false,
    additions: lines.length,
    deletions: 0,
    hunks: [
      {
        header: `@@ -0,0 +1,${lines.length} @@`,
        oldStart: 0,
        oldLines: 0,
        newStart: 1,
        newLines: lines.length,
        lines: lines.map((content, i) => ({
          kind: 'add' as const,
          content,
          newLine: i + 1,
          position: i + 1,
        })),
      },
    ],
  };
}

export const testReviewAgent: AgentDefinition = {
  id: 'test-review',
  description: 'Reviews tests (generated or written) and what the CI run of them showed.',
  async run(env) {
    const proposed: ProposedFile[] = [];
    const ci: string[] = [];
    for (const [stepId, outcome] of Object.entries(env.task.context ?? {})) {
      for (const f of outcome.proposedFiles ?? [])
        if (!proposed.some((p) => p.path === f.path)) proposed.push(f);
      if (outcome.data && ('ci' in outcome.data || 'awaitCi' in outcome.data || 'push' in outcome.data))
        ci.push(`${stepId} (${outcome.status}): ${JSON.stringify(outcome.data)}`);
    }
    const proposedPaths = new Set(proposed.map((p) => p.path));
    const reviewDiff = [
      ...env.reviewDiff.filter((f) => !proposedPaths.has(f.path)),
      ...proposed.map(asAddedFile),
    ];
    return runModelReview(
      { ...env, reviewDiff },
      {
        template: TEST_REVIEW_TEMPLATE,
        shape: 'review',
        ruleFindings: [],
        selects: (cls, file) => cls.kind === 'test' || proposedPaths.has(file.path),
        extraData: ci.length ? [{ label: 'CI results of the pushed tests', text: ci.join('\n') }] : [],
        // The proposed tests are reviewed whole and the CI results shown above: a digest would repeat them.
        phaseDigest: false,
      },
    );
  },
};
