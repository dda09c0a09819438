/**
 * What the dashboard and the alert rules ask Prometheus for, read from their files: every
 * agentflow series a query names, for checking against what the services declare.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const ROOT = join(__dirname, '..', '..');
export const DASHBOARD = join(ROOT, 'observability', 'grafana', 'dashboards', 'agentflow.json');
export const RULES = join(ROOT, 'observability', 'prometheus', 'agentflow-rules.yml');
export const PROMETHEUS_RULE = join(ROOT, 'observability', 'prometheus-rule.yaml');

export interface Dashboard {
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
}

export interface RuleGroups {
  groups: Array<{
    name: string;
    rules: Array<{ alert: string; expr: string; labels?: Record<string, string> }>;
  }>;
}

export function dashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
}

export function rules(): RuleGroups {
  return parse(readFileSync(RULES, 'utf8')) as RuleGroups;
}

/** Series names an expression reads; a histogram's `_bucket`, `_sum` and `_count` name the histogram. */
export function seriesIn(expr: string): string[] {
  const names = [...expr.matchAll(/\bagentflow_[a-z0-9_]+/g)].map((m) => m[0]);
  return [...new Set(names)];
}

/**
 * Which of `series` a `/metrics` text does not declare. A histogram declares its `_bucket`,
 * `_sum` and `_count` through its own `# TYPE` line; a declared series with no sample yet counts.
 */
export function undeclared(series: string[], metricsText: string): string[] {
  const declared = new Map<string, string>();
  for (const m of metricsText.matchAll(/^# TYPE (\S+) (\S+)$/gm)) declared.set(m[1], m[2]);
  return series.filter((name) => {
    if (declared.has(name)) return false;
    const base = name.replace(/_(bucket|sum|count)$/, '');
    return !(base !== name && (declared.get(base) === 'histogram' || declared.get(base) === 'summary'));
  });
}
