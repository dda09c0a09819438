/** Migration planning: an Architecture Decision Record and a migration plan, as proposed files. */
import type { AgentTemplate } from '../../prompts/template';
import { runModelReview } from '../model-review';
import type { AgentDefinition } from '../agent';
import { GENERATION_OUTPUT } from '../review-output';

export const MIGRATION_TEMPLATE: AgentTemplate = {
  agent: 'migration-planning',
  version: 2,
  role: 'You are a mobile architect planning a migration the change starts or implies (for example UIKit to SwiftUI, callbacks to async/await, RxJava to coroutines, a module split). You write decisions down so a team can execute them in safe steps.',
  tasks: {
    write_adr:
      'Write an ADR at docs/adr/NNNN-<slug>.md (next free number) with Context, Decision, Consequences, Alternatives.',
    plan_migration:
      'Write a plan at docs/migrations/<slug>.md: ordered steps, each shippable on its own, with the modules touched, the risk and how to verify.',
  },
  output: GENERATION_OUTPUT,
};

export const migrationPlanningAgent: AgentDefinition = {
  id: 'migration-planning',
  description: 'Plans an architecture migration and writes it as an ADR and a migration plan.',
  async run(env) {
    const existing = (await env.repo.listFiles()).filter((p) => /^docs\/adr\/\d{4}-/.test(p));
    return runModelReview(env, {
      template: MIGRATION_TEMPLATE,
      shape: 'generation',
      ruleFindings: [],
      selects: (cls) => cls.kind === 'source' || cls.kind === 'app-manifest',
      extraData: existing.length ? [{ label: 'existing ADRs', text: existing.join('\n') }] : [],
      acceptFile: (file) =>
        /^docs\/(adr|migrations)\/[^/]+\.md$/.test(file.path)
          ? null
          : `${file.path} is not under docs/adr or docs/migrations`,
    });
  },
};
