#!/usr/bin/env node
// Renders Kustomize directories with `kubectl kustomize` and validates every object against the
// Kubernetes OpenAPI schemas (kubernetes-models) and, for the custom resources agentflow uses,
// against the CRDs' own schemas (KEDA, External Secrets, Prometheus Operator). An object with no
// known schema is an error, never a silent pass.
//
//   node scripts/k8s-validate.mjs k8s/overlays/dev k8s/overlays/production
//   kubectl kustomize k8s/overlays/production | node scripts/k8s-validate.mjs -
//
// Prints one line per problem (`<dir>: <Kind>/<name>: <path> <message>`) and a summary; exits 1
// when anything is invalid, 2 when a directory cannot be rendered. `--json` prints the rendered
// objects and the problems as one JSON document instead (what the tests read).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

/** apiVersion -> the module whose exports are that group-version's models. */
const MODULES = {
  v1: 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'batch/v1': 'kubernetes-models/batch/v1',
  'policy/v1': 'kubernetes-models/policy/v1',
  'autoscaling/v2': 'kubernetes-models/autoscaling/v2',
  'networking.k8s.io/v1': 'kubernetes-models/networking.k8s.io/v1',
  'rbac.authorization.k8s.io/v1': 'kubernetes-models/rbac.authorization.k8s.io/v1',
  'keda.sh/v1alpha1': '@kubernetes-models/keda/keda.sh/v1alpha1',
  'external-secrets.io/v1': '@kubernetes-models/external-secrets/external-secrets.io/v1',
  'monitoring.coreos.com/v1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
};

export function render(dir) {
  return execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function parseObjects(text) {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS())
    .filter((o) => o && typeof o === 'object');
}

/** Problems of one object, as strings; an empty list when it is valid. */
export async function validateObject(object) {
  const label = `${object.kind ?? '(no kind)'}/${object.metadata?.name ?? '(no name)'}`;
  const modulePath = MODULES[object.apiVersion];
  if (!modulePath)
    return [
      `${label}: no schema for apiVersion ${object.apiVersion}; add it to scripts/k8s-validate.mjs or use a known version`,
    ];
  const models = await import(modulePath);
  const Model = models[object.kind];
  if (typeof Model !== 'function') return [`${label}: ${object.apiVersion} has no kind ${object.kind}`];
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    const details =
      Array.isArray(error.errors) && error.errors.length > 0
        ? error.errors.map(
            (e) =>
              `${e.instancePath || '/'} ${e.message}${e.params?.allowedValues ? ` (${e.params.allowedValues.join(', ')})` : ''}`,
          )
        : [String(error.message ?? error)];
    return details.map((d) => `${label}: ${d}`);
  }
}

async function main(args) {
  const json = args.includes('--json');
  const sources = args.filter((a) => a !== '--json');
  if (sources.length === 0) {
    process.stderr.write(
      'usage: k8s-validate.mjs [--json] DIR... | -   (a Kustomize directory, or - for rendered YAML on stdin)\n',
    );
    return 2;
  }
  const report = [];
  for (const source of sources) {
    let text;
    try {
      text = source === '-' ? readFileSync(0, 'utf8') : render(source);
    } catch (error) {
      process.stderr.write(`${source}: cannot render: ${String(error.stderr ?? error.message).trim()}\n`);
      return 2;
    }
    const objects = parseObjects(text);
    const problems = [];
    for (const object of objects) problems.push(...(await validateObject(object)));
    report.push({ source, objects, problems });
  }
  if (json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } else {
    for (const { source, objects, problems } of report) {
      for (const p of problems) process.stdout.write(`${source}: ${p}\n`);
      process.stdout.write(`${source}: ${objects.length} objects, ${problems.length} problem(s)\n`);
    }
  }
  return report.some((r) => r.problems.length > 0) ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
