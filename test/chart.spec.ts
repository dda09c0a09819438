/**
 * The Helm chart skeleton in k8s/: rendered with its default values and parsed, then checked for
 * what the runtime relies on: a Deployment and a Service per service, liveness on /health,
 * readiness on /ready, a grace period longer than preStop plus the kit's shutdown deadline, and
 * agent groups that cover every agent type once. Helm is not installed here, so the templates are
 * rendered by the small renderer below, which knows only the constructs the chart uses and fails
 * on anything else (a template using more must extend it, not pass silently).
 */
import { AGENT_TYPE_IDS } from '@agentflow/contracts';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';

const CHART = join(__dirname, '..', 'k8s');
const RELEASE = 'af';

type Scope = Record<string, unknown>;

/** Splits a pipeline on `|` outside quotes. */
function splitPipeline(expr: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of expr) {
    if (ch === '"') quoted = !quoted;
    if (ch === '|' && !quoted) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  parts.push(current.trim());
  return parts;
}

function lookup(ref: string, root: Scope, vars: Scope): unknown {
  let base: unknown;
  let path: string;
  if (ref.startsWith('$.')) [base, path] = [root, ref.slice(2)];
  else if (ref.startsWith('$')) {
    const [name, ...rest] = ref.slice(1).split('.');
    if (!(name in vars)) throw new Error(`unknown variable $${name}`);
    [base, path] = [vars[name], rest.join('.')];
  } else if (ref.startsWith('.')) [base, path] = [root, ref.slice(1)];
  else if (/^"[^"]*"$/.test(ref)) return ref.slice(1, -1);
  else if (/^\d+$/.test(ref)) return Number(ref);
  else throw new Error(`unsupported operand ${ref}`);
  return path === ''
    ? base
    : path.split('.').reduce<unknown>((v, key) => (v as Scope | undefined)?.[key], base);
}

function isEmpty(v: unknown): boolean {
  return (
    v === undefined ||
    v === null ||
    v === '' ||
    v === false ||
    v === 0 ||
    (Array.isArray(v) && v.length === 0) ||
    (typeof v === 'object' && Object.keys(v as object).length === 0)
  );
}

function evaluate(expr: string, root: Scope, vars: Scope): unknown {
  const [first, ...rest] = splitPipeline(expr);
  const words = first.split(/\s+/);
  let value: unknown;
  if (words[0] === 'toYaml' && words.length === 2) value = stringify(lookup(words[1], root, vars)).trimEnd();
  else if (words.length === 1) value = lookup(words[0], root, vars);
  else throw new Error(`unsupported expression ${first}`);
  for (const stage of rest) {
    const [fn, ...args] = stage.split(/\s+/);
    if (fn === 'quote' && args.length === 0) value = JSON.stringify(String(value ?? ''));
    else if (fn === 'empty' && args.length === 0) value = isEmpty(value);
    else if (fn === 'nindent' && args.length === 1) {
      const pad = ' '.repeat(Number(args[0]));
      value = `\n${String(value)
        .split('\n')
        .map((line) => pad + line)
        .join('\n')}`;
    } else throw new Error(`unsupported pipeline stage ${stage}`);
  }
  return value;
}

type Node = { text: string } | { expr: string } | { range: { variable: string; over: string }; body: Node[] };

function parseTemplate(source: string): Node[] {
  const tokens: Array<{ text: string } | { action: string }> = [];
  const pattern = /\{\{(-?)\s*(.*?)\s*(-?)\}\}/gs;
  let last = 0;
  let trimNext = false;
  for (const match of source.matchAll(pattern)) {
    let text = source.slice(last, match.index);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (match[1] === '-') text = text.replace(/\s+$/, '');
    tokens.push({ text });
    tokens.push({ action: match[2] });
    trimNext = match[3] === '-';
    last = match.index! + match[0].length;
  }
  let tail = source.slice(last);
  if (trimNext) tail = tail.replace(/^\s+/, '');
  tokens.push({ text: tail });

  const stack: Node[][] = [[]];
  for (const token of tokens) {
    const into = stack[stack.length - 1];
    if ('text' in token) {
      into.push({ text: token.text });
      continue;
    }
    const range = /^range \$(\w+) := (\S+)$/.exec(token.action);
    if (range) {
      const node: Node = { range: { variable: range[1], over: range[2] }, body: [] };
      into.push(node);
      stack.push(node.body);
    } else if (token.action === 'end') {
      if (stack.length === 1) throw new Error('end without range');
      stack.pop();
    } else if (/^(if|else|with|define|include|template)\b/.test(token.action)) {
      throw new Error(`unsupported action ${token.action}`);
    } else into.push({ expr: token.action });
  }
  if (stack.length !== 1) throw new Error('range without end');
  return stack[0];
}

function renderNodes(nodes: Node[], root: Scope, vars: Scope): string {
  return nodes
    .map((node) => {
      if ('text' in node) return node.text;
      if ('expr' in node) {
        const value = evaluate(node.expr, root, vars);
        if (value === undefined || value === null) throw new Error(`${node.expr} has no value`);
        return String(value);
      }
      const items = lookup(node.range.over, root, vars);
      if (!Array.isArray(items)) throw new Error(`range over ${node.range.over}: not a list`);
      return items
        .map((item) => renderNodes(node.body, root, { ...vars, [node.range.variable]: item }))
        .join('');
    })
    .join('');
}

interface K8sObject {
  kind: string;
  metadata: { name: string; labels: Record<string, string> };
  spec: Record<string, unknown>;
}

interface Container {
  name: string;
  command: string[];
  ports: Array<{ name: string; containerPort: number }>;
  env: Array<{ name: string; value: string }>;
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  lifecycle: { preStop: { exec: { command: string[] } } };
  resources: { requests: { cpu: string; memory: string }; limits: { memory: string } };
}

interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: { terminationGracePeriodSeconds: number; containers: Container[] };
}

function renderChart(): K8sObject[] {
  const chart = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as Scope;
  const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Scope;
  const root: Scope = {
    Values: values,
    Release: { Name: RELEASE, Namespace: 'default' },
    Chart: { Name: chart.name, AppVersion: chart.appVersion },
  };
  const objects: K8sObject[] = [];
  for (const file of readdirSync(join(CHART, 'templates'))
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const rendered = renderNodes(
      parseTemplate(readFileSync(join(CHART, 'templates', file), 'utf8')),
      root,
      {},
    );
    for (const doc of parseAllDocuments(rendered)) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
      const object = doc.toJS() as K8sObject | null;
      if (object) objects.push(object);
    }
  }
  return objects;
}

function envOf(container: Container): Record<string, string> {
  return Object.fromEntries(container.env.map((e) => [e.name, e.value]));
}

describe('k8s chart', () => {
  const objects = renderChart();
  const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as {
    preStopSeconds: number;
    agents: { groups: Array<{ name: string; agentTypes: string }> };
  };
  const deployments = objects.filter((o) => o.kind === 'Deployment');
  const services = objects.filter((o) => o.kind === 'Service');
  const deploymentNames = [
    ...['ingress', 'coordinator', 'gateway', 'notifier'].map((s) => `${RELEASE}-${s}`),
    ...values.agents.groups.map((g) => `${RELEASE}-agents-${g.name}`),
  ];

  it('has a chart description a Helm client accepts', () => {
    const chart = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as Scope;
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'agentflow', type: 'application' });
    expect(chart.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('renders a Deployment and a Service for every service and agent group', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual([...deploymentNames].sort());
    expect(services.map((s) => s.metadata.name).sort()).toEqual([...deploymentNames].sort());
  });

  it.each(deploymentNames)(
    '%s probes /health for liveness and /ready for readiness, on the http port',
    (name) => {
      const pod = deployments.find((d) => d.metadata.name === name)!.spec.template as PodTemplate;
      const [container] = pod.spec.containers;
      expect(container.ports).toEqual([{ name: 'http', containerPort: 3000 }]);
      expect(envOf(container).PORT).toBe('3000');
      expect(container.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
      expect(container.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
      expect(container.resources).toEqual({
        requests: { cpu: expect.any(String), memory: expect.any(String) },
        limits: { memory: expect.any(String) },
      });
    },
  );

  it.each(deploymentNames)(
    '%s is given time for preStop and the graceful shutdown before it is killed',
    (name) => {
      const pod = deployments.find((d) => d.metadata.name === name)!.spec.template as PodTemplate;
      const [container] = pod.spec.containers;
      expect(container.lifecycle.preStop.exec.command).toEqual(['sleep', String(values.preStopSeconds)]);
      const shutdownMs = Number(envOf(container).SHUTDOWN_TIMEOUT_MS);
      expect(shutdownMs).toBeGreaterThan(0);
      expect(pod.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(
        values.preStopSeconds * 1000 + shutdownMs,
      );
    },
  );

  it.each(deploymentNames)('%s runs an entry that exists, and its Service selects its pods', (name) => {
    const deployment = deployments.find((d) => d.metadata.name === name)!;
    const pod = deployment.spec.template as PodTemplate;
    const entry = pod.spec.containers[0].command[1];
    expect(entry).toMatch(/^services\/[a-z]+\/dist\/main\.js$/);
    expect(existsSync(join(__dirname, '..', entry.replace('/dist/main.js', '/src/main.ts')))).toBe(true);
    const service = services.find((s) => s.metadata.name === name)!;
    const selector = service.spec.selector as Record<string, string>;
    for (const [key, value] of Object.entries(selector)) expect(pod.metadata.labels[key]).toBe(value);
    expect((deployment.spec.selector as { matchLabels: Record<string, string> }).matchLabels).toEqual(
      selector,
    );
  });

  it('gives each agents Deployment its AGENT_TYPES, covering every agent type exactly once', () => {
    const served: string[] = [];
    for (const group of values.agents.groups) {
      const pod = deployments.find((d) => d.metadata.name === `${RELEASE}-agents-${group.name}`)!.spec
        .template as PodTemplate;
      const types = envOf(pod.spec.containers[0]).AGENT_TYPES.split(',');
      served.push(...types);
    }
    expect([...served].sort()).toEqual([...AGENT_TYPE_IDS].sort());
  });

  it('refuses template constructs the renderer does not know', () => {
    expect(() => parseTemplate('{{ if .Values.x }}a{{ end }}')).toThrow(/unsupported action/);
    expect(() => renderNodes(parseTemplate('{{ .Values.x | upper }}'), { Values: { x: 'a' } }, {})).toThrow(
      /unsupported pipeline stage/,
    );
  });
});
