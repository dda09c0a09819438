/**
 * GitHub webhook deliveries as GitHub sends them: a real payload from `@octokit/webhooks-examples`
 * re-pointed at a seeded pull request, signed with `X-Hub-Signature-256`.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { SeedPullRequest } from '@agentflow/fake-platforms';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function example(event: string, action: string): Json {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const examples = require('@octokit/webhooks-examples') as Array<{ name: string; examples: Json[] }>;
  const found = examples.find((d) => d.name === event)?.examples.find((e) => e.action === action);
  if (!found) throw new Error(`@octokit/webhooks-examples has no ${event}.${action} payload`);
  return structuredClone(found);
}

/**
 * A `pull_request` payload (`opened`, `synchronize`, `reopened`, …) for the seeded pull request.
 * `repositoryId` is the id the fake GitHub gave the repository (it answers `GET /repos/…` with it).
 */
export function pullRequestPayload(seed: SeedPullRequest, action = 'opened', repositoryId = 1): Json {
  const body = example('pull_request', action === 'synchronize' ? 'synchronize' : 'opened');
  body.action = action;
  delete body.installation;
  Object.assign(body.repository, {
    id: repositoryId,
    name: seed.repo,
    full_name: `${seed.owner}/${seed.repo}`,
    private: true,
    default_branch: 'main',
  });
  body.repository.owner.login = seed.owner;
  body.number = seed.number;
  Object.assign(body.pull_request, {
    number: seed.number,
    state: 'open',
    draft: seed.draft ?? false,
    title: seed.title ?? `PR ${seed.number}`,
    labels: [],
  });
  body.pull_request.user.login = seed.author ?? 'octocat';
  body.pull_request.user.type = 'User';
  Object.assign(body.pull_request.head, {
    sha: seed.headSha,
    ref: seed.headRef ?? `feature/pr-${seed.number}`,
  });
  Object.assign(body.pull_request.base, { sha: seed.baseSha, ref: seed.baseRef ?? 'main' });
  for (const side of ['head', 'base'] as const) {
    if (body.pull_request[side].repo)
      Object.assign(body.pull_request[side].repo, {
        name: seed.repo,
        full_name: `${seed.owner}/${seed.repo}`,
      });
  }
  if (action === 'synchronize') body.before = seed.baseSha;
  if (action === 'synchronize') body.after = seed.headSha;
  return body;
}

export interface SignedDelivery {
  deliveryId: string;
  status: number;
  body: string;
}

/** POSTs one signed delivery to `<ingressUrl>/webhooks/github`. */
export async function sendSignedWebhook(
  ingressUrl: string,
  secret: string,
  event: string,
  payload: unknown,
  deliveryId: string = randomUUID(),
): Promise<SignedDelivery> {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const res = await fetch(`${ingressUrl}/webhooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/agentflow-e2e',
      'x-github-event': event,
      'x-github-delivery': deliveryId,
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
    body,
  });
  return { deliveryId, status: res.status, body: await res.text() };
}
