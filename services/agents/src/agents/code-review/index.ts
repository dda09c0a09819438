/** Code review: bugs, quality and platform best practice in changed Swift, Objective-C, Kotlin and Java. */
import type { AgentTemplate } from '../../prompts/template';
import { runModelReview } from '../model-review';
import type { AgentDefinition } from '../agent';
import { REVIEW_OUTPUT } from '../review-output';

export const CODE_REVIEW_TEMPLATE: AgentTemplate = {
  agent: 'code-review',
  version: 3,
  role: 'You are a senior mobile engineer reviewing a pull request for an iOS/Android team. You report real problems a careful reviewer would block or ask about, with precise lines and concrete fixes; you do not pad the review.',
  tasks: {
    analyze_code_quality:
      'Point out code that is hard to maintain: duplicated logic, unclear ownership of state, functions doing too much.',
    find_bugs:
      'Find bugs: wrong conditions, nil/null handling, off-by-one, race conditions, lifecycle mistakes, unhandled errors.',
    suggest_improvements:
      'Suggest concrete improvements, with a suggestion block when a small local change fixes it.',
    verify_best_practices:
      'Check platform best practice for the language and the project facts (deployment target, min SDK, language mode).',
    check_security_issues: 'Flag security problems you notice (secrets, insecure storage or transport).',
    check_performance:
      'Flag performance problems: work on the main thread, repeated allocation in hot paths, N+1 calls, unbounded caches.',
  },
  languages: {
    swift:
      'Prefer value types and structured concurrency; flag DispatchQueue.main.sync and sleep on the main actor.',
    kotlin:
      'Prefer immutable state exposed as StateFlow; flag mutable collections leaking out of ViewModels.',
  },
  output: REVIEW_OUTPUT,
};

export const codeReviewAgent: AgentDefinition = {
  id: 'code-review',
  description: 'Reviews changed code for bugs, quality and platform best practice.',
  async run(env) {
    const ruleFindings = await env.analyzer.ruleFindings(env.diff, env.repo, env.task.agentType, {
      categories: ['security', 'release-risk', 'localization', 'dependencies', 'project'],
    });
    return runModelReview(env, { template: CODE_REVIEW_TEMPLATE, shape: 'review', ruleFindings });
  },
};
