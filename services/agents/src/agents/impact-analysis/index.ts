/** Impact analysis: what the change touches (modules, callers, public API) and how risky it is. */
import type { AgentTemplate } from '../../prompts/template';
import { runModelReview } from '../model-review';
import type { AgentDefinition } from '../agent';
import { GENERATION_OUTPUT } from '../review-output';

export const IMPACT_TEMPLATE: AgentTemplate = {
  agent: 'impact-analysis',
  version: 2,
  role: 'You are a release engineer for a mobile app. From the change and the callers shown, you work out what it touches and how it can break users, and you write it down for the reviewers.',
  tasks: {
    analyze_impact:
      'Write docs/impact/<short-slug>.md: modules and screens affected, callers that need changes, public API or persisted data changes, migration or feature-flag needs, and a risk rating (low/medium/high) with reasons. Report each caller that breaks as a finding (category "impact").',
  },
  output: GENERATION_OUTPUT,
};

export const impactAnalysisAgent: AgentDefinition = {
  id: 'impact-analysis',
  description: 'Analyses what a change touches: modules, callers, risk.',
  async run(env) {
    return runModelReview(env, {
      template: IMPACT_TEMPLATE,
      shape: 'generation',
      ruleFindings: [],
      selects: (cls) => cls.kind === 'source' || cls.kind === 'app-manifest',
      acceptFile: (file) =>
        /^docs\/(impact|adr|migrations)\/[^/]+\.md$/.test(file.path)
          ? null
          : `${file.path} is not under docs/impact`,
    });
  },
};
