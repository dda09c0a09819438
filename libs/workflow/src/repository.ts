import type { WorkflowPlan } from '@agentflow/contracts';
import { compileWorkflow } from './compile';
import type { Diagnostic } from './diagnostics';
import { createCompileContext, type ProjectConfig } from './project';
import {
  parseRepositorySettings,
  resolveRepositoryPolicy,
  type RepositoryPolicy,
  type RepositorySettings,
} from './settings';

/**
 * Reads files of a repository **at the head of its base branch** (the PR's target), never at the
 * PR's head: a pull request must not be able to change what reviews it. The ingress binds this to
 * the base SHA through its `RepoReader`.
 */
export interface BaseBranchReader {
  /** The file's text, or `undefined` when it does not exist. */
  readFile(path: string): Promise<string | undefined>;
  /** Names of the files directly in a folder, or `[]` when the folder does not exist. */
  listFiles(dir: string): Promise<string[]>;
}

export interface RepositoryConfig {
  /** The merged settings for the repository (rollout, data class, enabled workflows, ...). */
  policy: RepositoryPolicy;
  /** The organisation's plans, with the repository's own workflows added; one with an organisation workflow's id replaces it for this repository. */
  plans: WorkflowPlan[];
  /** The repository's own settings layer, when it has a valid one. */
  settings?: RepositorySettings;
  /** Problems in the repository's `.agentflow/` files; those files are left out, the rest applies. */
  diagnostics: Diagnostic[];
}

export const REPOSITORY_CONFIG_DIR = '.agentflow';

/**
 * Reads a repository's `.agentflow/config.yml` and `.agentflow/workflows/*.yml` through a reader
 * bound to its base branch, and merges them with the organisation's config. A broken file in the
 * repository never stops the organisation's workflows: it is reported and left out.
 */
export async function loadRepositoryConfig(
  reader: BaseBranchReader,
  project: ProjectConfig & { plans: readonly WorkflowPlan[] },
  repo: string,
): Promise<RepositoryConfig> {
  const diagnostics: Diagnostic[] = [];
  let own: RepositorySettings | undefined;
  const configPath = `${REPOSITORY_CONFIG_DIR}/config.yml`;
  const configText =
    (await reader.readFile(configPath)) ?? (await reader.readFile(`${REPOSITORY_CONFIG_DIR}/config.yaml`));
  if (configText !== undefined) {
    const parsed = parseRepositorySettings(configText, configPath, project.settings.dataClasses);
    diagnostics.push(...parsed.diagnostics);
    own = parsed.settings;
  }
  const policy = resolveRepositoryPolicy(project.settings, repo, own);
  const plans = new Map(project.plans.map((p) => [p.id, p]));
  const names = (await reader.listFiles(`${REPOSITORY_CONFIG_DIR}/workflows`))
    .filter((n) => /\.ya?ml$/i.test(n) && !n.startsWith('.'))
    .sort();
  if (names.length > 0) {
    // The repository's workflows see only this repository's classes.
    const classes = project.settings.dataClasses.filter(
      (c) => c === policy.dataClass || policy.paths.some((p) => p.dataClass === c),
    );
    const ctx = { ...createCompileContext(project), classesFor: () => classes };
    const seen = new Set<string>();
    for (const name of names) {
      const path = `${REPOSITORY_CONFIG_DIR}/workflows/${name}`;
      const text = await reader.readFile(path);
      if (text === undefined) continue;
      const result = compileWorkflow(text, path, ctx);
      diagnostics.push(...result.diagnostics);
      if (!result.plan) continue;
      if (seen.has(result.plan.id)) {
        diagnostics.push({
          file: path,
          line: 1,
          col: 1,
          severity: 'error',
          message: `workflow id \`${result.plan.id}\` is already used by another file in ${REPOSITORY_CONFIG_DIR}/workflows; set a different \`id:\``,
        });
        continue;
      }
      seen.add(result.plan.id);
      plans.set(result.plan.id, result.plan);
    }
  }
  return { policy, plans: [...plans.values()], settings: own, diagnostics };
}
