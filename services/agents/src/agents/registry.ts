/** Every agent type, one folder each, registered here. Adding an agent is adding a folder and a line. */
import type { AgentTypeId } from '@agentflow/contracts';
import type { AgentDefinition } from './agent';
import { architectureReviewAgent } from './architecture-review';
import { codeReviewAgent } from './code-review';
import { documentationAgent } from './documentation';
import { impactAnalysisAgent } from './impact-analysis';
import { lintAgent } from './lint';
import { migrationPlanningAgent } from './migration-planning';
import { securityAgent } from './security';
import { testCoverageAgent } from './test-coverage';
import { testGenerationAgent } from './test-generation';
import { testReviewAgent } from './test-review';
import { testRunnerAgent } from './test-runner';

export const AGENTS: readonly AgentDefinition[] = [
  codeReviewAgent,
  securityAgent,
  testCoverageAgent,
  testGenerationAgent,
  testReviewAgent,
  testRunnerAgent,
  documentationAgent,
  architectureReviewAgent,
  migrationPlanningAgent,
  impactAnalysisAgent,
  lintAgent,
];

const byId = new Map<string, AgentDefinition>(AGENTS.map((a) => [a.id, a]));

export function agentFor(id: AgentTypeId | string): AgentDefinition | undefined {
  return byId.get(id);
}
