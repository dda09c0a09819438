import type { Node } from 'yaml';
import { hasErrors, type Diagnostic } from './diagnostics';
import { parseDuration } from './duration';
import { SourceFile } from './source';

/** A value read from a file, with the node it came from (for errors) and the file. */
export interface Located<T> {
  value: T;
  node: Node;
  src: SourceFile;
}

/**
 * An agent as written: a bare name (`- security-agent`) or a full definition (name, type, service,
 * config, tasks, ...), in a workflow or in `agents.yml`. Only what the author wrote is set.
 */
export interface AgentDefinition {
  name: Located<string>;
  /** The whole definition (the name scalar for a bare name). */
  node: Node;
  src: SourceFile;
  bare: boolean;
  type?: Located<string>;
  service?: Located<string>;
  model?: Located<string>;
  maxTokens?: number;
  temperature?: number;
  focus?: string;
  complexity?: 'simple' | 'medium' | 'complex';
  tasks?: Array<Located<string>>;
  /** Where `tasks:` is written (its list), for problems with the list as a whole. */
  tasksAt?: Located<string>;
  timeoutMs?: number;
  retries?: number;
  if?: Located<string>;
  batch?: boolean;
  dependsOn?: Array<Located<string>>;
  options?: Record<string, unknown>;
}

export const AGENT_KEYS = [
  'name',
  'type',
  'service',
  'config',
  'tasks',
  'timeout',
  'retries',
  'if',
  'batch',
  'depends_on',
  'options',
];
/** What `defaults:` in agents.yml may set: everything but identity, tasks and wiring. */
const DEFAULTS_KEYS = ['service', 'config', 'timeout', 'retries', 'batch', 'options'];
const CONFIG_KEYS = ['model', 'max_tokens', 'temperature', 'focus', 'complexity'];
const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** Words the `if:` language gives a meaning; a step or phase may not be called one of them. */
export const RESERVED_NAMES = [
  'succeeded',
  'failed',
  'timed_out',
  'skipped',
  'cancelled',
  'completed',
  'findings',
  'true',
  'false',
  'and',
  'or',
  'not',
  'always',
];

/** Checks a step, phase or workflow name; returns the problem, if any. */
export function nameProblem(name: string, what: string): string | undefined {
  if (!NAME.test(name))
    return `${what} \`${name}\` may only hold letters, digits, \`-\` and \`_\`, and must start with a letter`;
  if (RESERVED_NAMES.includes(name))
    return `${what} may not be called \`${name}\`: conditions use that word; choose another name`;
  return undefined;
}

/** Longest step or run timeout: a week (a run waiting on CI can be long; beyond that it is a typo). */
export const MAX_DURATION_MS = 7 * 24 * 3_600_000;

export function readDuration(src: SourceFile, node: Node | null, what: string): number | undefined {
  const target = src.deref(node);
  if (target && 'value' in target && typeof (target as { value: unknown }).value === 'number') {
    src.error(
      node,
      `${what} needs a unit: write for example \`${(target as { value: number }).value}s\` or \`5m\``,
    );
    return undefined;
  }
  const text = src.string(node, what);
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    src.error(node, `${what} \`${text}\` is not a duration; write for example \`90s\`, \`5m\` or \`1h\``);
    return undefined;
  }
  if (ms > MAX_DURATION_MS) {
    src.error(node, `${what} \`${text}\` is longer than a week; the most allowed is \`168h\``);
    return undefined;
  }
  return ms;
}

/** Reads one entry of an `agents:` list. */
export function readAgentDefinition(
  src: SourceFile,
  node: Node,
  where: string,
  allowed: readonly string[] = AGENT_KEYS,
): AgentDefinition | undefined {
  const unnamed = !allowed.includes('name');
  if (!unnamed && src.isText(node)) {
    const name = src.string(node, `an agent name in ${where}`);
    if (name === undefined) return undefined;
    return { name: { value: name, node, src }, node, src, bare: true };
  }
  const f = src.map(
    node,
    unnamed ? where : `an agent in ${where} (a name, or a map with \`name\`, \`type\`, \`service\`, ...)`,
    allowed,
  );
  if (!f) return undefined;
  let def: AgentDefinition;
  if (unnamed) def = { name: { value: where, node, src }, node, src, bare: false };
  else {
    const nameField = f.get('name');
    if (!nameField) {
      src.error(node, `an agent in ${where} needs \`name:\``);
      return undefined;
    }
    const name = src.string(nameField.value, '`name` of an agent');
    if (name === undefined) return undefined;
    def = { name: { value: name, node: nameField.value ?? nameField.key, src }, node, src, bare: false };
  }
  const what = unnamed ? where : `agent \`${def.name.value}\``;
  const text = (key: string): Located<string> | undefined => {
    const field = f.get(key);
    if (!field) return undefined;
    const value = src.string(field.value, `\`${key}\` of ${what}`);
    return value === undefined ? undefined : { value, node: field.value ?? field.key, src };
  };
  def.type = text('type');
  def.service = text('service');
  def.if = text('if');
  const config = f.get('config');
  if (config) {
    const c = src.map(config.value, `\`config\` of ${what}`, CONFIG_KEYS);
    if (c) {
      const model = c.get('model');
      if (model) {
        const value = src.string(model.value, `\`config.model\` of ${what}`);
        if (value !== undefined) def.model = { value, node: model.value ?? model.key, src };
      }
      if (c.get('max_tokens'))
        def.maxTokens = src.number(c.get('max_tokens')!.value, '`config.max_tokens`', {
          min: 1,
          integer: true,
        });
      if (c.get('temperature'))
        def.temperature = src.number(c.get('temperature')!.value, '`config.temperature`', { min: 0, max: 2 });
      if (c.get('focus')) def.focus = src.string(c.get('focus')!.value, '`config.focus`');
      const complexity = c.get('complexity');
      if (complexity) {
        const value = src.string(complexity.value, '`config.complexity`');
        if (value !== undefined && !['simple', 'medium', 'complex'].includes(value))
          src.error(
            complexity.value,
            `\`config.complexity\` must be \`simple\`, \`medium\` or \`complex\`, found \`${value}\``,
          );
        else def.complexity = value as AgentDefinition['complexity'];
      }
    }
  }
  const tasks = f.get('tasks');
  if (tasks) {
    def.tasks = src.stringList(tasks.value, `\`tasks\` of ${what}`)?.map((t) => ({ ...t, src }));
    def.tasksAt = { value: '', node: tasks.value as Node, src };
  }
  const deps = f.get('depends_on');
  if (deps)
    def.dependsOn = src.stringList(deps.value, `\`depends_on\` of ${what}`)?.map((t) => ({ ...t, src }));
  if (f.get('timeout')) def.timeoutMs = readDuration(src, f.get('timeout')!.value, `\`timeout\` of ${what}`);
  if (f.get('retries'))
    def.retries = src.number(f.get('retries')!.value, `\`retries\` of ${what}`, {
      min: 0,
      max: 10,
      integer: true,
    });
  if (f.get('batch')) def.batch = src.boolean(f.get('batch')!.value, `\`batch\` of ${what}`);
  const options = f.get('options');
  if (options) {
    const o = src.map(options.value, `\`options\` of ${what}`, null);
    if (o)
      def.options = src.plain(options.value, `\`options\` of ${what}`) as Record<string, unknown> | undefined;
  }
  return def;
}

/**
 * `agents.yml`: agents declared once and referenced by name from workflows. `defaults` applies to
 * every agent that uses a model and does not say otherwise.
 */
export interface AgentDeclarations {
  /** Declared agents by lower-cased name. */
  agents: Map<string, AgentDefinition>;
  /** `defaults:`: a definition without a name (its `name` is `defaults`). */
  defaults?: AgentDefinition;
}

export const EMPTY_AGENT_DECLARATIONS: AgentDeclarations = { agents: new Map() };

export function parseAgentsFile(
  text: string,
  file = 'agents.yml',
): { declarations?: AgentDeclarations; diagnostics: Diagnostic[] } {
  const src = new SourceFile(file, text);
  if (!src.syntaxOk) return { diagnostics: src.diagnostics };
  const out: AgentDeclarations = { agents: new Map() };
  const top = src.map(src.root, 'the agents file', ['defaults', 'agents']);
  if (top) {
    const defaults = top.get('defaults');
    if (defaults?.value) out.defaults = readAgentDefinition(src, defaults.value, '`defaults`', DEFAULTS_KEYS);
    const agents = top.get('agents');
    if (!agents) src.error(src.root, 'the agents file needs an `agents:` list of agent definitions');
    else {
      const firstAt = new Map<string, number>();
      for (const item of src.list(agents.value, '`agents`') ?? []) {
        const def = readAgentDefinition(src, item, 'agents.yml');
        if (!def) continue;
        if (def.bare) {
          src.error(
            item,
            `\`${def.name.value}\`: agents.yml declares agents in full; write \`- name: ${def.name.value}\` with its \`type\` and \`service\``,
          );
          continue;
        }
        const problem = nameProblem(def.name.value, 'an agent');
        if (problem) src.error(def.name.node, problem);
        const key = def.name.value.toLowerCase();
        if (firstAt.has(key)) {
          src.error(
            def.name.node,
            `agent \`${def.name.value}\` is declared twice (first at line ${firstAt.get(key)}); remove one`,
          );
          continue;
        }
        firstAt.set(key, src.position(def.name.node.range?.[0] ?? 0).line);
        out.agents.set(key, def);
      }
    }
  }
  return { declarations: hasErrors(src.diagnostics) ? undefined : out, diagnostics: src.diagnostics };
}
