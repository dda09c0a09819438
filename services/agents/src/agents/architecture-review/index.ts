/** Architecture review: MVVM, VIPER, Clean Architecture, module boundaries and dependency injection. */
import { describeFacts } from '../../analysis/project-facts';
import type { AgentTemplate } from '../../prompts/template';
import { runModelReview } from '../model-review';
import type { AgentDefinition } from '../agent';
import { REVIEW_OUTPUT } from '../review-output';

export const ARCHITECTURE_TEMPLATE: AgentTemplate = {
  agent: 'architecture-review',
  version: 2,
  role: 'You are a mobile architect. You review how the change fits the app\'s architecture (MVVM, VIPER, Clean Architecture), its module boundaries and its dependency injection, and report where it erodes them. Category "architecture".',
  tasks: {
    analyze_architecture:
      'Identify the pattern the touched code follows and report changes that break it (a View doing data access, a ViewModel knowing about UIKit/Android views).',
    check_module_boundaries:
      'Report imports across module boundaries that the module list does not allow, and feature modules depending on each other directly.',
    check_dependency_injection:
      'Report singletons and concrete types created inside classes instead of injected (shared instances, service locators, `object` singletons).',
    check_design_patterns:
      'Report misuse of the patterns the codebase uses (coordinators, repositories, use cases).',
  },
  languages: {
    swift: 'SwiftUI views should not own services; inject through initialisers or the environment.',
    kotlin: 'Hilt/Koin modules provide dependencies; ViewModels receive repositories, not Context.',
  },
  output: REVIEW_OUTPUT,
};

export const architectureReviewAgent: AgentDefinition = {
  id: 'architecture-review',
  description: 'Reviews architecture, module boundaries and dependency injection.',
  async run(env) {
    const facts = await env.facts();
    return runModelReview(env, {
      template: ARCHITECTURE_TEMPLATE,
      shape: 'review',
      ruleFindings: [],
      selects: (cls) => cls.kind === 'source',
      extraData: [{ label: 'project modules', text: describeFacts(facts) }],
    });
  },
};
