import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseAgentsFile } from './agents';
import { sortDiagnostics, type Diagnostic } from './diagnostics';
import {
  compileWorkflowFile,
  FOREIGN_FILES,
  listWorkflowFiles,
  loadProjectConfig,
  loadWorkflowDirectory,
  type ProjectConfig,
} from './project';
import { parseProvidersConfig } from './providers';
import { parseSettings } from './settings';

export interface ValidationReport {
  diagnostics: Diagnostic[];
  /** Workflow files checked. */
  workflows: number;
  /** The config directory names were resolved against. */
  configDir?: string;
}

/** The project's config directory: the nearest `workflows/` with a `providers.yml`, from `from` upwards. */
export function findProjectConfigDir(from: string): string | undefined {
  let dir = resolve(from);
  for (;;) {
    for (const candidate of [dir, join(dir, 'workflows')]) {
      if (existsSync(join(candidate, 'providers.yml')) && basename(candidate) === 'workflows')
        return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function same(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

function problem(file: string, message: string): Diagnostic {
  return { file, line: 1, col: 1, severity: 'error', message };
}

/**
 * What `agentflow validate` checks. With no paths: the project's config directory, as a set
 * (duplicate ids are errors). A directory holding a `providers.yml` is a config directory and is
 * checked as a set. Any other file is compiled alone against the project's config (or
 * `configDir`), without joining its set, so a copy of a shipped workflow is not a duplicate.
 * `providers.yml`, `agents.yml` and `settings.yml` are checked by their own rules.
 */
export function validatePaths(
  paths: readonly string[],
  options: { configDir?: string; cwd?: string } = {},
): ValidationReport {
  const cwd = options.cwd ?? process.cwd();
  const configDir = options.configDir ?? findProjectConfigDir(cwd);
  const diagnostics: Diagnostic[] = [];
  let workflows = 0;
  const targets = paths.length > 0 ? [...paths] : configDir ? [configDir] : [];
  if (targets.length === 0) {
    return {
      diagnostics: [
        problem(
          cwd,
          'no project config found (a workflows/ folder with providers.yml); pass paths and --config DIR',
        ),
      ],
      workflows: 0,
    };
  }
  let config: ProjectConfig | undefined;
  let configLoaded = false;
  const projectConfig = (): ProjectConfig | undefined => {
    if (configLoaded) return config;
    configLoaded = true;
    if (!configDir) {
      diagnostics.push(
        problem(
          cwd,
          'no project config to resolve agents and providers against (a workflows/ folder with providers.yml); pass --config DIR',
        ),
      );
      return undefined;
    }
    const loaded = loadProjectConfig(configDir);
    diagnostics.push(...loaded.diagnostics);
    config = loaded.config;
    return config;
  };
  const files: string[] = [];
  for (const target of targets) {
    const path = resolve(cwd, target);
    const shown = target;
    if (!existsSync(path)) {
      diagnostics.push(problem(shown, 'no such file or directory'));
      continue;
    }
    if (statSync(path).isDirectory()) {
      if (
        existsSync(join(path, 'providers.yml')) ||
        existsSync(join(path, 'providers.yaml')) ||
        (configDir && same(path, configDir))
      ) {
        const project = loadWorkflowDirectory(shown);
        diagnostics.push(...project.diagnostics);
        workflows += project.files.length;
        continue;
      }
      files.push(...listWorkflowFiles(shown));
      continue;
    }
    files.push(shown);
  }
  for (const file of files) {
    const name = basename(file).toLowerCase();
    if (FOREIGN_FILES.includes(name)) continue; // the gateway checks its own file at start-up
    const kind = name.replace(/\.ya?ml$/, '');
    if (kind === 'providers' || kind === 'agents' || kind === 'settings') {
      let text: string;
      try {
        text = readFileSync(resolve(cwd, file), 'utf8');
      } catch (error) {
        diagnostics.push(problem(file, `cannot read the file: ${(error as Error).message}`));
        continue;
      }
      const parsed =
        kind === 'providers'
          ? parseProvidersConfig(text, file)
          : kind === 'agents'
            ? parseAgentsFile(text, file)
            : parseSettings(text, file);
      diagnostics.push(...parsed.diagnostics);
      continue;
    }
    if (!/\.ya?ml$/i.test(file)) {
      diagnostics.push(problem(file, 'not a YAML file (.yml or .yaml)'));
      continue;
    }
    const cfg = projectConfig();
    if (!cfg) continue;
    workflows++;
    diagnostics.push(...compileWorkflowFile(file, cfg).diagnostics);
  }
  return { diagnostics: sortDiagnostics(diagnostics), workflows, configDir };
}
