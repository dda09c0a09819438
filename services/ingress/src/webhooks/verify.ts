/** Who sent a delivery: GitHub's HMAC signature and GitLab's shared token, both compared in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Webhooks } from '@octokit/webhooks';

/** Verifies `X-Hub-Signature-256` over the exact bytes received. */
export class GitHubSignatureVerifier {
  private readonly webhooks: Webhooks;

  constructor(secret: string) {
    this.webhooks = new Webhooks({ secret });
  }

  async verify(rawBody: Buffer, signature: string | undefined): Promise<boolean> {
    if (!signature || !signature.startsWith('sha256=')) return false;
    const text = rawBody.toString('utf8');
    // A body that is not valid UTF-8 would not survive the string round trip unchanged; such a body
    // was not sent by GitHub (payloads are JSON), so it cannot carry a valid signature.
    if (!Buffer.from(text, 'utf8').equals(rawBody)) return false;
    try {
      return await this.webhooks.verify(text, signature);
    } catch {
      return false;
    }
  }
}

/** Compares `X-Gitlab-Token` with the configured token without leaking its length or prefix through timing. */
export function gitlabTokenMatches(expected: string, received: string | undefined): boolean {
  if (received === undefined) return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(received).digest();
  return timingSafeEqual(a, b);
}
