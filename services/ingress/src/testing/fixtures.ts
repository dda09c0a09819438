/** Test helpers: real webhook payloads, signing, and a config for tests. Not exported from the package. */
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readIngressConfig, type IngressConfig } from '../config';

export const TEST_SECRET = "It's a Secret to Everybody";
export const TEST_GITLAB_TOKEN = 'gitlab-hook-token';
export const FIXTURE_WORKFLOWS = join(__dirname, '..', '..', 'test-fixtures', 'workflows');
export const GITLAB_SAMPLES_DIR = '/work/shared/samples';

export interface ExampleDelivery {
  event: string;
  action?: string;
  body: string;
}

/** Every example payload of `@octokit/webhooks-examples`, serialised as GitHub sends it. */
export function githubExamples(): ExampleDelivery[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const definitions = require('@octokit/webhooks-examples') as Array<{
    name: string;
    examples: Array<Record<string, unknown>>;
  }>;
  return definitions.flatMap((d) =>
    d.examples.map((e) => ({
      event: d.name,
      action: typeof e.action === 'string' ? e.action : undefined,
      body: JSON.stringify(e),
    })),
  );
}

export function githubExample(event: string, action?: string): ExampleDelivery {
  const found = githubExamples().find(
    (e) => e.event === event && (action === undefined || e.action === action),
  );
  if (!found) throw new Error(`no @octokit/webhooks-examples payload for ${event}.${action}`);
  return found;
}

export function sign(body: string | Buffer, secret = TEST_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function githubHeaders(
  event: string,
  deliveryId: string,
  body: string | Buffer,
  secret = TEST_SECRET,
): Record<string, string> {
  return {
    'x-github-event': event,
    'x-github-delivery': deliveryId,
    'x-hub-signature-256': sign(body, secret),
    'content-type': 'application/json',
  };
}

/** GitLab's documented hook bodies from the shared samples; null when the folder is absent. */
export function gitlabSamples(): Array<{ event: string; file: string; body: string }> | null {
  const files: Array<[string, string]> = [
    ['Merge Request Hook', 'gitlab-webhook-merge_request.json'],
    ['Note Hook', 'gitlab-webhook-note_merge_request.json'],
    ['Pipeline Hook', 'gitlab-webhook-pipeline.json'],
  ];
  if (!files.every(([, f]) => existsSync(join(GITLAB_SAMPLES_DIR, f)))) return null;
  return files.map(([event, file]) => ({
    event,
    file,
    body: readFileSync(join(GITLAB_SAMPLES_DIR, file), 'utf8'),
  }));
}

export function testConfig(env: Record<string, string> = {}): IngressConfig {
  return readIngressConfig({
    GITHUB_WEBHOOK_SECRET: TEST_SECRET,
    GITLAB_WEBHOOK_TOKEN: TEST_GITLAB_TOKEN,
    AGENTFLOW_WORKFLOWS_DIR: FIXTURE_WORKFLOWS,
    INGRESS_RECONCILE_MS: '0',
    ...env,
  });
}
