import type { PlanComparison, WorkflowPlan } from '@agentflow/contracts';
import type { NormalizedEvent } from './event';
import { matchesAny, nameMatches, pathMatcher } from './globs';
import { cronMatches, parseCron } from './cron';
import { stricterClass, type RepositoryPolicy } from './settings';

/** Which workflows an event starts, and for every other one why not. */
export interface MatchResult {
  /**
   * Plans to run, in the order given. Each is a copy for this event: `concurrency.group` expanded
   * (`code-review:acme/ios#42`), and with a policy, its ignore globs, path instructions and
   * conventions file merged in.
   */
  fired: WorkflowPlan[];
  skipped: Array<{ workflow: string; reason: string }>;
  /** Things worth showing although the workflow fired (coverage unknown with `when_unknown: run`). */
  notes: Array<{ workflow: string; note: string }>;
  /** With a policy: the rollout mode and data class for `RunRequested`. */
  rollout?: RepositoryPolicy['rollout'];
  dataClass?: string;
}

export interface MatchOptions {
  /** The repository's merged settings (`resolveRepositoryPolicy`): rollout, enabled workflows, data classes. */
  policy?: RepositoryPolicy;
}

/** Authors that are bots although the platform may not say so. */
const KNOWN_BOTS = [
  'renovate',
  'renovate-bot',
  'dependabot',
  'dependabot-preview',
  'github-actions',
  'greenkeeper',
  'snyk-bot',
  'mergify',
];

export function isBotAuthor(event: NormalizedEvent): boolean {
  if (event.authorIsBot) return true;
  const author = event.author?.toLowerCase();
  if (!author) return false;
  return author.endsWith('[bot]') || KNOWN_BOTS.includes(author);
}

/** Actions a bare `pull_request` trigger reacts to: new code to look at. */
export const DEFAULT_PR_ACTIONS = ['opened', 'synchronize', 'reopened', 'ready_for_review'];

function compare(actual: number, c: PlanComparison): boolean {
  switch (c.op) {
    case '>':
      return actual > c.value;
    case '>=':
      return actual >= c.value;
    case '<':
      return actual < c.value;
    case '<=':
      return actual <= c.value;
    case '==':
      return actual === c.value;
    default:
      return actual !== c.value;
  }
}

const show = (c: PlanComparison, unit = ''): string => `${c.op} ${c.value}${unit}`;

/** The comment's command: its first line, trimmed, when it starts with `/`. */
function commandOf(comment: string | undefined): string | undefined {
  const first = comment?.trim().split('\n')[0]?.trim();
  return first?.startsWith('/') ? first.replace(/\s+/g, ' ') : undefined;
}

function eventFires(plan: WorkflowPlan, event: NormalizedEvent): string | undefined {
  const trigger = plan.trigger;
  if (!trigger) {
    if (event.kind === 'manual' && event.workflow === plan.id) return undefined;
    return 'the plan has no trigger; it runs only when started by hand';
  }
  const events = trigger.events;
  switch (event.kind) {
    case 'pull_request': {
      const action = event.action ?? 'opened';
      if (events.includes(`pull_request.${action}`)) return undefined;
      if (events.includes('pull_request') && DEFAULT_PR_ACTIONS.includes(action)) return undefined;
      const wanted = events.filter((e) => e.startsWith('pull_request'));
      if (wanted.length === 0) return `triggered by ${events.join(', ')}, not pull_request`;
      return `pull_request.${action} is not one of its events (${wanted.map((e) => (e === 'pull_request' ? `pull_request.{${DEFAULT_PR_ACTIONS.join(',')}}` : e)).join(', ')})`;
    }
    case 'push':
      return events.includes('push') ? undefined : `triggered by ${events.join(', ')}, not push`;
    case 'issue_comment': {
      if (!events.includes('issue_comment')) return `triggered by ${events.join(', ')}, not comment commands`;
      const command = commandOf(event.comment);
      if (!command) return 'the comment holds no command';
      const hit = trigger.commands.some((c) => command === c || command.startsWith(`${c} `));
      return hit ? undefined : `comment command \`${command}\` is not one of ${trigger.commands.join(', ')}`;
    }
    case 'schedule':
      if (!events.includes('schedule')) return `triggered by ${events.join(', ')}, not a schedule`;
      if (event.workflow !== undefined && event.workflow !== plan.id)
        return `the schedule is for workflow ${event.workflow}`;
      if (event.schedule !== undefined && !trigger.schedules.includes(event.schedule.trim()))
        return `its schedule is ${trigger.schedules.join(', ')}, not ${event.schedule}`;
      return undefined;
    case 'manual':
      if (event.workflow !== undefined && event.workflow !== plan.id)
        return `the manual run asked for workflow ${event.workflow}`;
      if (event.workflow === undefined) return 'a manual run must name its workflow';
      return events.includes('manual')
        ? undefined
        : 'its trigger does not list `manual`; add it to `trigger.event` to start it by hand';
  }
}

/** The files agents will see: changed and not ignored. `undefined` when the event lists none. */
function reviewedFiles(plan: WorkflowPlan, event: NormalizedEvent, extraIgnore: readonly string[]) {
  if (!event.files) return undefined;
  const ignore = [...plan.ignore, ...extraIgnore];
  return event.files.filter((f) => !matchesAny(f.path, ignore));
}

function conditionsFail(
  plan: WorkflowPlan,
  event: NormalizedEvent,
  extraIgnore: readonly string[],
  notes: string[],
): string | undefined {
  const c = plan.trigger?.conditions;
  if (!c) return undefined;
  // Someone asked explicitly (a manual run, a comment command) or the clock did (a schedule):
  // conditions describe which changes deserve an automatic run, so they do not apply.
  if (event.kind === 'manual' || event.kind === 'issue_comment' || event.kind === 'schedule')
    return undefined;
  if (event.kind === 'pull_request') {
    if (event.draft && c.draft === 'skip')
      return 'the pull request is a draft (set `draft: include` to review drafts)';
    if (!event.draft && c.draft === 'only') return 'the pull request is not a draft (`draft: only`)';
  }
  if (c.bots === 'skip' && isBotAuthor(event))
    return `author ${event.author ?? '(a bot)'} is a bot (set \`bots: include\` to review bot PRs)`;
  if (c.authors && !(event.author && c.authors.some((g) => nameMatches(event.author!, g))))
    return `author ${event.author ?? '(unknown)'} is not one of ${c.authors.join(', ')}`;
  if (c.authorsIgnore && event.author && c.authorsIgnore.some((g) => nameMatches(event.author!, g)))
    return `author ${event.author} is ignored`;
  if (c.branches || c.branchesIgnore) {
    const branch = event.baseBranch;
    if (c.branches && !(branch && c.branches.some((g) => nameMatches(branch, g))))
      return `branch ${branch ?? '(unknown)'} is not one of ${c.branches.join(', ')}`;
    if (c.branchesIgnore && branch && c.branchesIgnore.some((g) => nameMatches(branch, g)))
      return `branch ${branch} is ignored`;
  }
  const labels = event.labels ?? [];
  if (c.labels && !labels.some((l) => c.labels!.some((g) => nameMatches(l, g))))
    return `no label of ${c.labels.join(', ')} (labels: ${labels.join(', ') || 'none'})`;
  if (c.labelsIgnore) {
    const hit = labels.find((l) => c.labelsIgnore!.some((g) => nameMatches(l, g)));
    if (hit) return `label ${hit} is ignored`;
  }
  const files = reviewedFiles(plan, event, extraIgnore);
  if (c.filesChanged) {
    if (!files) return 'files_changed cannot be decided: the event lists no changed files';
    const matchers = c.filesChanged.map(pathMatcher);
    if (!files.some((f) => matchers.some((m) => m(f.path))))
      return `no changed file matches ${c.filesChanged.join(', ')}${event.files && files.length < event.files.length ? ' (ignored files do not count)' : ''}`;
  }
  if (c.linesChanged) {
    const total = files
      ? files.reduce((s, f) => s + f.additions + f.deletions, 0)
      : event.additions !== undefined || event.deletions !== undefined
        ? (event.additions ?? 0) + (event.deletions ?? 0)
        : undefined;
    if (total === undefined) return 'lines_changed cannot be decided: the event carries no line counts';
    if (!compare(total, c.linesChanged)) return `${total} lines changed, not ${show(c.linesChanged)}`;
  }
  if (c.testCoverage) {
    if (event.coverage === undefined) {
      const what = `test_coverage ${show(c.testCoverage, '%')} cannot be decided: no coverage report for this change`;
      if (c.testCoverage.whenUnknown === 'skip')
        return `${what} (upload one from CI, or set \`when_unknown: run\`)`;
      notes.push(`${what}; ran anyway (\`when_unknown: run\`)`);
    } else if (!compare(event.coverage, c.testCoverage)) {
      return `test coverage is ${event.coverage}%, not ${show(c.testCoverage, '%')}`;
    }
  }
  return undefined;
}

/** The strictest class among the repository's and the changed paths' classes. */
export function eventDataClass(policy: RepositoryPolicy, event: NormalizedEvent): string {
  let cls = policy.dataClass;
  for (const file of event.files ?? []) {
    for (const p of policy.paths)
      if (pathMatcher(p.path)(file.path)) cls = stricterClass(cls, p.dataClass, policy.dataClasses);
  }
  return cls;
}

/**
 * Decides which workflows an event starts. Every condition is ANDed; a workflow that does not fire
 * is listed in `skipped` with the first reason found, never dropped silently.
 */
export function matchWorkflows(
  event: NormalizedEvent,
  workflows: readonly WorkflowPlan[],
  options: MatchOptions = {},
): MatchResult {
  const result: MatchResult = { fired: [], skipped: [], notes: [] };
  const policy = options.policy;
  const dataClass = policy ? eventDataClass(policy, event) : undefined;
  if (policy) {
    result.rollout = policy.rollout;
    result.dataClass = dataClass;
  }
  for (const plan of workflows) {
    const skip = (reason: string) => result.skipped.push({ workflow: plan.id, reason });
    if (policy?.rollout === 'off') {
      skip(`rollout is off for ${event.repo}`);
      continue;
    }
    if (policy && policy.workflows !== 'all' && !policy.workflows.includes(plan.id)) {
      skip(`not enabled for ${event.repo} (its settings enable ${policy.workflows.join(', ') || 'none'})`);
      continue;
    }
    const notFired = eventFires(plan, event);
    if (notFired) {
      skip(notFired);
      continue;
    }
    const notes: string[] = [];
    const failed = conditionsFail(plan, event, policy?.ignore ?? [], notes);
    if (failed) {
      skip(failed);
      continue;
    }
    if (dataClass !== undefined && plan.dataClasses && !plan.dataClasses.includes(dataClass)) {
      skip(
        `the change is ${dataClass} data, which this workflow's providers may not receive (it accepts ${plan.dataClasses.join(', ')})`,
      );
      continue;
    }
    for (const note of notes) result.notes.push({ workflow: plan.id, note });
    result.fired.push(forEvent(policy ? withPolicy(plan, policy) : plan, event));
  }
  return result;
}

/** A fired plan carries its concurrency group expanded for the event, so consumers compare plain strings. */
function forEvent(plan: WorkflowPlan, event: NormalizedEvent): WorkflowPlan {
  if (!plan.concurrency) return plan;
  return { ...plan, concurrency: { ...plan.concurrency, group: concurrencyKey(plan, event)! } };
}

function withPolicy(plan: WorkflowPlan, policy: RepositoryPolicy): WorkflowPlan {
  const out: WorkflowPlan = {
    ...plan,
    ignore: [...new Set([...plan.ignore, ...policy.ignore])],
    pathInstructions: [...plan.pathInstructions, ...policy.pathInstructions],
  };
  if (policy.conventions === false) delete out.conventionsFile;
  else if (policy.conventions !== undefined) out.conventionsFile = policy.conventions;
  return out;
}

/** Expands a plan's `concurrency.group` (`${workflow}:${repo}#${pr}`) for an event. */
export function concurrencyKey(plan: WorkflowPlan, event: NormalizedEvent): string | undefined {
  if (!plan.concurrency) return undefined;
  const vars: Record<string, string> = {
    workflow: plan.id,
    repo: event.repo,
    pr: event.pr === undefined ? '' : String(event.pr),
    branch: event.headBranch ?? event.baseBranch ?? '',
    sha: event.headSha ?? '',
  };
  return plan.concurrency.group.replace(/\$\{\s*([a-z]+)\s*\}/g, (_, name: string) => vars[name] ?? '');
}

/**
 * The scheduled workflows due in the minute containing `at` (UTC), each with the cron that fired,
 * for whoever emits `schedule` events (one event per workflow, `schedule` and `workflow` set).
 */
export function dueSchedules(
  workflows: readonly WorkflowPlan[],
  at: Date,
): Array<{ plan: WorkflowPlan; schedule: string }> {
  const due: Array<{ plan: WorkflowPlan; schedule: string }> = [];
  for (const plan of workflows) {
    if (!plan.trigger?.events.includes('schedule')) continue;
    const hit = plan.trigger.schedules.find((cron) => cronMatches(parseCron(cron), at));
    if (hit !== undefined) due.push({ plan, schedule: hit });
  }
  return due;
}
