/** Test coverage analysis: changed code that no test exercises, from the diff, the project, its tests and coverage reports. */
import type { AgentTemplate } from '../../prompts/template';
import { runModelReview } from '../model-review';
import type { AgentDefinition } from '../agent';
import { REVIEW_OUTPUT } from '../review-output';
import { readCoverageArtifacts } from './coverage-artifacts';

export const TEST_COVERAGE_TEMPLATE: AgentTemplate = {
  agent: 'test-coverage',
  version: 2,
  role: 'You are a mobile test engineer. For each changed behaviour you decide whether a test exercises it, and name the test cases that are missing. You do not write the tests.',
  tasks: {
    identify_untested_code:
      'Report changed branches, error paths and state transitions that no shown test exercises (category "testing").',
    analyze_coverage:
      'Judge whether the related tests shown cover the changed behaviour, not just the changed lines.',
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
  description:
    'Finds changed code with no tests (the mobile analysis, with coverage reports when given) and untested behaviour (model).',
  async run(env) {
    const coverage = await readCoverageArtifacts(env);
    const rules = await env.analyzer.run(env.diff, env.repo, env.task.agentType, {
      categories: ['testing'],
      coverage: coverage.texts,
    });
    const untested = rules.untested
      .map(
        (u) =>
          `${u.file}: lines ${u.lines.join(', ')} (${u.reason === 'no-tests' ? 'no test file for it' : 'coverage shows they did not run'})`,
      )
      .join('\n');
    const outcome = await runModelReview(env, {
      template: TEST_COVERAGE_TEMPLATE,
      shape: 'review',
      ruleFindings: rules.findings,
      selects: (cls) => cls.kind === 'source' || cls.kind === 'test',
      extraData: untested ? [{ label: 'changed code the analysis found untested', text: untested }] : [],
    });
    outcome.notReviewed.push(
      ...coverage.unreadable,
      ...rules.coverageProblems.map((p) => ({ file: 'coverage', reason: 'artifact-invalid', detail: p })),
    );
    outcome.data = { ...outcome.data, untested: rules.untested, coverageReports: coverage.read };
    return outcome;
  },
};
