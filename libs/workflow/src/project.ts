import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ProvidersConfig, WorkflowPlan } from '@agentflow/contracts';
import { EMPTY_AGENT_DECLARATIONS, parseAgentsFile, type AgentDeclarations } from './agents';
import { compileWorkflow, type CompileContext, type CompileResult } from './compile';
import { checkAgentDeclarations } from './declarations';
import { hasErrors, sortDiagnostics, WorkflowConfigError, type Diagnostic } from './diagnostics';
import { parseProvidersConfig, ProviderCatalog } from './providers';
import { classesReaching, DEFAULT_SETTINGS, parseSettings, type OrganisationSettings } from './settings';

/**
 * A config directory (the config repository's `workflows/`, or a mounted ConfigMap) holds:
 * `providers.yml` (required), `agents.yml` and `settings.yml` (optional), other services' config
 * that ships in the same ConfigMap (`gateway.yml`, read by the gateway), the `kustomization.yaml`
 * that turns the directory into that ConfigMap (k8s/), and one workflow per other `*.yml` / `*.yaml`
 * file. Hidden entries (`..data` of a ConfigMap) are not read.
 */
export const RESERVED_FILES = [
  'providers.yml',
  'providers.yaml',
  'agents.yml',
  'agents.yaml',
  'settings.yml',
  'settings.yaml',
  'gateway.yml',
  'gateway.yaml',
  'kustomization.yml',
  'kustomization.yaml',
];
/** Reserved files this library does not check (another service owns their rules). */
export const FOREIGN_FILES = ['gateway.yml', 'gateway.yaml', 'kustomization.yml', 'kustomization.yaml'];

/** The shared declarations workflows are compiled against. */
export interface ProjectConfig {
  providers: ProvidersConfig;
  catalog: ProviderCatalog;
  agents: AgentDeclarations;
  settings: OrganisationSettings;
}

/** A loaded config directory: declarations, compiled plans, and every problem found. */
export interface WorkflowProject extends ProjectConfig {
  dir: string;
  /** Plans of the workflow files that compiled, in file-name order. */
  plans: WorkflowPlan[];
  diagnostics: Diagnostic[];
  /** Workflow files read, for reporting. */
  files: string[];
}

export function createCompileContext(config: ProjectConfig): CompileContext {
  return {
    providers: config.catalog,
    agents: config.agents,
    dataClasses: config.settings.dataClasses,
    classesFor: (id) => classesReaching(config.settings, id),
  };
}

function findFile(dir: string, names: string[]): string | undefined {
  for (const name of names) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return undefined;
}

function readText(path: string, diagnostics: Diagnostic[]): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    diagnostics.push({
      file: path,
      line: 1,
      col: 1,
      severity: 'error',
      message: `cannot read the file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    });
    return undefined;
  }
}

/** Reads `providers.yml`, `agents.yml` and `settings.yml` of a config directory. */
export function loadProjectConfig(dir: string): { config?: ProjectConfig; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const providersFile = findFile(dir, ['providers.yml', 'providers.yaml']);
  let providers: ProvidersConfig | undefined;
  if (!providersFile) {
    diagnostics.push({
      file: join(dir, 'providers.yml'),
      line: 1,
      col: 1,
      severity: 'error',
      message: `no providers.yml in ${dir}: workflows name providers declared there (or point --config at the directory that has it)`,
    });
  } else {
    const text = readText(providersFile, diagnostics);
    if (text !== undefined) {
      const parsed = parseProvidersConfig(text, providersFile);
      diagnostics.push(...parsed.diagnostics);
      providers = parsed.config;
    }
  }
  let agents: AgentDeclarations | undefined = EMPTY_AGENT_DECLARATIONS;
  const agentsFile = findFile(dir, ['agents.yml', 'agents.yaml']);
  if (agentsFile) {
    const text = readText(agentsFile, diagnostics);
    if (text !== undefined) {
      const parsed = parseAgentsFile(text, agentsFile);
      diagnostics.push(...parsed.diagnostics);
      agents = parsed.declarations;
    }
  }
  let settings: OrganisationSettings | undefined = DEFAULT_SETTINGS;
  const settingsFile = findFile(dir, ['settings.yml', 'settings.yaml']);
  if (settingsFile) {
    const text = readText(settingsFile, diagnostics);
    if (text !== undefined) {
      const parsed = parseSettings(text, settingsFile);
      diagnostics.push(...parsed.diagnostics);
      settings = parsed.settings;
    }
  }
  if (!providers || !agents || !settings || hasErrors(diagnostics)) return { diagnostics };
  const catalog = new ProviderCatalog(providers);
  diagnostics.push(...checkAgentDeclarations(agents, catalog));
  if (hasErrors(diagnostics)) return { diagnostics };
  return { config: { providers, catalog, agents, settings }, diagnostics };
}

/** The workflow files of a config directory (not the reserved ones, not hidden entries), sorted. */
export function listWorkflowFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter(
      (name) =>
        !name.startsWith('.') && /\.ya?ml$/i.test(name) && !RESERVED_FILES.includes(name.toLowerCase()),
    )
    .filter((name) => {
      try {
        return statSync(join(dir, name)).isFile();
      } catch {
        return false;
      }
    })
    .sort()
    .map((name) => join(dir, name));
}

export function compileWorkflowFile(path: string, config: ProjectConfig): CompileResult {
  const diagnostics: Diagnostic[] = [];
  const text = readText(path, diagnostics);
  if (text === undefined) return { diagnostics };
  return compileWorkflow(text, path, createCompileContext(config));
}

/** Reports workflows of one set that share an id; the later file is the one in error. */
export function checkDuplicateIds(plans: WorkflowPlan[], diagnostics: Diagnostic[]): WorkflowPlan[] {
  const first = new Map<string, WorkflowPlan>();
  const out: WorkflowPlan[] = [];
  for (const plan of plans) {
    const prev = first.get(plan.id);
    if (prev) {
      diagnostics.push({
        file: plan.source.file,
        line: 1,
        col: 1,
        severity: 'error',
        message: `workflow id \`${plan.id}\` is already used by ${prev.source.file}; set a different \`id:\` or rename the file`,
      });
      continue;
    }
    first.set(plan.id, plan);
    out.push(plan);
  }
  return out;
}

/**
 * Loads a config directory: its declarations and every workflow in it. Never throws for bad
 * files; the problems are in `diagnostics` and only valid plans are in `plans`.
 */
export function loadWorkflowDirectory(dir: string): WorkflowProject {
  const { config, diagnostics } = loadProjectConfig(dir);
  const files = existsSync(dir) ? listWorkflowFiles(dir) : [];
  if (!existsSync(dir))
    diagnostics.push({
      file: dir,
      line: 1,
      col: 1,
      severity: 'error',
      message: `config directory ${dir} does not exist`,
    });
  if (!config) {
    return {
      dir,
      files,
      plans: [],
      diagnostics: sortDiagnostics(diagnostics),
      providers: { providers: {} },
      catalog: new ProviderCatalog({ providers: {} }),
      agents: EMPTY_AGENT_DECLARATIONS,
      settings: DEFAULT_SETTINGS,
    };
  }
  const compiled: WorkflowPlan[] = [];
  for (const file of files) {
    const result = compileWorkflowFile(file, config);
    diagnostics.push(...result.diagnostics);
    if (result.plan) compiled.push(result.plan);
  }
  const plans = checkDuplicateIds(compiled, diagnostics);
  return { ...config, dir, files, plans, diagnostics: sortDiagnostics(diagnostics) };
}

/** Like {@link loadWorkflowDirectory}, but throws {@link WorkflowConfigError} when anything is invalid (for start-up). */
export function loadWorkflowsOrThrow(dir: string): WorkflowProject {
  const project = loadWorkflowDirectory(dir);
  if (hasErrors(project.diagnostics))
    throw new WorkflowConfigError(project.diagnostics, `workflows in ${basename(dir) || dir} are invalid`);
  return project;
}
