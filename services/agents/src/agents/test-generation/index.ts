/** Test generation: unit tests for the changed code, written where the project keeps its tests. */
import type { AgentTemplate } from '../../prompts/template';
import { runModelReview, selectTargets } from '../model-review';
import type { AgentDefinition } from '../agent';
import { GENERATION_OUTPUT } from '../review-output';
import { frameworkFor, testFileProblem, testPathFor } from './test-locations';

export const TEST_GENERATION_TEMPLATE: AgentTemplate = {
  agent: 'test-generation',
  version: 2,
  role: 'You are a mobile engineer who writes focused, deterministic unit tests that compile against the code as shown. You test behaviour through public API, fake collaborators through their protocols or interfaces, and never call the network, the clock or the file system directly.',
  tasks: {
    generate_missing_tests:
      'Write tests for the changed behaviour that the related tests shown do not cover.',
    generate_unit_tests: 'Write unit tests for every changed public function.',
    suggest_test_cases: 'Cover the edge cases: empty input, errors, cancellation, boundaries.',
    generate_ui_tests: 'Write UI tests (XCUITest / Compose UI test) only for changed screens.',
  },
  languages: {
    swift:
      'Swift Testing: `import Testing`, `@Test func ...`, `#expect(...)`; XCTest: `final class XTests: XCTestCase`. Use `@testable import <Module>`. Async code: `async` tests, no sleeps.',
    kotlin:
      'JUnit 5 (`@Test` from org.junit.jupiter.api) with MockK (`mockk<...>()`, `coEvery`, `coVerify`); coroutines with `runTest` from kotlinx-coroutines-test.',
    java: 'JUnit (`@Test`), assertions from org.junit; mocks through the interfaces the code already has.',
  },
  output: GENERATION_OUTPUT,
};

export const testGenerationAgent: AgentDefinition = {
  id: 'test-generation',
  description:
    'Writes unit tests where the project keeps them (XCTest / Swift Testing; JUnit 5 + MockK; JUnit).',
  async run(env) {
    const facts = await env.facts();
    const { targets } = await selectTargets(env, (cls) => cls.kind === 'source');
    const placement = targets
      .map(
        (t) =>
          `- tests for ${t.file.path}: ${testPathFor(t.file.path)} using ${frameworkFor(t.file.path, facts)}`,
      )
      .join('\n');
    const template: AgentTemplate = {
      ...TEST_GENERATION_TEMPLATE,
      output: `Put each test file at the path the project's conventions give:\n${placement}\nIf a test file already exists there, return its full new content with your tests added.\n${GENERATION_OUTPUT}`,
    };
    const outcome = await runModelReview(env, {
      template,
      shape: 'generation',
      ruleFindings: [],
      selects: (cls) => cls.kind === 'source',
      acceptFile: (file) => testFileProblem(file.path),
    });
    outcome.data = {
      ...outcome.data,
      testLocations: Object.fromEntries(targets.map((t) => [t.file.path, testPathFor(t.file.path)])),
    };
    return outcome;
  },
};
