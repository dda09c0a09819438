/**
 * docs/deployment.md walks a platform engineer from an empty cluster to a first reviewed pull
 * request. Every command of it that needs no cluster is run here exactly as written; the ones
 * that do need a cluster are checked against the rendered objects they name (the namespace, the
 * Job, the label selector), so the page cannot drift from the manifests.
 */
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderAndValidate, ROOT } from './render';

function walkthroughCommands(): string[] {
  const doc = readFileSync(join(ROOT, 'docs', 'deployment.md'), 'utf8');
  const start = doc.indexOf('#### From an empty cluster to a first reviewed pull request');
  const end = doc.indexOf('\n#### ', start + 10);
  if (start < 0) throw new Error('docs/deployment.md has no walk-through section');
  const section = doc.slice(start, end < 0 ? undefined : end);
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks.flatMap((b) =>
    b
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
  );
}

const OFFLINE = /^(kubectl kustomize |node scripts\/k8s-validate\.mjs )/;

describe('docs/deployment.md walk-through', () => {
  const commands = walkthroughCommands();
  const offline = commands.filter((c) => OFFLINE.test(c));

  it('has the offline steps (render, validate) and the cluster steps (provision, apply, wait)', () => {
    expect(offline.length).toBeGreaterThanOrEqual(2);
    expect(commands.some((c) => c.startsWith('kubectl apply -k'))).toBe(true);
  });

  it.each(offline)('runs as written: %s', (command) => {
    expect(() => execSync(command, { cwd: ROOT, stdio: 'pipe', shell: '/bin/bash' })).not.toThrow();
  });

  it('names objects the production overlay really has', () => {
    const [production] = renderAndValidate('k8s/overlays/production');
    const namespaces = new Set(production.objects.map((o) => o.metadata.namespace));
    for (const command of commands) {
      const ns = / -n (\S+)/.exec(command)?.[1] ?? /create namespace (\S+)/.exec(command)?.[1];
      if (ns) expect(namespaces).toContain(ns);
      const job = /job\/(\S+)/.exec(command)?.[1];
      if (job) expect(production.objects.some((o) => o.kind === 'Job' && o.metadata.name === job)).toBe(true);
      const selector = / -l (\S+)=(\S+)/.exec(command);
      if (selector) {
        const selected = production.objects.filter((o) => o.metadata.labels?.[selector[1]] === selector[2]);
        expect(selected.map((o) => o.kind)).toContain('Job');
        // The provisioning step must not roll anything else out before the Job has run.
        expect(selected.filter((o) => o.kind === 'Deployment')).toEqual([]);
      }
    }
  });
});
