/** Reads `/agentflow <command> [args]` from a comment body: the first line that starts with it. */
import { COMMANDS, type AgentflowCommand } from './types';

export interface ParsedCommand {
  command: AgentflowCommand;
  typed: string;
  args: string[];
}

export function parseCommand(body: string): ParsedCommand | null {
  for (const raw of body.split(/\r?\n/)) {
    const line = raw.trim();
    const m = /^\/agentflow(?:\s+(\S+))?(.*)$/i.exec(line);
    if (!m) continue;
    const typed = (m[1] ?? 'help').toLowerCase();
    const args = m[2].trim().split(/\s+/).filter(Boolean);
    const command = (COMMANDS as readonly string[]).includes(typed) ? (typed as AgentflowCommand) : 'help';
    return { command, typed, args };
  }
  return null;
}

export const HELP_TEXT = [
  '**agentflow commands** (people with write access):',
  '',
  '- `/agentflow review`: review this pull request again at its current head',
  '- `/agentflow test`: generate and review tests for the change',
  '- `/agentflow docs`: document the change',
  '- `/agentflow architecture`: review the change for architecture and module boundaries',
  '- `/agentflow dismiss <finding-id>`: dismiss a finding; it will not be reported again on this pull request',
  '- `/agentflow help`: this message',
].join('\n');
