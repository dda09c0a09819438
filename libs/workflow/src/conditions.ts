import { PermanentError } from '@agentflow/contracts';
import { closest } from './suggest';

/**
 * The `if:` language. A condition names earlier steps (or whole phases) and asks about their
 * outcome explicitly; nothing is skipped implicitly because something before it was:
 *
 *   analysis.succeeded
 *   review.findings.blocker > 0
 *   !(lint.failed) && (security.succeeded || security.timed_out)
 *   always()
 *
 * Grammar: `or := and (("||" | "or") and)*`, `and := unary (("&&" | "and") unary)*`,
 * `unary := ("!" | "not") unary | atom`, `atom := "(" or ")" | "true" | "false" | "always()" |
 * REF "." STATUS | REF ".findings" ["." SEVERITY] OP NUMBER | NUMBER OP REF ".findings" ["." SEVERITY]`.
 */
export const CONDITION_STATUSES = [
  'succeeded',
  'failed',
  'timed_out',
  'skipped',
  'cancelled',
  'completed',
] as const;
export type ConditionStatus = (typeof CONDITION_STATUSES)[number];
export const CONDITION_SEVERITIES = ['blocker', 'major', 'minor', 'info'] as const;
type Op = '>' | '>=' | '<' | '<=' | '==' | '!=';

export type Condition =
  | { kind: 'const'; value: boolean }
  | { kind: 'status'; ref: string; status: ConditionStatus; start: number; end: number }
  | { kind: 'count'; ref: string; severity?: string; op: Op; value: number; start: number; end: number }
  | { kind: 'not'; operand: Condition }
  | { kind: 'and' | 'or'; left: Condition; right: Condition };

/** A condition that does not parse; `offset` is where in the expression the problem starts. */
export class ConditionSyntaxError extends PermanentError {
  override readonly code = 'condition_invalid';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** A condition could not be evaluated against the outcomes given (a step it names has no outcome). */
export class ConditionEvaluationError extends PermanentError {
  override readonly code = 'condition_unevaluable';
}

interface Token {
  type: 'path' | 'number' | 'op' | 'and' | 'or' | 'not' | 'lparen' | 'rparen' | 'always' | 'bool' | 'end';
  text: string;
  start: number;
  end: number;
}

const SEGMENT = /[A-Za-z_][A-Za-z0-9_-]*/y;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const two = source.slice(i, i + 2);
    if (two === '&&' || two === '||') {
      tokens.push({ type: two === '&&' ? 'and' : 'or', text: two, start: i, end: i + 2 });
      i += 2;
      continue;
    }
    if (two === '>=' || two === '<=' || two === '==' || two === '!=') {
      tokens.push({ type: 'op', text: two, start: i, end: i + 2 });
      i += 2;
      continue;
    }
    if (c === '>' || c === '<') {
      tokens.push({ type: 'op', text: c, start: i, end: i + 1 });
      i++;
      continue;
    }
    if (c === '!') {
      tokens.push({ type: 'not', text: c, start: i, end: i + 1 });
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      tokens.push({ type: c === '(' ? 'lparen' : 'rparen', text: c, start: i, end: i + 1 });
      i++;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /[0-9]+(\.[0-9]+)?/y;
      m.lastIndex = i;
      const hit = m.exec(source)!;
      tokens.push({ type: 'number', text: hit[0], start: i, end: i + hit[0].length });
      i += hit[0].length;
      continue;
    }
    SEGMENT.lastIndex = i;
    const seg = SEGMENT.exec(source);
    if (seg) {
      let end = i + seg[0].length;
      while (source[end] === '.') {
        SEGMENT.lastIndex = end + 1;
        const next = SEGMENT.exec(source);
        if (!next)
          throw new ConditionSyntaxError(
            `expected a name after \`.\` in \`${source.slice(i, end + 1)}\``,
            end,
          );
        end = end + 1 + next[0].length;
      }
      const text = source.slice(i, end);
      if (text === 'always' && source.slice(end, end + 2) === '()') {
        tokens.push({ type: 'always', text: 'always()', start: i, end: end + 2 });
        i = end + 2;
        continue;
      }
      const type =
        text === 'and'
          ? 'and'
          : text === 'or'
            ? 'or'
            : text === 'not'
              ? 'not'
              : text === 'true' || text === 'false'
                ? 'bool'
                : 'path';
      tokens.push({ type, text, start: i, end });
      i = end;
      continue;
    }
    if (c === '=') throw new ConditionSyntaxError('`=` is not an operator here; compare with `==`', i);
    if (c === '&' || c === '|')
      throw new ConditionSyntaxError(`\`${c}\` alone is not an operator; write \`${c}${c}\``, i);
    throw new ConditionSyntaxError(`unexpected character \`${c}\``, i);
  }
  tokens.push({ type: 'end', text: '', start: source.length, end: source.length });
  return tokens;
}

/** Deeper nesting than this is refused rather than risking the stack. */
const MAX_DEPTH = 32;

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Condition {
    if (this.peek().type === 'end')
      throw new ConditionSyntaxError('the condition is empty; write for example `analysis.succeeded`', 0);
    const result = this.or();
    const rest = this.peek();
    if (rest.type !== 'end')
      throw new ConditionSyntaxError(
        `unexpected \`${rest.text}\`; join conditions with \`&&\` or \`||\``,
        rest.start,
      );
    return result;
  }

  private peek(): Token {
    return this.tokens[this.i];
  }

  private next(): Token {
    return this.tokens[this.i++];
  }

  private or(): Condition {
    let left = this.and();
    while (this.peek().type === 'or') {
      this.next();
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Condition {
    let left = this.unary();
    while (this.peek().type === 'and') {
      this.next();
      left = { kind: 'and', left, right: this.unary() };
    }
    return left;
  }

  private unary(): Condition {
    if (++this.depth > MAX_DEPTH)
      throw new ConditionSyntaxError(
        `the condition nests deeper than ${MAX_DEPTH} levels; simplify it`,
        this.peek().start,
      );
    try {
      return this.unaryInner();
    } finally {
      this.depth--;
    }
  }

  private unaryInner(): Condition {
    if (this.peek().type === 'not') {
      this.next();
      return { kind: 'not', operand: this.unary() };
    }
    return this.atom();
  }

  private atom(): Condition {
    const t = this.next();
    switch (t.type) {
      case 'lparen': {
        const inner = this.or();
        const close = this.next();
        if (close.type !== 'rparen') throw new ConditionSyntaxError('missing `)`', close.start);
        return inner;
      }
      case 'bool':
        return { kind: 'const', value: t.text === 'true' };
      case 'always':
        return { kind: 'const', value: true };
      case 'number': {
        const op = this.next();
        if (op.type !== 'op')
          throw new ConditionSyntaxError(
            `a number must be compared with a findings count, as in \`${t.text} < review.findings\``,
            op.start,
          );
        const path = this.next();
        if (path.type !== 'path')
          throw new ConditionSyntaxError(
            `expected a findings count such as \`review.findings.blocker\` after \`${op.text}\``,
            path.start,
          );
        const count = this.countOf(path);
        return {
          kind: 'count',
          ...count,
          op: flip(op.text as Op),
          value: Number(t.text),
          start: t.start,
          end: path.end,
        };
      }
      case 'path':
        return this.pathCondition(t);
      case 'end':
        throw new ConditionSyntaxError(
          'the condition ends too early; expected a step outcome such as `analysis.succeeded`',
          t.start,
        );
      default:
        throw new ConditionSyntaxError(
          `unexpected \`${t.text}\`; expected a step outcome such as \`analysis.succeeded\``,
          t.start,
        );
    }
  }

  private pathCondition(t: Token): Condition {
    const segments = t.text.split('.');
    const last = segments[segments.length - 1];
    if (segments.includes('findings')) {
      const count = this.countOf(t);
      const op = this.next();
      if (op.type !== 'op')
        throw new ConditionSyntaxError(`compare the count, as in \`${t.text} > 0\``, op.start);
      const num = this.next();
      if (num.type !== 'number')
        throw new ConditionSyntaxError(`expected a number after \`${op.text}\``, num.start);
      return {
        kind: 'count',
        ...count,
        op: op.text as Op,
        value: Number(num.text),
        start: t.start,
        end: num.end,
      };
    }
    if (segments.length < 2 || !(CONDITION_STATUSES as readonly string[]).includes(last)) {
      const near = segments.length >= 2 ? closest(last, CONDITION_STATUSES) : undefined;
      if (near)
        throw new ConditionSyntaxError(
          `\`${last}\` is not a status; did you mean \`${segments.slice(0, -1).join('.')}.${near}\`?`,
          t.start,
        );
      const hint =
        segments.length >= 2
          ? `\`${last}\` is not a status (use ${CONDITION_STATUSES.map((s) => `\`.${s}\``).join(', ')})`
          : `\`${t.text}\` is a name, not a condition`;
      throw new ConditionSyntaxError(
        `${hint}; write for example \`${segments.length >= 2 ? segments.slice(0, -1).join('.') : t.text}.succeeded\` or \`${segments[0]}.findings.blocker > 0\``,
        t.start,
      );
    }
    if (this.peek().type === 'op')
      throw new ConditionSyntaxError(
        `\`${t.text}\` is true or false and cannot be compared; use it alone`,
        this.peek().start,
      );
    return {
      kind: 'status',
      ref: segments.slice(0, -1).join('.'),
      status: last as ConditionStatus,
      start: t.start,
      end: t.end,
    };
  }

  private countOf(t: Token): { ref: string; severity?: string } {
    const segments = t.text.split('.');
    const at = segments.indexOf('findings');
    if (at === 0)
      throw new ConditionSyntaxError(
        '`findings` needs a step or phase before it, as in `review.findings.blocker`',
        t.start,
      );
    const after = segments.slice(at + 1);
    if (
      after.length > 1 ||
      (after.length === 1 && !(CONDITION_SEVERITIES as readonly string[]).includes(after[0]))
    ) {
      throw new ConditionSyntaxError(
        `after \`findings\` write nothing (every finding) or a severity: ${CONDITION_SEVERITIES.join(', ')}; found \`${after.join('.')}\``,
        t.start,
      );
    }
    return { ref: segments.slice(0, at).join('.'), severity: after[0] };
  }
}

function flip(op: Op): Op {
  return op === '>' ? '<' : op === '<' ? '>' : op === '>=' ? '<=' : op === '<=' ? '>=' : op;
}

const cache = new Map<string, Condition>();

/** Parses a condition; throws {@link ConditionSyntaxError} with the offset of the problem. */
export function parseCondition(source: string): Condition {
  const hit = cache.get(source);
  if (hit) return hit;
  const parsed = new Parser(tokenize(source)).parse();
  if (cache.size > 1000) cache.clear();
  cache.set(source, parsed);
  return parsed;
}

/** Every step or phase a condition names, with its offsets in the expression. */
export function conditionRefs(condition: Condition): Array<{ ref: string; start: number; end: number }> {
  switch (condition.kind) {
    case 'const':
      return [];
    case 'status':
    case 'count':
      return [{ ref: condition.ref, start: condition.start, end: condition.end }];
    case 'not':
      return conditionRefs(condition.operand);
    default:
      return [...conditionRefs(condition.left), ...conditionRefs(condition.right)];
  }
}

/** What the coordinator knows of a finished step. Compatible with `StepOutcomeSummary`. */
export interface StepOutcome {
  status: string;
  findings?: ReadonlyArray<{ severity: string }>;
}

const TERMINAL = new Set(['succeeded', 'failed', 'timed_out', 'skipped', 'cancelled']);

function statusHolds(status: string, predicate: ConditionStatus): boolean {
  switch (predicate) {
    case 'completed':
      return TERMINAL.has(status);
    case 'failed':
      return status === 'failed' || status === 'timed_out';
    default:
      return status === predicate;
  }
}

/** For a phase (several steps): `succeeded`, `skipped`, `completed` need all; `failed`, `timed_out`, `cancelled` need one. */
function aggregate(outcomes: StepOutcome[], predicate: ConditionStatus): boolean {
  const all = predicate === 'succeeded' || predicate === 'skipped' || predicate === 'completed';
  return all
    ? outcomes.every((o) => statusHolds(o.status, predicate))
    : outcomes.some((o) => statusHolds(o.status, predicate));
}

function compare(a: number, op: Op, b: number): boolean {
  switch (op) {
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '==':
      return a === b;
    default:
      return a !== b;
  }
}

function outcomesOf(ref: string, outcomes: Readonly<Record<string, StepOutcome>>): StepOutcome[] {
  const exact = outcomes[ref];
  if (exact) return [exact];
  const prefix = `${ref}.`;
  const members = Object.keys(outcomes)
    .filter((id) => id.startsWith(prefix))
    .map((id) => outcomes[id]);
  if (members.length === 0) {
    throw new ConditionEvaluationError(
      `condition names \`${ref}\`, which has no outcome yet; evaluate a step's condition only after every step it depends on has finished`,
    );
  }
  return members;
}

/**
 * Evaluates a step's `if:` against the outcomes of the steps that finished, keyed by step id.
 * A name that is a phase stands for all steps `<phase>.*`. Throws {@link ConditionSyntaxError}
 * for a malformed expression and {@link ConditionEvaluationError} when a named step has no outcome.
 */
export function evaluateCondition(
  expression: string,
  outcomes: Readonly<Record<string, StepOutcome>>,
): boolean {
  return evaluate(parseCondition(expression), outcomes);
}

function evaluate(c: Condition, outcomes: Readonly<Record<string, StepOutcome>>): boolean {
  switch (c.kind) {
    case 'const':
      return c.value;
    case 'status':
      return aggregate(outcomesOf(c.ref, outcomes), c.status);
    case 'count': {
      const count = outcomesOf(c.ref, outcomes).reduce(
        (sum, o) =>
          sum +
          (o.findings ?? []).filter((f) => c.severity === undefined || f.severity === c.severity).length,
        0,
      );
      return compare(count, c.op, c.value);
    }
    case 'not':
      return !evaluate(c.operand, outcomes);
    case 'and':
      return evaluate(c.left, outcomes) && evaluate(c.right, outcomes);
    default:
      return evaluate(c.left, outcomes) || evaluate(c.right, outcomes);
  }
}

/**
 * Whether some outcome of the named steps makes the condition true. `domain(ref)` lists the
 * statuses a single step can end in (only `skipped` for a step that never runs), or `free` for a
 * phase of several steps, whose predicates are then treated as independent. Counts are free too.
 * Used to reject steps that can never run; errs on the side of "satisfiable".
 */
export function isSatisfiable(c: Condition, domain: (ref: string) => readonly string[] | 'free'): boolean {
  const atoms: Condition[] = [];
  const refs = new Map<string, readonly string[]>();
  const collect = (n: Condition): void => {
    if (n.kind === 'status') {
      const d = domain(n.ref);
      if (d === 'free') atoms.push(n);
      else refs.set(n.ref, d);
    } else if (n.kind === 'count') atoms.push(n);
    else if (n.kind === 'not') collect(n.operand);
    else if (n.kind === 'and' || n.kind === 'or') {
      collect(n.left);
      collect(n.right);
    }
  };
  collect(c);
  const refNames = [...refs.keys()];
  if (atoms.length > 10 || refNames.length > 5) return true;
  const assignment = new Map<string, string>();
  const atomValues = new Map<Condition, boolean>();
  const value = (n: Condition): boolean => {
    switch (n.kind) {
      case 'const':
        return n.value;
      case 'status':
        return atomValues.has(n) ? atomValues.get(n)! : statusHolds(assignment.get(n.ref)!, n.status);
      case 'count':
        return atomValues.get(n)!;
      case 'not':
        return !value(n.operand);
      case 'and':
        return value(n.left) && value(n.right);
      default:
        return value(n.left) || value(n.right);
    }
  };
  const tryRefs = (index: number): boolean => {
    if (index === refNames.length) {
      for (let mask = 0; mask < 1 << atoms.length; mask++) {
        atoms.forEach((a, bit) => atomValues.set(a, (mask & (1 << bit)) !== 0));
        if (value(c)) return true;
      }
      return false;
    }
    for (const status of refs.get(refNames[index])!) {
      assignment.set(refNames[index], status);
      if (tryRefs(index + 1)) return true;
    }
    return false;
  };
  return tryRefs(0);
}

/** The statuses a step that may run can end in. */
export const RUNNABLE_STATUSES: readonly string[] = [
  'succeeded',
  'failed',
  'timed_out',
  'skipped',
  'cancelled',
];
