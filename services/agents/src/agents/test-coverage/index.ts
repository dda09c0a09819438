/** Test coverage analysis: changed code that no test exercises, from the diff, the project and its tests. */
import type { AgentTemplate } from '../../prompts/template';
import { runModelReview, selectTargets } from '../model-review';
import type { AgentDefinition } from '../agent';
import { REVIEW_OUTPUT } from '../review-output';
import { untestedChanges } from './untested';

export const TEST_COVERAGE_TEMPLATE: AgentTemplate = {
  agent: 'test-coverage',
  version: 2,
  role: 'You are a mobile test engineer. For each changed behaviour you decide whether a test exercises it, and name the test cases that are missing. You do not write the tests.',
  tasks: {
    identify_untested_code: 'Report changed branches, error paths and state transitions that no shown test exercises (category "testing").',
    analyze_coverage: 'Judge whether the related tests shown cover the changed behaviour, not just the changed lines.',
    suggest_test_cases: 'In each message, name the missing test cases as "given / when / then".',
    generate_missing_tests: 'Describe the missing tests precisely enough that another agent can write them.',
  },
  languages: {
    swift: 'SwiftUI #Preview code needs no tests.',
    kotlin: 'Compose @Preview functions need no tests.',
  },
  output: REVIEW_OUTPUT,
};

export const testCoverageAgent: AgentDefinition = {
  id: 'test-coverage',
  description: 'Finds changed code with no tests (deterministic) and untested behaviour (model).',
  async run(env) {
    const { targets } = await selectTargets(env, (cls) => cls.kind === 'source');
    const ruleFindings = await untestedChanges(targets, env.repo, env.task.agentType);
    const outcome = await runModelReview(env, { template: TEST_COVERAGE_TEMPLATE, shape: 'review', ruleFindings, selects: (cls) => cls.kind === 'source' || cls.kind === 'test' });
    outcome.data = { ...outcome.data, untestedFiles: ruleFindings.map((f) => f.file) };
    return outcome;
  },
};
