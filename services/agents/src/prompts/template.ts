/**
 * A versioned prompt template. Each agent folder owns one; the language guidance is shared.
 * Bump `version` on any change to the text: findings record `<agent>@<version>/lang@<version>`.
 */
import type { AgentTypeId } from '@agentflow/contracts';
import type { SourceLanguage } from '../diff/file-kind';

export interface AgentTemplate {
  agent: AgentTypeId;
  version: number;
  /** Who the model is for this agent (first lines of the system prompt). */
  role: string;
  /** Extra instruction per catalogue task the step asked for. */
  tasks: Record<string, string>;
  /** Agent-specific advice per language, added after the shared language guidance. */
  languages?: Partial<Record<SourceLanguage, string>>;
  /** What to produce, in words (the JSON Schema is sent separately as the response schema). */
  output: string;
}

export function promptVersion(template: AgentTemplate, languageVersion: number): string {
  return `${template.agent}@${template.version}/lang@${languageVersion}`;
}
