import type { Node } from 'yaml';
import type { RolloutMode } from '@agentflow/contracts';
import { readPathInstructions } from './outputs';
import { hasErrors, type Diagnostic } from './diagnostics';
import { globProblem, nameMatches } from './globs';
import { SourceFile } from './source';
import { didYouMean, maybeMeant } from './suggest';

export const ROLLOUT_MODES: readonly RolloutMode[] = ['off', 'shadow', 'comment', 'gate'];
/** @default least to most sensitive */
export const DEFAULT_DATA_CLASSES = ['public', 'internal', 'restricted'];

/**
 * One layer of repository settings: the organisation's `defaults`, a repository's own
 * `.agentflow/config.yml`, or a `repositories:` entry of the config repository. Only what the
 * layer sets is present.
 */
export interface RepositorySettings {
  /** `off`: nothing runs. `shadow`: runs and records, posts nothing. `comment`: posts, never gates. `gate`: the check run may fail. */
  rollout?: RolloutMode;
  /** The repository's data class. */
  dataClass?: string;
  /** Paths that carry a class of their own (`**\/Payments/**` -> `restricted`). */
  paths?: Array<{ path: string; dataClass: string }>;
  /** Workflow ids that run for the repository. @default all */
  workflows?: string[] | 'all';
  /** Extra globs no agent receives. */
  ignore?: string[];
  pathInstructions?: Array<{ path: string; instructions: string }>;
  /** The conventions file, or `false` for none. */
  conventions?: string | false;
  /** The team that pays for the repository's runs (`scope: team` budgets, the cost ledger, reports). */
  team?: string;
  /** The project its runs are charged to (`scope: project` budgets). @default the repository, `owner/name` */
  project?: string;
}

/** One line of the CODEOWNERS-style `teams:` mapping: repositories matching `pattern` belong to `team`. */
export interface TeamOwnership {
  pattern: string;
  /** The owner's team slug (`@acme/ios` -> `ios`). */
  team: string;
}

/** `settings.yml` of the config repository: organisation defaults and central per-repository overrides. */
export interface OrganisationSettings {
  /** Data classes, least to most sensitive. @default public, internal, restricted */
  dataClasses: string[];
  defaults: RepositorySettings & { rollout: RolloutMode; dataClass: string };
  /** Central overrides by repository glob (`acme/ios-*`), applied in file order. */
  repositories: Array<{ pattern: string; settings: RepositorySettings }>;
  /** `teams:`: which team owns which repositories, CODEOWNERS style (the last matching line wins). @default none */
  teams?: TeamOwnership[];
}

export const DEFAULT_SETTINGS: OrganisationSettings = {
  dataClasses: DEFAULT_DATA_CLASSES,
  defaults: { rollout: 'comment', dataClass: 'internal' },
  repositories: [],
};

/** What is in force for one repository after merging the layers. */
export interface RepositoryPolicy {
  repo: string;
  rollout: RolloutMode;
  dataClass: string;
  paths: Array<{ path: string; dataClass: string }>;
  workflows: string[] | 'all';
  ignore: string[];
  pathInstructions: Array<{ path: string; instructions: string }>;
  conventions?: string | false;
  /** Classes known to the organisation, least to most sensitive. */
  dataClasses: string[];
  /** The paying team, when any layer or the `teams:` mapping names one (see {@link resolveRepositoryPolicy}). */
  team?: string;
  /** The project runs are charged to: the last layer's `project:`, else the repository. */
  project: string;
}

const LAYER_KEYS = [
  'rollout',
  'data_class',
  'paths',
  'workflows',
  'ignore',
  'path_instructions',
  'conventions',
  'team',
  'project',
];

/** Team and project names as budgets and the ledger key them: a slug, no spaces or `:`. */
const NAME = /^[A-Za-z0-9][\w.-]{0,99}$/;
/** A CODEOWNERS team owner, `@org/team-slug`; the slug is the team. */
const TEAM_OWNER = /^@[A-Za-z0-9][\w.-]*\/([A-Za-z0-9][\w.-]*)$/;

function readLayer(
  src: SourceFile,
  node: Node | null,
  what: string,
  classes: readonly string[],
): RepositorySettings {
  const out: RepositorySettings = {};
  const f = src.map(node, what, LAYER_KEYS);
  if (!f) return out;
  const rollout = f.get('rollout');
  if (rollout) {
    const v = src.string(rollout.value, '`rollout`');
    if (v !== undefined && !(ROLLOUT_MODES as readonly string[]).includes(v))
      src.error(
        rollout.value,
        `\`rollout\` must be one of ${ROLLOUT_MODES.join(', ')}, found \`${v}\`${maybeMeant(v, ROLLOUT_MODES)}`,
      );
    else if (v) out.rollout = v as RolloutMode;
  }
  const cls = f.get('data_class');
  if (cls) {
    const v = src.string(cls.value, '`data_class`');
    if (v !== undefined && !classes.includes(v))
      src.error(cls.value, `unknown data class \`${v}\`${didYouMean(v, classes)}`);
    else if (v) out.dataClass = v;
  }
  const paths = f.get('paths');
  if (paths) {
    out.paths = [];
    for (const item of src.list(paths.value, '`paths`') ?? []) {
      const p = src.map(item, 'a path class (`- path: "**/Payments/**"` with `data_class: restricted`)', [
        'path',
        'data_class',
      ]);
      if (!p) continue;
      if (!p.get('path') || !p.get('data_class')) {
        src.error(item, 'a path class needs `path:` (a glob) and `data_class:`');
        continue;
      }
      const path = src.string(p.get('path')!.value, '`path`');
      const c = src.string(p.get('data_class')!.value, '`data_class`');
      if (path !== undefined && globProblem(path))
        src.error(p.get('path')!.value, `glob \`${path}\`: ${globProblem(path)}`);
      if (c !== undefined && !classes.includes(c))
        src.error(p.get('data_class')!.value, `unknown data class \`${c}\`${didYouMean(c, classes)}`);
      else if (path !== undefined && c !== undefined) out.paths.push({ path, dataClass: c });
    }
  }
  const workflows = f.get('workflows');
  if (workflows) {
    if (src.isText(workflows.value) && src.string(workflows.value, '`workflows`') === 'all')
      out.workflows = 'all';
    else
      out.workflows = src
        .stringList(workflows.value, '`workflows` (`all` or a list of workflow ids)')
        ?.map((w) => w.value);
  }
  const ignore = f.get('ignore');
  if (ignore) out.ignore = src.stringList(ignore.value, '`ignore`')?.map((g) => g.value);
  const pi = f.get('path_instructions');
  if (pi) out.pathInstructions = readPathInstructions(src, pi.value);
  const conventions = f.get('conventions');
  if (conventions) {
    const target = src.deref(conventions.value);
    if (target && 'value' in target && (target as { value: unknown }).value === false)
      out.conventions = false;
    else out.conventions = src.string(conventions.value, '`conventions`');
  }
  for (const key of ['team', 'project'] as const) {
    const field = f.get(key);
    if (!field) continue;
    const v = src.string(field.value, `\`${key}\``);
    if (v !== undefined && !NAME.test(v))
      src.error(
        field.value,
        `\`${key}\` must be a name of letters, digits, "_", "." and "-" (it keys budgets and the cost ledger), found \`${v}\``,
      );
    else if (v) out[key] = v;
  }
  return out;
}

/**
 * `teams:`, one CODEOWNERS-style line per entry: a repository glob, then its owner (`@org/team`;
 * further owners are allowed, the first pays). As in CODEOWNERS, the last matching line wins.
 */
function readTeams(src: SourceFile, node: Node | null): TeamOwnership[] {
  const out: TeamOwnership[] = [];
  for (const line of src.stringList(node, '`teams` (lines of `<repository glob> @org/team`)') ?? []) {
    const text = line.value.replace(/\s#.*$/, '').trim();
    if (!text || text.startsWith('#')) continue;
    const [pattern, owner] = text.split(/\s+/);
    if (!owner) {
      src.error(
        line.node,
        `\`${text}\` names no owner: write \`<repository glob> @org/team\` (\`acme/ios-* @acme/ios\`)`,
      );
      continue;
    }
    if (globProblem(pattern)) {
      src.error(line.node, `glob \`${pattern}\`: ${globProblem(pattern)}`);
      continue;
    }
    const team = TEAM_OWNER.exec(owner)?.[1];
    if (!team) {
      src.error(
        line.node,
        `owner \`${owner}\` is not a team: write it as \`@org/team-slug\` (a user or an e-mail address pays for no budget)`,
      );
      continue;
    }
    out.push({ pattern, team });
  }
  return out;
}

/** Reads the config repository's `settings.yml`. */
export function parseSettings(
  text: string,
  file = 'settings.yml',
): { settings?: OrganisationSettings; diagnostics: Diagnostic[] } {
  const src = new SourceFile(file, text);
  if (!src.syntaxOk) return { diagnostics: src.diagnostics };
  const settings: OrganisationSettings = {
    dataClasses: [...DEFAULT_DATA_CLASSES],
    defaults: { ...DEFAULT_SETTINGS.defaults },
    repositories: [],
  };
  const top = src.map(src.root, 'the settings file', ['data_classes', 'defaults', 'repositories', 'teams']);
  if (top) {
    const classes = top.get('data_classes');
    if (classes) {
      const list = src.stringList(classes.value, '`data_classes` (least to most sensitive)') ?? [];
      if (new Set(list.map((c) => c.value)).size !== list.length)
        src.error(classes.value, '`data_classes` lists a class twice');
      if (list.length > 0) settings.dataClasses = list.map((c) => c.value);
    }
    const defaults = top.get('defaults');
    if (defaults) {
      const layer = readLayer(src, defaults.value, '`defaults`', settings.dataClasses);
      settings.defaults = {
        ...layer,
        rollout: layer.rollout ?? DEFAULT_SETTINGS.defaults.rollout,
        dataClass: layer.dataClass ?? settings.dataClasses[Math.min(1, settings.dataClasses.length - 1)],
      };
    } else if (!settings.dataClasses.includes(settings.defaults.dataClass)) {
      settings.defaults.dataClass = settings.dataClasses[0];
    }
    const repos = top.get('repositories');
    if (repos) {
      for (const [pattern, field] of src.map(
        repos.value,
        '`repositories` (repository or glob -> settings)',
        null,
      ) ?? []) {
        if (globProblem(pattern)) src.error(field.key, `glob \`${pattern}\`: ${globProblem(pattern)}`);
        settings.repositories.push({
          pattern,
          settings: readLayer(src, field.value, `repository \`${pattern}\``, settings.dataClasses),
        });
      }
    }
    const teams = top.get('teams');
    if (teams) settings.teams = readTeams(src, teams.value);
  }
  return { settings: hasErrors(src.diagnostics) ? undefined : settings, diagnostics: src.diagnostics };
}

/** Reads a repository's own `.agentflow/config.yml` (one settings layer). */
export function parseRepositorySettings(
  text: string,
  file: string,
  dataClasses: readonly string[],
): { settings?: RepositorySettings; diagnostics: Diagnostic[] } {
  const src = new SourceFile(file, text);
  if (!src.syntaxOk) return { diagnostics: src.diagnostics };
  const settings = src.root ? readLayer(src, src.root, 'the repository settings', dataClasses) : {};
  return { settings: hasErrors(src.diagnostics) ? undefined : settings, diagnostics: src.diagnostics };
}

/** The stricter of two classes in the organisation's order. */
export function stricterClass(a: string, b: string, order: readonly string[]): string {
  return order.indexOf(b) > order.indexOf(a) ? b : a;
}

/**
 * Merges the settings layers for one repository, in this order: organisation `defaults`, the
 * repository's own `.agentflow/config.yml` (read from its base branch), then every central
 * `repositories:` entry whose glob matches (file order). Rules:
 * - scalars (`rollout`, `conventions`) and `workflows`: the later layer wins, so a central entry
 *   can always switch a repository (its own file cannot outvote the config repository);
 * - `data_class`: the strictest of all layers wins; a repository can raise its class, never lower it;
 * - lists (`paths`, `ignore`, `path_instructions`): concatenated, defaults first;
 * - `team`: the last of `defaults`, the repository's own file, the last matching `teams:` line,
 *   then the matching `repositories:` entries. The organisation's mapping outranks what a
 *   repository says of itself, so no repository moves its spend to another team's budget;
 * - `project`: the last layer that sets one, else the repository (`owner/name`).
 */
export function resolveRepositoryPolicy(
  settings: OrganisationSettings,
  repo: string,
  own?: RepositorySettings,
): RepositoryPolicy {
  const layers: RepositorySettings[] = [settings.defaults];
  if (own) layers.push(own);
  const owner = [...(settings.teams ?? [])].reverse().find((t) => nameMatches(repo, t.pattern));
  if (owner) layers.push({ team: owner.team });
  for (const entry of settings.repositories)
    if (nameMatches(repo, entry.pattern)) layers.push(entry.settings);
  const policy: RepositoryPolicy = {
    repo,
    rollout: settings.defaults.rollout,
    dataClass: settings.defaults.dataClass,
    paths: [],
    workflows: 'all',
    ignore: [],
    pathInstructions: [],
    dataClasses: settings.dataClasses,
    project: repo,
  };
  for (const layer of layers) {
    if (layer.team) policy.team = layer.team;
    if (layer.project) policy.project = layer.project;
    if (layer.rollout) policy.rollout = layer.rollout;
    if (layer.dataClass)
      policy.dataClass = stricterClass(policy.dataClass, layer.dataClass, settings.dataClasses);
    if (layer.workflows) policy.workflows = layer.workflows;
    if (layer.conventions !== undefined) policy.conventions = layer.conventions;
    policy.paths.push(...(layer.paths ?? []));
    policy.ignore.push(...(layer.ignore ?? []));
    policy.pathInstructions.push(...(layer.pathInstructions ?? []));
  }
  return policy;
}

/**
 * Every data class the settings can send to a workflow: the default class and default path
 * classes, plus the class and path classes of every central repository entry that runs it.
 * A repository's own file may raise its class further; the matcher then skips workflows that do
 * not accept it, so nothing unvalidated reaches a provider.
 */
export function classesReaching(settings: OrganisationSettings, workflowId: string): string[] {
  const out = new Set<string>([
    settings.defaults.dataClass,
    ...(settings.defaults.paths ?? []).map((p) => p.dataClass),
  ]);
  for (const entry of settings.repositories) {
    const enabled = entry.settings.workflows ?? settings.defaults.workflows ?? 'all';
    if (enabled !== 'all' && !enabled.includes(workflowId)) continue;
    if (entry.settings.dataClass)
      out.add(stricterClass(settings.defaults.dataClass, entry.settings.dataClass, settings.dataClasses));
    for (const p of entry.settings.paths ?? []) out.add(p.dataClass);
  }
  return settings.dataClasses.filter((c) => out.has(c));
}
