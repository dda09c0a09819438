/**
 * Renders Kustomize directories with the real engine (`kubectl kustomize`) and validates every
 * object with scripts/k8s-validate.mjs (Kubernetes and CRD schemas), for the manifest specs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';

export const ROOT = join(__dirname, '..', '..');
export const K8S = join(ROOT, 'k8s');

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- rendered YAML of many kinds
  data?: Record<string, string>;
  [key: string]: unknown;
}

export interface Rendered {
  source: string;
  objects: K8sObject[];
  problems: string[];
}

/** Renders and validates each directory (absolute paths or relative to the repository root). */
export function renderAndValidate(...dirs: string[]): Rendered[] {
  try {
    const out = execFileSync(
      process.execPath,
      [join(ROOT, 'scripts', 'k8s-validate.mjs'), '--json', ...dirs],
      {
        cwd: ROOT,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    return JSON.parse(out) as Rendered[];
  } catch (error) {
    const e = error as { status?: number; stdout?: string; stderr?: string };
    // Exit 1 is "rendered, with problems": the JSON is still there.
    if (e.status === 1 && e.stdout) return JSON.parse(e.stdout) as Rendered[];
    throw new Error(`k8s-validate failed (exit ${e.status}): ${e.stderr ?? ''}`);
  }
}

/**
 * A throwaway overlay over existing directories of k8s/ (Kustomize refuses absolute paths, so
 * they are written relative to the temporary directory). Returns its path and a cleanup.
 */
export function tempOverlay(
  kustomization: { resources?: string[]; components?: string[]; [key: string]: unknown },
  files: Record<string, string> = {},
): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'af-k8s-'));
  const rel = (p: string) => relative(dir, join(ROOT, p));
  const body = {
    ...kustomization,
    ...(kustomization.resources
      ? { resources: kustomization.resources.map((r) => (r.startsWith('k8s/') ? rel(r) : r)) }
      : {}),
    ...(kustomization.components ? { components: kustomization.components.map(rel) } : {}),
  };
  writeFileSync(join(dir, 'kustomization.yaml'), stringify(body));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
