/**
 * `if:` conditions. The grammar belongs to the workflow library (`evaluateCondition` in
 * @agentflow/workflow); the actor only needs this port, so the evaluator is injected and the actor
 * stays testable on its own.
 */
import { SEVERITIES, type StepOutcomeSummary } from '@agentflow/contracts';

/**
 * Evaluates a step's `if:` against what earlier steps did, keyed by step id and by phase name
 * (a phase aggregates its steps). Throws when the expression cannot be read.
 */
export type ConditionEvaluator = (expr: string, outcomes: Readonly<Record<string, StepOutcomeSummary>>) => boolean;

/** A condition the evaluator could not read; the step fails with code `condition_invalid`. */
export class ConditionSyntaxError extends Error {
  constructor(expr: string, detail: string) {
    super(`if: "${expr}": ${detail}`);
    this.name = 'ConditionSyntaxError';
  }
}

const STATUS_WORDS = ['succeeded', 'failed', 'skipped', 'timed_out', 'cancelled'] as const;

/**
 * The evaluator used until the workflow library's lands, for the forms the workflow language
 * documents: `<ref>.<status>` (`analysis.succeeded`), `<ref>.findings[.<severity>] <op> <n>`
 * (`review.findings.blocker > 0`), combined with `&&`, `||`, `!` and parentheses.
 */
export const basicConditionEvaluator: ConditionEvaluator = (expr, outcomes) => {
  const tokens = expr.match(/\s*(&&|\|\||!=|==|>=|<=|[!()<>]|[A-Za-z0-9_.-]+)/g)?.map((t) => t.trim()) ?? [];
  if (tokens.join('') !== expr.replace(/\s+/g, '')) throw new ConditionSyntaxError(expr, 'unexpected character');
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++];

  const resolve = (path: string): number | boolean => {
    const parts = path.split('.');
    for (let cut = parts.length - 1; cut >= 1; cut--) {
      const key = parts.slice(0, cut).join('.');
      const outcome = outcomes[key];
      if (!outcome) continue;
      const rest = parts.slice(cut);
      if (rest.length === 1 && (STATUS_WORDS as readonly string[]).includes(rest[0])) return outcome.status === rest[0];
      if (rest[0] === 'findings' && rest.length <= 2) {
        if (rest.length === 1) return outcome.findings.length;
        if (!(SEVERITIES as readonly string[]).includes(rest[1])) throw new ConditionSyntaxError(expr, `unknown severity "${rest[1]}"`);
        return outcome.findings.filter((f) => f.severity === rest[1]).length;
      }
      throw new ConditionSyntaxError(expr, `"${rest.join('.')}" is not a status or a findings count of "${key}"`);
    }
    throw new ConditionSyntaxError(expr, `"${path}" names no earlier step or phase`);
  };

  const primary = (): boolean => {
    const t = next();
    if (t === undefined) throw new ConditionSyntaxError(expr, 'ends too early');
    if (t === '!') return !primary();
    if (t === '(') {
      const v = or();
      if (next() !== ')') throw new ConditionSyntaxError(expr, 'missing )');
      return v;
    }
    const value = resolve(t);
    const op = peek();
    if (op && ['>', '<', '>=', '<=', '==', '!='].includes(op)) {
      next();
      const rhs = Number(next());
      if (typeof value !== 'number' || Number.isNaN(rhs)) throw new ConditionSyntaxError(expr, `"${t} ${op}" compares a count with a number`);
      switch (op) {
        case '>': return value > rhs;
        case '<': return value < rhs;
        case '>=': return value >= rhs;
        case '<=': return value <= rhs;
        case '==': return value === rhs;
        default: return value !== rhs;
      }
    }
    if (typeof value !== 'boolean') throw new ConditionSyntaxError(expr, `"${t}" is a count; compare it (e.g. "${t} > 0")`);
    return value;
  };
  const and = (): boolean => {
    let v = primary();
    while (peek() === '&&') { next(); const r = primary(); v = v && r; }
    return v;
  };
  const or = (): boolean => {
    let v = and();
    while (peek() === '||') { next(); const r = and(); v = v || r; }
    return v;
  };
  const result = or();
  if (i !== tokens.length) throw new ConditionSyntaxError(expr, `unexpected "${tokens[i]}"`);
  return result;
};
