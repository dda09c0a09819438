import { isMap, isSeq, type Node } from 'yaml';
import type { PlanComparison, PlanTrigger, PlanTriggerConditions } from '@agentflow/contracts';
import { CronSyntaxError, parseCron } from './cron';
import { globProblem } from './globs';
import type { Field, SourceFile } from './source';
import { didYouMean } from './suggest';

const TRIGGER_KEYS = ['event', 'conditions', 'commands', 'schedule'];
export const CONDITION_KEYS = [
  'files_changed',
  'lines_changed',
  'test_coverage',
  'labels',
  'labels_ignore',
  'branches',
  'branches_ignore',
  'authors',
  'authors_ignore',
  'draft',
  'bots',
];
export const EVENTS = ['pull_request', 'merge_request', 'push', 'manual', 'issue_comment', 'schedule'];
export const PR_ACTIONS = [
  'opened',
  'synchronize',
  'reopened',
  'ready_for_review',
  'labeled',
  'unlabeled',
  'edited',
  'closed',
  'converted_to_draft',
  'review_requested',
];

/** Reads `trigger:`: events, comment commands, schedules and conditions. */
export function readTrigger(src: SourceFile, f: Map<string, Field>): PlanTrigger {
  const trigger: PlanTrigger = {
    events: [],
    commands: [],
    schedules: [],
    conditions: { draft: 'skip', bots: 'skip' },
  };
  const field = f.get('trigger');
  if (!field) {
    if (isMap(src.deref(src.root)))
      src.error(src.root, 'the workflow needs `trigger:` with an `event:` (for example `pull_request`)');
    return trigger;
  }
  const t = src.map(field.value, '`trigger`', TRIGGER_KEYS);
  if (!t) return trigger;
  const event = t.get('event');
  if (!event)
    src.error(
      field.value,
      '`trigger` needs `event:` (pull_request, pull_request.opened, push, manual, issue_comment or schedule)',
    );
  else {
    for (const e of src.stringList(event.value, '`trigger.event`') ?? []) {
      const [kind, action, extra] = e.value.split('.');
      if (!EVENTS.includes(kind)) src.error(e.node, `unknown event \`${kind}\`${didYouMean(kind, EVENTS)}`);
      else if (
        extra !== undefined ||
        (action !== undefined && kind !== 'pull_request' && kind !== 'merge_request')
      )
        src.error(
          e.node,
          `\`${e.value}\`: only pull_request events take an action (\`pull_request.opened\`)`,
        );
      else if (action !== undefined && !PR_ACTIONS.includes(action))
        src.error(e.node, `unknown pull_request action \`${action}\`${didYouMean(action, PR_ACTIONS)}`);
      else
        trigger.events.push(
          kind === 'merge_request' ? e.value.replace('merge_request', 'pull_request') : e.value,
        );
    }
    if (isSeq(src.deref(event.value)) && (src.deref(event.value) as { items: unknown[] }).items.length === 0)
      src.error(event.value, '`trigger.event` is empty; list at least one event');
  }
  const commands = t.get('commands');
  if (commands) {
    for (const c of src.stringList(commands.value, '`trigger.commands`') ?? []) {
      if (!c.value.startsWith('/'))
        src.error(
          c.node,
          `a comment command starts with \`/\`, as in \`/agentflow review\`; found \`${c.value}\``,
        );
      else trigger.commands.push(c.value.trim());
    }
    if (!trigger.events.includes('issue_comment'))
      src.error(
        commands.key,
        '`commands` only applies to the `issue_comment` event; add `issue_comment` to `trigger.event`',
      );
  } else if (trigger.events.includes('issue_comment')) {
    src.error(
      field.value,
      'an `issue_comment` trigger needs `commands:` (for example `["/agentflow review"]`)',
    );
  }
  const schedule = t.get('schedule');
  if (schedule) {
    for (const s of src.stringList(schedule.value, '`trigger.schedule`') ?? []) {
      try {
        parseCron(s.value);
        trigger.schedules.push(s.value.trim());
      } catch (error) {
        if (!(error instanceof CronSyntaxError)) throw error;
        src.error(s.node, `schedule \`${s.value}\`: ${error.message}`);
      }
    }
    if (!trigger.events.includes('schedule'))
      src.error(
        schedule.key,
        '`schedule` only applies to the `schedule` event; add `schedule` to `trigger.event`',
      );
  } else if (trigger.events.includes('schedule')) {
    src.error(
      field.value,
      'a `schedule` trigger needs `schedule:` with a cron expression (for example `"0 3 * * 1-5"`, UTC)',
    );
  }
  const conditions = t.get('conditions');
  if (conditions) readConditions(src, conditions.value, trigger.conditions);
  return trigger;
}

/** `conditions:` as a list of one-key maps (the seed's form) or as one map. */
function readConditions(src: SourceFile, node: Node | null, out: PlanTriggerConditions): void {
  const target = src.deref(node);
  const entries: Array<[string, Field]> = [];
  if (isSeq(target)) {
    for (const item of target.items as Node[]) {
      const m = src.map(item, 'a trigger condition (`- files_changed: [...]`)', CONDITION_KEYS);
      for (const entry of m ?? []) entries.push(entry);
    }
  } else if (isMap(target)) {
    for (const entry of src.fields(target, '`trigger.conditions`', CONDITION_KEYS)) entries.push(entry);
  } else {
    src.error(node, '`trigger.conditions` must be a list (`- files_changed: ["*.swift"]`) or a map');
    return;
  }
  const seen = new Map<string, Node>();
  for (const [key, field] of entries) {
    if (seen.has(key)) {
      src.error(field.key, `condition \`${key}\` is given twice; conditions are ANDed, merge them into one`);
      continue;
    }
    seen.set(key, field.key);
    const value = field.value;
    const what = `\`${key}\``;
    switch (key) {
      case 'files_changed':
      case 'labels':
      case 'labels_ignore':
      case 'branches':
      case 'branches_ignore':
      case 'authors':
      case 'authors_ignore': {
        const list = src.stringList(value, what) ?? [];
        if (key === 'files_changed')
          for (const g of list) {
            const p = globProblem(g.value);
            if (p) src.error(g.node, `glob \`${g.value}\`: ${p}`);
          }
        const prop = (
          {
            files_changed: 'filesChanged',
            labels: 'labels',
            labels_ignore: 'labelsIgnore',
            branches: 'branches',
            branches_ignore: 'branchesIgnore',
            authors: 'authors',
            authors_ignore: 'authorsIgnore',
          } as const
        )[key];
        out[prop] = list.map((g) => g.value);
        break;
      }
      case 'lines_changed': {
        const cmp = readComparison(src, value, what, false);
        if (cmp) out.linesChanged = cmp;
        break;
      }
      case 'test_coverage': {
        let whenUnknown: 'skip' | 'run' = 'skip';
        let cmpNode = value;
        if (isMap(src.deref(value))) {
          const m = src.map(value, what, ['value', 'when_unknown'])!;
          cmpNode = m.get('value')?.value ?? null;
          if (!m.get('value')) src.error(value, `${what} needs \`value:\` (for example \`"< 80%"\`)`);
          const wu = m.get('when_unknown');
          if (wu) {
            const v = src.string(wu.value, '`when_unknown`');
            if (v !== undefined && v !== 'skip' && v !== 'run')
              src.error(wu.value, `\`when_unknown\` must be \`skip\` or \`run\`, found \`${v}\``);
            else if (v) whenUnknown = v;
          }
          if (!cmpNode) break;
        }
        const cmp = readComparison(src, cmpNode, what, true);
        if (cmp) {
          if (cmp.value > 100)
            src.error(cmpNode, `${what} is a percentage between 0 and 100, found ${cmp.value}`);
          else out.testCoverage = { ...cmp, whenUnknown };
        }
        break;
      }
      case 'draft': {
        const v = src.string(value, what);
        if (v !== undefined && !['skip', 'include', 'only'].includes(v))
          src.error(value, `${what} must be \`skip\`, \`include\` or \`only\`, found \`${v}\``);
        else if (v) out.draft = v as PlanTriggerConditions['draft'];
        break;
      }
      case 'bots': {
        const v = src.string(value, what);
        if (v !== undefined && v !== 'skip' && v !== 'include')
          src.error(value, `${what} must be \`skip\` or \`include\`, found \`${v}\``);
        else if (v) out.bots = v as PlanTriggerConditions['bots'];
        break;
      }
    }
  }
}

function readComparison(
  src: SourceFile,
  node: Node | null,
  what: string,
  percent: boolean,
): PlanComparison | undefined {
  const target = src.deref(node);
  if (target && 'value' in target && typeof (target as { value: unknown }).value === 'number') {
    src.error(
      node,
      `${what} needs a comparison in quotes, for example \`"> ${(target as { value: number }).value}"\``,
    );
    return undefined;
  }
  const text = src.string(node, what);
  if (text === undefined) return undefined;
  const m = /^\s*(>=|<=|==|!=|>|<)\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(text);
  if (!m || (m[3] === '%' && !percent)) {
    src.error(
      node,
      `${what} \`${text}\` is not a comparison; write for example \`${percent ? '"< 80%"' : '"> 100"'}\` (operators: > >= < <= == !=)`,
    );
    return undefined;
  }
  return { op: m[1] as PlanComparison['op'], value: Number(m[2]) };
}
