import { isMap, isSeq, type Node } from 'yaml';
import {
  FINDING_SOURCES,
  SEVERITIES,
  type GateRule,
  type PlanOutputs,
  type PlanTrigger,
  type WorkflowPlan,
} from '@agentflow/contracts';
import { globProblem } from './globs';
import type { Field, SourceFile } from './source';
import { didYouMean, maybeMeant } from './suggest';

export const OUTPUT_KEYS = [
  'github_comment',
  'inline_comments',
  'check_run',
  'slack_notification',
  'slack_channel',
  'database_log',
  'create_files',
  'files_mode',
  'format',
  'max_inline_comments',
];
const GATE_KEYS = ['fail_on', 'sources', 'min_confidence', 'when_models_fail'];
/** `gate.when_models_fail` as written -> the plan's conclusion. */
const WHEN_MODELS_FAIL: Record<string, 'neutral' | 'failure'> = { neutral: 'neutral', fail: 'failure' };
const CONCURRENCY_VARS = ['workflow', 'repo', 'pr', 'branch', 'sha'];
/** Paths no agent receives unless a workflow says otherwise: lockfiles and generated code. */
export const DEFAULT_IGNORE = [
  'Podfile.lock',
  'Package.resolved',
  'Cartfile.resolved',
  'gradle.lockfile',
  '*.lockfile',
  'yarn.lock',
  'package-lock.json',
  'Gemfile.lock',
  '*.pb.swift',
  '*.pb.kt',
  '*.pb.java',
  'R.java',
  'BuildConfig.java',
  '*.generated.*',
  '*.g.dart',
  '**/build/generated/**',
  '*.xcodeproj/project.pbxproj',
];
export const DEFAULT_CONVENTIONS_FILE = 'AGENTS.md';

/** Reads `output:`, a map or a list of one-key maps (the seed uses both). */
export function readOutputs(src: SourceFile, f: Map<string, Field>): PlanOutputs {
  const out: PlanOutputs = {
    githubComment: true,
    inlineComments: true,
    checkRun: true,
    slack: false,
    database: true,
    createFiles: false,
    filesMode: 'branch-pr',
    format: 'markdown',
    maxInlineComments: 8,
  };
  const field = f.get('output');
  if (!field) return out;
  const target = src.deref(field.value);
  const entries: Array<[string, Field]> = [];
  if (isSeq(target)) {
    for (const item of target.items as Node[])
      for (const e of src.map(item, 'an output (`- github_comment: true`)', OUTPUT_KEYS) ?? [])
        entries.push(e);
  } else if (isMap(target)) entries.push(...src.fields(target, '`output`', OUTPUT_KEYS));
  else {
    src.error(
      field.value,
      '`output` must be a map (`github_comment: true`) or a list of one-key maps (`- github_comment: true`)',
    );
    return out;
  }
  const bools = {
    github_comment: 'githubComment',
    inline_comments: 'inlineComments',
    check_run: 'checkRun',
    database_log: 'database',
    create_files: 'createFiles',
  } as const;
  for (const [key, f] of entries) {
    if (key in bools) {
      const v = src.boolean(f.value, `\`${key}\``);
      if (v !== undefined) out[bools[key as keyof typeof bools]] = v;
    } else if (key === 'slack_notification') {
      if (src.isText(f.value)) {
        out.slack = true;
        out.slackChannel = src.string(f.value, '`slack_notification`');
      } else
        out.slack = src.boolean(f.value, '`slack_notification` (true, false or a channel name)') ?? false;
    } else if (key === 'slack_channel') {
      out.slackChannel = src.string(f.value, '`slack_channel`');
    } else if (key === 'files_mode') {
      const v = src.string(f.value, '`files_mode`');
      const modes = ['branch-pr', 'commit-to-pr', 'branch'];
      if (v !== undefined && !modes.includes(v))
        src.error(
          f.value,
          `\`files_mode\` must be one of ${modes.join(', ')}, found \`${v}\`${maybeMeant(v, modes)}`,
        );
      else if (v) out.filesMode = v as PlanOutputs['filesMode'];
    } else if (key === 'format') {
      const v = src.string(f.value, '`format`');
      if (v !== undefined && v !== 'markdown' && v !== 'text')
        src.error(f.value, `\`format\` must be \`markdown\` or \`text\`, found \`${v}\``);
      else if (v) out.format = v as PlanOutputs['format'];
    } else if (key === 'max_inline_comments') {
      out.maxInlineComments =
        src.number(f.value, '`max_inline_comments`', { min: 0, max: 100, integer: true }) ??
        out.maxInlineComments;
    }
  }
  return out;
}

/** Reads `gate:`: which findings fail the check run. */
export function readGate(src: SourceFile, f: Map<string, Field>, outputs: PlanOutputs): GateRule {
  const gate: GateRule = { failOn: 'blocker', sources: [...FINDING_SOURCES], minConfidence: 0.7 };
  const field = f.get('gate');
  if (!field) return gate;
  const g = src.map(field.value, '`gate`', GATE_KEYS);
  if (!g) return gate;
  const failOn = g.get('fail_on');
  if (failOn) {
    const v = src.string(failOn.value, '`gate.fail_on`');
    const levels = [...SEVERITIES, 'never'];
    if (v !== undefined && !levels.includes(v))
      src.error(
        failOn.value,
        `\`gate.fail_on\` must be one of ${levels.join(', ')}, found \`${v}\`${maybeMeant(v, levels)}`,
      );
    else if (v) gate.failOn = v as GateRule['failOn'];
  }
  const sources = g.get('sources');
  if (sources) {
    const list: GateRule['sources'] = [];
    for (const s of src.stringList(sources.value, '`gate.sources`') ?? []) {
      if (!(FINDING_SOURCES as readonly string[]).includes(s.value))
        src.error(s.node, `unknown finding source \`${s.value}\`${didYouMean(s.value, FINDING_SOURCES)}`);
      else list.push(s.value as GateRule['sources'][number]);
    }
    gate.sources = list;
  }
  if (g.get('min_confidence'))
    gate.minConfidence =
      src.number(g.get('min_confidence')!.value, '`gate.min_confidence`', { min: 0, max: 1 }) ??
      gate.minConfidence;
  const whenModelsFail = g.get('when_models_fail');
  if (whenModelsFail) {
    const v = src.string(whenModelsFail.value, '`gate.when_models_fail`');
    const choices = Object.keys(WHEN_MODELS_FAIL);
    if (v !== undefined && !(v in WHEN_MODELS_FAIL)) {
      src.error(
        whenModelsFail.value,
        `\`gate.when_models_fail\` must be \`neutral\` (the check informs when only the rules reviewed the change) or \`fail\` (it blocks), found \`${v}\`${maybeMeant(v, choices)}`,
      );
    } else if (v) gate.whenModelsFail = WHEN_MODELS_FAIL[v];
  }
  if (!outputs.checkRun && gate.failOn !== 'never')
    src.warn(
      field.key,
      'a `gate` acts through the check run, but `output.check_run` is false; the gate has no effect',
    );
  return gate;
}

/** Reads `concurrency:`; PR workflows default to one group per PR. */
export function readConcurrency(
  src: SourceFile,
  f: Map<string, Field>,
  trigger: PlanTrigger,
): WorkflowPlan['concurrency'] {
  const field = f.get('concurrency');
  if (!field) {
    // A newer push to the same PR supersedes the running review by default.
    const prTriggered = trigger.events.some((e) => e.startsWith('pull_request'));
    return prTriggered ? { group: '${workflow}:${repo}#${pr}', cancelInProgress: true } : undefined;
  }
  const c = src.map(field.value, '`concurrency`', ['group', 'cancel_in_progress']);
  if (!c) return undefined;
  const groupField = c.get('group');
  if (!groupField) {
    src.error(field.value, '`concurrency` needs `group:` (for example `"${workflow}:${repo}#${pr}"`)');
    return undefined;
  }
  const group = src.string(groupField.value, '`concurrency.group`');
  if (group === undefined) return undefined;
  for (const m of group.matchAll(/\$\{([^}]*)\}/g)) {
    if (!CONCURRENCY_VARS.includes(m[1].trim()))
      src.errorInside(
        groupField.value!,
        m.index ?? 0,
        `unknown variable \`\${${m[1]}}\` in \`concurrency.group\`${didYouMean(m[1].trim(), CONCURRENCY_VARS)}`,
      );
  }
  const cancel = c.get('cancel_in_progress')
    ? (src.boolean(c.get('cancel_in_progress')!.value, '`cancel_in_progress`') ?? false)
    : false;
  return { group, cancelInProgress: cancel };
}

/** The default ignore globs plus the workflow's `ignore:`. */
export function readIgnore(src: SourceFile, f: Map<string, Field>): string[] {
  const field = f.get('ignore');
  const extra = field ? (src.stringList(field.value, '`ignore`') ?? []) : [];
  for (const g of extra) {
    const p = globProblem(g.value);
    if (p) src.error(g.node, `glob \`${g.value}\`: ${p}`);
  }
  return [...new Set([...DEFAULT_IGNORE, ...extra.map((g) => g.value)])];
}

export function readWorkflowPathInstructions(
  src: SourceFile,
  f: Map<string, Field>,
): WorkflowPlan['pathInstructions'] {
  const field = f.get('path_instructions');
  if (!field) return [];
  return readPathInstructions(src, field.value);
}

/** `conventions:`: a path in the repository, `false` for none. @default AGENTS.md */
export function readConventions(src: SourceFile, f: Map<string, Field>): string | undefined {
  const field = f.get('conventions');
  if (!field) return DEFAULT_CONVENTIONS_FILE;
  const target = src.deref(field.value);
  if (target && 'value' in target && (target as { value: unknown }).value === false) return undefined;
  const path = src.string(field.value, '`conventions` (a file path such as AGENTS.md, or false)');
  if (path !== undefined && (path.startsWith('/') || path.split('/').includes('..'))) {
    src.error(
      field.value,
      '`conventions` is a path inside the repository (for example `AGENTS.md` or `docs/CONVENTIONS.md`)',
    );
    return undefined;
  }
  return path;
}

/** `path_instructions:` entries, shared by workflows and repository settings. */
export function readPathInstructions(
  src: SourceFile,
  node: Node | null,
): Array<{ path: string; instructions: string }> {
  const out: Array<{ path: string; instructions: string }> = [];
  for (const item of src.list(node, '`path_instructions`') ?? []) {
    const p = src.map(item, 'a path instruction (`- path: "**/*.kt"` with `instructions: ...`)', [
      'path',
      'instructions',
    ]);
    if (!p) continue;
    if (!p.get('path') || !p.get('instructions')) {
      src.error(item, 'a path instruction needs `path:` (a glob) and `instructions:` (text)');
      continue;
    }
    const path = src.string(p.get('path')!.value, '`path`');
    const instructions = src.string(p.get('instructions')!.value, '`instructions`');
    if (path !== undefined) {
      const problem = globProblem(path);
      if (problem) src.error(p.get('path')!.value, `glob \`${path}\`: ${problem}`);
    }
    if (path !== undefined && instructions !== undefined)
      out.push({ path, instructions: instructions.trim() });
  }
  return out;
}
