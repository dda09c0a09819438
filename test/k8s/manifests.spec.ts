/**
 * The Kubernetes manifests as a cluster would receive them: k8s/ rendered by `kubectl kustomize`
 * (the real engine), every object validated against the Kubernetes OpenAPI schemas and the CRDs'
 * own (KEDA, External Secrets, Prometheus Operator), then read for what the runtime and a
 * platform team's security review rely on: who holds which secret, who may talk to whom, how
 * pods run, start, stop and scale.
 */
import { AGENT_TYPE_IDS, topology } from '@agentflow/contracts';
import { DEFAULT_SECRETS_DIR, secretFileName } from '@agentflow/service-kit';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { renderAndValidate, ROOT, tempOverlay, type K8sObject } from './render';

type Labels = Record<string, string>;
interface Selector {
  matchLabels?: Labels;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

function selects(selector: Selector | undefined, labels: Labels): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels;
    if (e.operator === 'In' && !(has && e.values!.includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && e.values!.includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** Workloads: Deployments and the provisioning Job, by component. */
function workloads(objects: K8sObject[]): Map<string, K8sObject> {
  const map = new Map<string, K8sObject>();
  for (const o of objects.filter((x) => x.kind === 'Deployment' || x.kind === 'Job')) {
    map.set(o.spec.template.metadata.labels['app.kubernetes.io/component'], o);
  }
  return map;
}

/** Every Secret a workload's pods can read, however it is referenced. */
function secretsReadBy(workload: K8sObject): string[] {
  const pod = workload.spec.template.spec;
  const names = new Set<string>();
  for (const v of pod.volumes ?? []) {
    if (v.secret) names.add(v.secret.secretName);
    for (const s of v.projected?.sources ?? []) if (s.secret) names.add(s.secret.name);
  }
  for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
    for (const f of c.envFrom ?? []) if (f.secretRef) names.add(f.secretRef.name);
    for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) names.add(e.valueFrom.secretKeyRef.name);
  }
  return [...names].sort();
}

type Route = 'dns' | 'nats' | 'postgresql' | 'https-out' | 'proxy';

/** Where a pod with these labels may connect to, from the NetworkPolicies that select it. */
function egressOf(policies: K8sObject[], labels: Labels): Set<Route> {
  const routes = new Set<Route>();
  for (const p of policies) {
    if (!selects(p.spec.podSelector, labels) || !p.spec.policyTypes.includes('Egress')) continue;
    for (const rule of p.spec.egress ?? []) {
      const ports: number[] = (rule.ports ?? []).map((x: { port: number }) => x.port);
      for (const to of rule.to ?? []) {
        const name = to.podSelector?.matchLabels?.['app.kubernetes.io/name'];
        if (to.podSelector?.matchLabels?.['k8s-app'] === 'kube-dns' && ports.includes(53)) routes.add('dns');
        else if (name === 'nats' && ports.includes(4222)) routes.add('nats');
        else if (name === 'postgresql' && ports.includes(5432)) routes.add('postgresql');
        else if (to.ipBlock?.cidr === '0.0.0.0/0' && ports.includes(443)) routes.add('https-out');
        else if (to.ipBlock?.cidr?.endsWith('/32') && ports.includes(3128)) routes.add('proxy');
        else
          throw new Error(
            `${p.metadata.name}: an egress rule this test cannot classify: ${JSON.stringify(rule)}`,
          );
      }
    }
  }
  return routes;
}

type Source = 'anywhere' | 'cluster' | 'monitoring';

function ingressOf(policies: K8sObject[], labels: Labels): Set<Source> {
  const sources = new Set<Source>();
  for (const p of policies) {
    if (!selects(p.spec.podSelector, labels) || !p.spec.policyTypes.includes('Ingress')) continue;
    for (const rule of p.spec.ingress ?? []) {
      if (!rule.from) sources.add('anywhere');
      for (const from of rule.from ?? []) {
        const ns = from.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
        if (ns === 'monitoring') sources.add('monitoring');
        else if (from.namespaceSelector && Object.keys(from.namespaceSelector).length === 0)
          sources.add('cluster');
        else
          throw new Error(
            `${p.metadata.name}: an ingress source this test cannot classify: ${JSON.stringify(from)}`,
          );
      }
    }
  }
  return sources;
}

const AGENT_GROUPS = ['agents-review', 'agents-tests', 'agents-docs'];
const COMPONENTS = ['ingress', 'coordinator', 'gateway', 'notifier', ...AGENT_GROUPS];

/** The secret scopes of docs/deployment.md: each Secret only where it is used. */
const EXPECTED_SECRETS: Record<string, string[]> = {
  ingress: ['agentflow-database', 'agentflow-platform', 'agentflow-webhooks'],
  coordinator: ['agentflow-database'],
  gateway: ['agentflow-database', 'agentflow-vendor-keys'],
  notifier: ['agentflow-database', 'agentflow-platform', 'agentflow-slack'],
  'agents-review': ['agentflow-database', 'agentflow-platform'],
  'agents-tests': ['agentflow-database', 'agentflow-platform'],
  'agents-docs': ['agentflow-database', 'agentflow-platform'],
  provision: ['agentflow-database'],
};

describe('k8s manifests', () => {
  const [dev, production] = renderAndValidate('k8s/overlays/dev', 'k8s/overlays/production');
  const vault = tempOverlay({
    resources: ['k8s/base'],
    components: ['k8s/components/external-secrets-vault'],
  });
  const proxied = tempOverlay({
    resources: ['k8s/overlays/production'],
    components: ['k8s/components/egress-proxy'],
  });
  const [vaultRendered, proxiedRendered] = renderAndValidate(vault.dir, proxied.dir);
  afterAll(() => {
    vault.remove();
    proxied.remove();
  });

  it('renders both overlays and the optional components, every object valid against its schema', () => {
    for (const r of [dev, production, vaultRendered, proxiedRendered]) {
      expect(r.problems).toEqual([]);
      expect(r.objects.length).toBeGreaterThan(20);
    }
    const kinds = new Set(production.objects.map((o) => `${o.apiVersion} ${o.kind}`));
    for (const k of [
      'apps/v1 Deployment',
      'v1 Service',
      'v1 ServiceAccount',
      'v1 ConfigMap',
      'batch/v1 Job',
      'policy/v1 PodDisruptionBudget',
      'autoscaling/v2 HorizontalPodAutoscaler',
      'networking.k8s.io/v1 NetworkPolicy',
      'networking.k8s.io/v1 Ingress',
      'keda.sh/v1alpha1 ScaledObject',
      'external-secrets.io/v1 ExternalSecret',
      'external-secrets.io/v1 SecretStore',
      'monitoring.coreos.com/v1 ServiceMonitor',
      'monitoring.coreos.com/v1 PrometheusRule',
    ])
      expect(kinds).toContain(k);
  });

  it('catches a broken built-in object, a broken custom resource and an unknown kind', () => {
    const broken = tempOverlay(
      {
        resources: ['k8s/overlays/production', 'extra.yaml'],
        patches: [
          {
            target: { kind: 'Deployment', name: 'agentflow-gateway' },
            patch: '- { op: replace, path: /spec/replicas, value: two }',
          },
          {
            target: { kind: 'ScaledObject', name: 'agentflow-agents-docs' },
            patch: '- { op: remove, path: /spec/scaleTargetRef }',
          },
        ],
      },
      { 'extra.yaml': 'apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\n' },
    );
    try {
      const [r] = renderAndValidate(broken.dir);
      expect(r.problems).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^Deployment\/agentflow-gateway: \/spec\/replicas must be integer/),
          expect.stringMatching(/^ScaledObject\/agentflow-agents-docs: .*scaleTargetRef/),
          expect.stringMatching(/^Widget\/w: no schema for apiVersion example.com\/v1/),
        ]),
      );
    } finally {
      broken.remove();
    }
  });

  describe('production', () => {
    const objects = production.objects;
    const byComponent = workloads(objects);
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');

    it('runs a Deployment per service and per agent group, each in the production namespace', () => {
      expect([...byComponent.keys()].sort()).toEqual([...COMPONENTS, 'provision'].sort());
      for (const o of objects) if (o.kind !== 'Namespace') expect(o.metadata.namespace).toBe('agentflow');
    });

    it.each(Object.keys(EXPECTED_SECRETS))('%s reads only its own secrets, as files', (component) => {
      const workload = byComponent.get(component)!;
      expect(secretsReadBy(workload)).toEqual(EXPECTED_SECRETS[component]);
      const container = workload.spec.template.spec.containers[0];
      expect(container.envFrom?.filter((f: { secretRef?: unknown }) => f.secretRef) ?? []).toEqual([]);
      expect(container.volumeMounts).toEqual(
        expect.arrayContaining([{ name: 'secrets', mountPath: DEFAULT_SECRETS_DIR, readOnly: true }]),
      );
    });

    it('holds vendor keys in the gateway only, webhook secrets in the ingress only, Slack in the notifier only', () => {
      const readers = (secret: string) =>
        [...byComponent]
          .filter(([, w]) => secretsReadBy(w).includes(secret))
          .map(([c]) => c)
          .sort();
      expect(readers('agentflow-vendor-keys')).toEqual(['gateway']);
      expect(readers('agentflow-webhooks')).toEqual(['ingress']);
      expect(readers('agentflow-slack')).toEqual(['notifier']);
      expect(readers('agentflow-platform')).toEqual([
        'agents-docs',
        'agents-review',
        'agents-tests',
        'ingress',
        'notifier',
      ]);
    });

    it('fills exactly those Secrets from the store, under the key names the services read as files', () => {
      const targets = objects
        .filter((o) => o.kind === 'ExternalSecret')
        .map((o) => o.spec.target.name)
        .sort();
      expect(targets).toEqual([...new Set(Object.values(EXPECTED_SECRETS).flat())].sort());
      // The key in a Secret becomes a file name; the kit maps it back to the variable.
      expect(secretFileName('ANTHROPIC_API_KEY')).toBe('anthropic-api-key');
      const providers = readFileSync(join(ROOT, 'workflows', 'providers.yml'), 'utf8');
      expect(providers).toContain(`${DEFAULT_SECRETS_DIR}/anthropic-api-key`);
      const env = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('agentflow-env'))!;
      expect(env.data!.AGENTFLOW_SECRETS_DIR).toBe(DEFAULT_SECRETS_DIR);
    });

    it('lets only the ingress take traffic from outside, the gateway from inside the cluster only', () => {
      for (const component of COMPONENTS) {
        const labels = byComponent.get(component)!.spec.template.metadata.labels;
        const sources = ingressOf(policies, labels);
        expect(sources.has('anywhere')).toBe(component === 'ingress');
        expect(sources.has('cluster')).toBe(component === 'gateway');
        expect(sources.has('monitoring')).toBe(true);
      }
      const http = objects.find((o) => o.kind === 'Ingress')!;
      const backends = http.spec.rules.flatMap(
        (r: { http: { paths: Array<{ backend: { service: { name: string } } }> } }) =>
          r.http.paths.map((p) => p.backend.service.name),
      );
      expect(new Set(backends)).toEqual(new Set(['agentflow-ingress']));
    });

    it('lets every pod reach DNS and NATS, the outside only where a component calls out', () => {
      const deny = policies.find((p) => p.metadata.name === 'agentflow-default-deny')!;
      expect(deny.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      for (const [component, workload] of byComponent) {
        const routes = egressOf(policies, workload.spec.template.metadata.labels);
        expect(selects(deny.spec.podSelector, workload.spec.template.metadata.labels)).toBe(true);
        expect(routes.has('dns') && routes.has('nats') && routes.has('postgresql')).toBe(true);
        const callsOut = component !== 'coordinator' && component !== 'provision';
        expect([component, routes.has('https-out')]).toEqual([component, callsOut]);
      }
      const only = (name: string) =>
        [...byComponent]
          .filter(([, w]) =>
            selects(
              policies.find((p) => p.metadata.name === name)!.spec.podSelector,
              w.spec.template.metadata.labels,
            ),
          )
          .map(([c]) => c)
          .sort();
      expect(only('agentflow-egress-vendors')).toEqual(['gateway']);
      expect(only('agentflow-egress-slack')).toEqual(['notifier']);
      expect(only('agentflow-egress-platforms')).toEqual([
        'agents-docs',
        'agents-review',
        'agents-tests',
        'ingress',
        'notifier',
      ]);
    });

    it.each(COMPONENTS)('%s runs without privilege, without an API token, spread over nodes', (component) => {
      const workload = byComponent.get(component)!;
      const pod = workload.spec.template.spec;
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.serviceAccountName).toMatch(/^agentflow-/);
      const account = objects.find(
        (o) => o.kind === 'ServiceAccount' && o.metadata.name === pod.serviceAccountName,
      )!;
      expect(account.automountServiceAccountToken).toBe(false);
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      const [container] = pod.containers;
      expect(container.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(pod.topologySpreadConstraints.map((t: { topologyKey: string }) => t.topologyKey)).toEqual([
        'topology.kubernetes.io/zone',
        'kubernetes.io/hostname',
      ]);
      expect(container.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
      expect(container.resources.limits.memory).toEqual(expect.any(String));
    });

    it.each(COMPONENTS)('%s starts, serves and stops as the kit expects', (component) => {
      const workload = byComponent.get(component)!;
      const pod = workload.spec.template.spec;
      const [container] = pod.containers;
      expect(container.startupProbe.httpGet).toEqual({ path: '/health', port: 'http' });
      expect(container.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
      expect(container.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
      const entry = container.command[1];
      expect(existsSync(join(ROOT, entry.replace('/dist/main.js', '/src/main.ts')))).toBe(true);
      const preStop = Number(container.lifecycle.preStop.exec.command[1]);
      const shutdownMs = Number(
        container.env.find((e: { name: string }) => e.name === 'SHUTDOWN_TIMEOUT_MS').value,
      );
      expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(preStop * 1000 + shutdownMs);
      const budget = objects.find(
        (o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === workload.metadata.name,
      )!;
      expect(selects(budget.spec.selector, workload.spec.template.metadata.labels)).toBe(true);
      const service = objects.find(
        (o) => o.kind === 'Service' && o.metadata.name === workload.metadata.name,
      )!;
      expect(selects({ matchLabels: service.spec.selector }, workload.spec.template.metadata.labels)).toBe(
        true,
      );
    });

    it("autoscales the gateway and ingress on CPU, each agent group on its own consumers' backlog", () => {
      const hpas = objects
        .filter((o) => o.kind === 'HorizontalPodAutoscaler')
        .map((o) => o.spec.scaleTargetRef.name)
        .sort();
      expect(hpas).toEqual(['agentflow-gateway', 'agentflow-ingress']);
      const tasks = topology().streams.tasks.name;
      const served: string[] = [];
      for (const group of AGENT_GROUPS) {
        const deployment = byComponent.get(group)!;
        const types = deployment.spec.template.spec.containers[0].env
          .find((e: { name: string }) => e.name === 'AGENT_TYPES')
          .value.split(',');
        served.push(...types);
        const scaler = objects.find(
          (o) => o.kind === 'ScaledObject' && o.spec.scaleTargetRef.name === deployment.metadata.name,
        )!;
        expect(
          scaler.spec.triggers.map((t: { type: string; metadata: { stream: string; consumer: string } }) => [
            t.type,
            t.metadata.stream,
            t.metadata.consumer,
          ]),
        ).toEqual(types.map((t: string) => ['nats-jetstream', tasks, `agents-${t}`]));
      }
      expect(served.sort()).toEqual([...AGENT_TYPE_IDS].sort());
    });

    it('provisions the bus and migrates the database in a Job that runs before the services roll', () => {
      const job = byComponent.get('provision')!;
      expect(job.spec.template.spec.containers[0].command).toEqual(['node', 'cli/dist/main.js', 'provision']);
      expect(job.metadata.annotations?.['argocd.argoproj.io/sync-wave']).toBe('-1');
    });

    it('mounts the workflows as a ConfigMap that changes in place (no name hash), holding every shipped file', () => {
      const config = objects.find(
        (o) => o.kind === 'ConfigMap' && o.metadata.name === 'agentflow-workflows',
      )!;
      const shipped = readdirSync(join(ROOT, 'workflows'))
        .filter((n) => /\.ya?ml$/.test(n) && !/^kustomization\.ya?ml$/.test(n))
        .sort();
      expect(Object.keys(config.data!).sort()).toEqual(shipped);
      for (const name of shipped)
        expect(config.data![name]).toBe(readFileSync(join(ROOT, 'workflows', name), 'utf8'));
      const env = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('agentflow-env'))!;
      expect(env.data!.AGENTFLOW_WORKFLOWS_DIR).toBe('/etc/agentflow/workflows');
      expect(parse(config.data!['providers.yml'])).toBeTruthy();
    });
  });

  it('dev: one replica each, no autoscalers, budgets or CRDs a dev cluster may lack', () => {
    const kinds = new Set(dev.objects.map((o) => o.kind));
    for (const k of [
      'HorizontalPodAutoscaler',
      'ScaledObject',
      'PodDisruptionBudget',
      'ServiceMonitor',
      'PrometheusRule',
      'ExternalSecret',
    ])
      expect(kinds).not.toContain(k);
    for (const d of dev.objects.filter((o) => o.kind === 'Deployment')) expect(d.spec.replicas).toBe(1);
  });

  it('vault: the same Secrets from a Vault store with Kubernetes auth', () => {
    const store = vaultRendered.objects.find((o) => o.kind === 'SecretStore')!;
    expect(store.spec.provider.vault.auth.kubernetes).toMatchObject({ role: 'agentflow-external-secrets' });
    expect(vaultRendered.objects.filter((o) => o.kind === 'ExternalSecret')).toHaveLength(5);
  });

  it('egress-proxy: the only way out is the proxy, and every pod trusts its CA', () => {
    const objects = proxiedRendered.objects;
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    for (const [component, workload] of workloads(objects)) {
      const routes = egressOf(policies, workload.spec.template.metadata.labels);
      expect(routes.has('https-out')).toBe(false);
      expect([component, routes.has('proxy')]).toEqual([
        component,
        component !== 'coordinator' && component !== 'provision',
      ]);
      if (workload.kind === 'Deployment') {
        expect(workload.spec.template.spec.containers[0].volumeMounts).toEqual(
          expect.arrayContaining([expect.objectContaining({ mountPath: '/etc/agentflow/proxy-ca' })]),
        );
      }
    }
    const env = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('agentflow-env'))!;
    expect(env.data).toMatchObject({
      HTTPS_PROXY: expect.stringMatching(/^http:\/\//),
      NODE_EXTRA_CA_CERTS: '/etc/agentflow/proxy-ca/ca.crt',
    });
    expect(env.data!.NO_PROXY).toContain('.svc');
  });
});
