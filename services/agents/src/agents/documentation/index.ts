/** Documentation: DocC and KDoc for changed public API; migration guides and changelog entries as files. */
import type { AgentTemplate } from '../../prompts/template';
import { runModelReview } from '../model-review';
import type { AgentDefinition } from '../agent';
import { GENERATION_OUTPUT, REVIEW_OUTPUT } from '../review-output';

const FILE_TASKS = ['write_migration_guide', 'update_changelog'];

export const DOCUMENTATION_TEMPLATE: AgentTemplate = {
  agent: 'documentation',
  version: 2,
  role: "You are a technical writer embedded in a mobile team. You document public API so that a caller knows what it does, its parameters, errors, threading and lifetime, in the platform's own doc format.",
  tasks: {
    check_doc_coverage:
      'Report changed public or open declarations without documentation (category "docs", severity "minor").',
    generate_docs:
      'For each, give a suggestion whose replacement is the doc comment followed by the unchanged declaration line.',
    write_migration_guide:
      'Write a migration guide (docs/migrations/<topic>.md) for breaking API changes: before/after code for each.',
    update_changelog: 'Write the CHANGELOG.md entry for this change under "Unreleased".',
  },
  languages: {
    swift:
      'DocC: `///` comments with a summary line, `- Parameters:`, `- Returns:`, `- Throws:`; symbol links in double backticks.',
    objc: 'HeaderDoc/DocC `///` comments in the header, with nullability stated.',
    kotlin:
      'KDoc: `/** ... */` with `@param`, `@return`, `@throws`; mention the coroutine dispatcher when a function suspends.',
    java: 'Javadoc: `/** ... */` with `@param`, `@return`, `@throws`.',
  },
  output: REVIEW_OUTPUT,
};

export const documentationAgent: AgentDefinition = {
  id: 'documentation',
  description: 'Checks and writes DocC and KDoc for changed public API; writes migration guides.',
  async run(env) {
    const writesFiles = env.task.tasks.some((t) => FILE_TASKS.includes(t));
    return runModelReview(env, {
      template: { ...DOCUMENTATION_TEMPLATE, output: writesFiles ? GENERATION_OUTPUT : REVIEW_OUTPUT },
      shape: writesFiles ? 'generation' : 'review',
      ruleFindings: [],
      selects: (cls) => cls.kind === 'source' || cls.kind === 'other',
      related: false,
      acceptFile: (file) =>
        /\.(md|docc)$|\.docc\//.test(file.path) ? null : `${file.path} is not a documentation file`,
    });
  },
};
