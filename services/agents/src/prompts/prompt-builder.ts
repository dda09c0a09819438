/**
 * Assembles one prompt: instructions (role, tasks, language guidance, project facts, path
 * instructions, output rules) outside the data fence; everything read from the repository or
 * produced from it (diff, related files, rule findings, open findings) inside it.
 */
import type { Finding } from '@agentflow/contracts';
import type { SourceLanguage } from '../diff/file-kind';
import { describeFacts, type ProjectFacts } from '../analysis/project-facts';
import { DataFence } from './data-fence';
import { LANGUAGE_GUIDANCE, LANGUAGE_GUIDANCE_VERSION } from './languages';
import { promptVersion, type AgentTemplate } from './template';

export interface PromptDataBlock {
  /** What the block is: `diff: Sources/App/Login.swift`, `related test of ...`. */
  label: string;
  text: string;
}

export interface PromptInput {
  template: AgentTemplate;
  tasks: string[];
  languages: SourceLanguage[];
  facts: ProjectFacts;
  /** Conventions file from the base commit (the team's own, already merged). */
  conventions?: { path: string; text: string } | null;
  /** `glob: instructions` lines from the workflow that match files in this prompt. */
  pathInstructions: string[];
  /** Deterministic findings on these files: the model is told not to repeat or contest them. */
  ruleFindings: Finding[];
  /** Open findings from the previous review to recheck (incremental review). */
  recheck: Finding[];
  /** The change itself and anything else read from the repository. */
  data: PromptDataBlock[];
  /** Focus from the workflow step (`model.focus`). */
  focus?: string;
}

export interface BuiltPrompt {
  system: string;
  user: string;
  nonce: string;
  promptVersion: string;
}

function findingLine(f: Finding): string {
  return `- [${f.fingerprint}] ${f.file}:${f.startLine}-${f.endLine} ${f.severity} ${f.category}${f.ruleId ? ` (${f.ruleId})` : ''}: ${f.message}`;
}

export function buildPrompt(input: PromptInput): BuiltPrompt {
  const { template } = input;
  const ruleText = input.ruleFindings.map(findingLine).join('\n');
  const recheckText = input.recheck.map(findingLine).join('\n');
  const fence = DataFence.forContent([
    ruleText,
    recheckText,
    ...input.data.map((d) => `${d.label}\n${d.text}`),
  ]);

  const languages = [...new Set(input.languages)];
  const system = [
    template.role,
    '',
    fence.explain(),
    '',
    'Line numbers at the left of diff lines are line numbers in the NEW version of the file; place every finding on those numbers.',
    'Only report problems on lines the diff adds or changes, or problems those lines cause. Do not report style nits a linter would catch.',
    'A suggestion replaces exactly the lines startLine..endLine of the new file: give their current text in "existing" and the full new text in "replacement".',
    "Give each finding a confidence between 0 and 1: how sure you are it is a real problem worth a developer's time.",
    '',
    ...languages.map(
      (l) => `${LANGUAGE_GUIDANCE[l]}${template.languages?.[l] ? ` ${template.languages[l]}` : ''}`,
    ),
  ].join('\n');

  const sections: string[] = [];
  sections.push(`Project facts (from the build files):\n${describeFacts(input.facts)}`);
  const tasks = input.tasks.map((t) => template.tasks[t]).filter(Boolean);
  if (tasks.length) sections.push(`Your tasks:\n${tasks.map((t) => `- ${t}`).join('\n')}`);
  if (input.focus) sections.push(`Focus requested by the workflow: ${input.focus.replace(/\n/g, ' ')}`);
  if (input.pathInstructions.length)
    sections.push(
      `Instructions from the workflow for these paths:\n${input.pathInstructions.map((p) => `- ${p}`).join('\n')}`,
    );
  if (input.conventions)
    sections.push(
      `The team's conventions (${input.conventions.path}, from the base branch):\n${fence.wrap(`conventions ${input.conventions.path}`, input.conventions.text)}`,
    );
  if (ruleText) {
    sections.push(
      'Deterministic analysers already reported the findings below. They stand as they are: do not repeat them, and nothing you say can lower or remove them.\n' +
        fence.wrap('rule findings', ruleText),
    );
  }
  if (recheckText) {
    sections.push(
      'These findings were open after the previous review. For each fingerprint, say in "recheck" whether the current code still has the problem ("open") or fixed it ("fixed").\n' +
        fence.wrap('open findings', recheckText),
    );
  }
  for (const block of input.data) sections.push(fence.wrap(block.label, block.text));
  sections.push(template.output);

  return {
    system,
    user: sections.join('\n\n'),
    nonce: fence.nonce,
    promptVersion: promptVersion(template, LANGUAGE_GUIDANCE_VERSION),
  };
}
